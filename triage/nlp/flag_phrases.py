"""Words and phrases that raise each risk flag, as people really type them.

Matched with spaCy's PhraseMatcher on the token NORM, so case does not matter and spaCy's
own norms apply ("gonna" -> "going to", "cant" -> "can not"). Slang, text-speak and common
misspellings sit next to the standard word; longer key words are also matched with one
typo allowed (`FUZZY_WORDS`). Plain data so a reviewer can read what raises what, in THRIVE
terms: threat (weapon, threat to life), harm (violence, injury), risk now (in progress,
fire, road danger) and vulnerability (vulnerable person, domestic abuse, self-harm, hate).
Patterns that need token logic (ages, "someone in my house") live in `flag_patterns.py`.
"""

from __future__ import annotations

from enum import StrEnum

from triage.decisions import RiskFlag


class Cue(StrEnum):
    """Situations that are not risk flags themselves but make a message an emergency: an
    intruder, or a theft or break-in that is happening now."""

    INTRUDER = "intruder"
    CRIME_ACTIVE = "crime_active"
    SERIOUS_HARM = "serious_harm"
    """Signs that a life is at risk now (not breathing, unconscious, bleeding heavily)."""
    MISSING = "missing"
    """A person (not a thing) missing now: "my son has gone missing", "can't find my mum"."""
    JOKE = "joke"
    """Laughter ("lol", "😂"): a "kill" in a joke is not a threat on its own."""
    HIDING = "hiding"
    """The writer is hiding from someone now ("I'm hiding in the bathroom")."""
    OVER = "over"
    """Words that place events in the past ("last night", "was", "weeks ago"): a weapon and
    violence told as a story are a report, not an emergency."""


def _phrases(text: str) -> tuple[str, ...]:
    """Comma- or newline-separated phrases, so long lists stay readable."""
    return tuple(p.strip() for line in text.splitlines() for p in line.split(",") if p.strip())


FLAG_PHRASES: dict[RiskFlag, tuple[str, ...]] = {
    RiskFlag.WEAPON: _phrases("""
        knife, knives, knifed, knifepoint, knife point, nife, knif, kniff, knifes
        blade, blades, bladed, machete, machetes, matchete, zombie knife, kitchen knife
        stanley knife, sword, samurai sword, axe, hatchet, meat cleaver, cleaver
        gun, guns, handgun, firearm, firearms, shotgun, shotty, pistol, rifle, crossbow
        taser, shank, shanked, shanking, skeng, stab, stabbed, stabbing, stabed, stabbin
        gunpoint, gun point, gunshot, gunshots, shots fired, shot at, been shot, got shot
        shooting, baseball bat, cricket bat, metal bar, iron bar, crowbar, acid
        acid attack, broken bottle, glassed, bottled, petrol bomb, weapon, weapons, armed
        brandishing, wielding
    """),
    RiskFlag.VIOLENCE: _phrases("""
        fight, fighting, fights, brawl, brawling, mass brawl, punch, punched, punching
        punches, punchin, kicked me, kicked him, kicked her, kicked them, kicked in the head
        kicking him, kicking her, kicking me, kicking them, kicking a, kicking the lad
        stamped on, stamping on, hit me, hit him, hit her, hit them, hit us, hitting, hittin
        beat, beaten, beating, beat up, beaten up, battered, battering, batterin, assault
        assaulted, assaulting, attack, attacked, attacking, attackin, got jumped
        getting jumped, being jumped, jumped by, jumped me, jumped him, mugged, mugging
        strangled, strangling, strangle, choking me, choked, throat, headbutted
        head butted, slapped, slapping, glassed, bottled, stabbed, stabbing, stabed, shot
        shooting, shots fired, riot, rioting, lamped, decked, leathered, twatted, smacked
        bashed, knocked out, gbh, abh, violent, violence, raped, rape, sexual assault
        sexually assaulted, hurting me, hurting her, hurting him, hurting the
        throwing punches, kicked off, kicking off, kickin off, grabbed me, pushed me, shoved
        pushed over, pushed her, pushed him, pushed my, knocked to the ground
        throwing things, throwing bricks, throwing bottles, death threat, death threats
    """),
    RiskFlag.INJURY: _phrases("""
        injured, injury, injuries, hurt, badly hurt, seriously hurt, bleeding, bleedin
        bleading, blood, covered in blood, unconscious, unconcious, not breathing
        not moving, not responding, unresponsive, won't wake up, wont wake, can't wake
        cant wake, collapsed, passed out, out cold, knocked out, can't breathe
        cannot breathe, struggling to breathe, having a fit, having a seizure, seizure
        heart attack, stroke, broken leg, broken arm, broken nose, broken bones
        head injury, stab wound, in a bad way, lying in the road, choking, drowning
        lips are blue, gone grey, dying, dead body, a body, casualty, wounded, concussion
        ambulance, paramedic, paramedics, trapped, can't move, overdose, overdosed
        is fitting, 's fitting, s fitting, started fitting, keeps fitting, was fitting
        been shot, got shot, been stabbed, got stabbed, been knifed, been glassed
    """),
    RiskFlag.THREAT_TO_LIFE: _phrases("""
        kill me, kill him, kill her, kill you, kill us, kill them, kill everyone
        kill anyone, going to kill, will kill, threatening to kill
        threatened to kill, threat to kill, kidnapped, kidnap
        kidnapping, abducted, abduct, hostage, held against my will, held against her will
        held against his will, won't let me leave, wont let me leave, won't let her leave
        bomb, bomb threat, blow it up, shoot me, shoot you, shoot him, shoot her
        shoot anyone, shoot us, stab me, stab you, stab him, stab her, you die, you're dead
        youre dead, ur dead, murder, murdered, murdering, slit your throat
        burn the house down, burn you, forced into a car, forced into a van
        forced into the car, bundled into, life in danger, fear for my life
        fear for her life, scared for my life, terrorist, terror attack, going to shoot
        going to stab, he'll kill, she'll kill, they'll kill
        shoot up the, shoot the place up, active shooter, gunman, gunmen
        locked me in, locked her in, locked him in, locked us in, locked the kids in
        suspicious package, suspect package, suspicious device, explosive device
        won't let me out, wont let me out, won't let her out, wont let her out
    """),
    RiskFlag.IN_PROGRESS: _phrases("""
        right now, rn, as we speak, as i type, as i speak, in progress, happening now
        happening right now, this minute, this second, currently, at the moment, just now
        just happened, still outside, still inside, still in the
        still in my, still going, still at it, still doing it, still fighting
        still attacking, still hitting, still kicking, still following, still chasing
        still trying, still on the, still at the, still about, still around, come quick
        come quickly, be quick, please hurry, hurry, send someone now, send help
        send someone quick, following me, chasing me, outside now, at my door
        at the door now, kicking off, kickin off, as it happens, going on outside
        going on now, going on next door, going on right now, going on downstairs
        is happening, are happening, it's happening, its happening, it is happening
        happening outside, happening here, happening next door, happening in the street
        happening on the, happening at the, happening rn, has been shot, has been stabbed
        's been shot, 's been stabbed, s been shot, s been stabbed, just been shot
        just been stabbed, have been shot, have been stabbed, been knocked down by
        been run over, been hit by a car, just been hit, turned up at, has turned up
        's turned up, just turned up, is outside, 's outside, are outside, 're outside
        outside my door, needed urgently
        is on fire, 's on fire, s on fire, are on fire, 're on fire, has caught fire
        's caught fire, have caught fire, just caught fire, is burning, 's burning
        are burning, is full of smoke, 's full of smoke, filling with smoke
        filling up with smoke
    """),
    RiskFlag.VULNERABLE: _phrases("""
        child, children, my kid, my kids, little kid, little kids, small kids, young kids
        kids inside, in front of the kids, kiddie, baby, babies, toddler, toddlers, infant
        newborn, little girl, little boy, little one, young girl, young boy, schoolgirl
        schoolboy, school kids, schoolkids, a minor, underage, under age, elderly, old lady
        old man, old woman, old couple, pensioner, oap, my nan, nan, nana, gran, granny
        grandma, grandad, grandpa, grandfather, grandmother, dementia, alzheimer's
        alzheimers, disabled, disability, wheelchair, learning difficulties
        learning disability, autism, autistic, special needs, blind, deaf, vulnerable
        pregnant, care home, nursing home, mental health, frail, foster child, foster kid
        home alone, left alone, left on their own, left on his own, left on her own
    """),
    RiskFlag.DOMESTIC_ABUSE: _phrases("""
        domestic, domestic abuse, domestic violence, dv, coercive, coercive control
        controlling, he beats me, he hits me, she hits me, she beats me, beats me, hits me
        non-molestation order, non molestation
    """),
    RiskFlag.SELF_HARM: _phrases("""
        suicide, suicidal, sucide, suicidle, kill myself, killing myself, kms, end my life
        end his life, end her life, end their life, end it all, ending it all
        going to end it, want to end it, end it tonight, take my own life
        take his own life, take her own life, want to die, wanna die, wants to die
        don't want to live, dont want to live, don't want to be here
        dont want to be here, better off without me, better off dead, self harm
        self-harm, selfharm, self harming, self-harming, harming herself, harming himself
        hurting herself, hurting himself, hurt myself, cutting myself, cut myself
        overdose, overdosed, taken an overdose, about to jump, going to jump
        threatening to jump, jump off the bridge, jump off a bridge, jump off the roof
        jump off a roof, jump off the building, jump off the cliff, jump off the pier
        jump off the balcony, jump off the flyover, hang myself, hang himself
        hang herself, hanging himself, hanging herself, noose
        goodbye message, suicide note, unalive, swallowed pills, took pills, taken pills
        swallowed bleach, can't go on living, no reason to live, kill themselves
        kill himself, kill herself, killing himself, killing herself
        wrong side of the railings, wrong side of the railing, wrong side of the barrier
        wrong side of the fence, standing on the ledge, on the ledge of
        throw myself off, throw himself off, throw herself off, throw themselves off
        throw myself in front of, jump in front of, step in front of a train
    """),
    RiskFlag.HATE: _phrases("""
        racist, racism, racial, racially, racially abused, homophobic, homophobia
        transphobic, transphobia, biphobic, islamophobic, antisemitic, anti-semitic
        anti semitic, antisemitism, hate crime, hate incident, xenophobic, disablist
        sectarian, nazi, swastika, anti-muslim, anti muslim, anti-jewish
        go back to your country, go back to where you came from, n word, p word, slur
        slurs, bigot, bigoted, hate gays
    """),
    RiskFlag.FIRE: _phrases("""
        fire, fires, on fire, flames, flame, burning, set fire, set light, set alight
        ablaze, arson, arsonist, blaze, petrol bomb, molotov, explosion, exploded
        smoke coming, smoke pouring, full of smoke, filling with smoke, smoke everywhere
        black smoke, thick smoke, smell smoke, smoke alarm, see smoke
    """),
    RiskFlag.ROAD_DANGER: _phrases("""
        crash, crashed, car crash, collision, hit by a car, hit by a van, hit by a lorry
        hit by a bus, hit by a motorbike, knocked over, knocked down, knocked off, run over
        ran over, rta, rtc, pile up, pile-up, jackknifed, overturned, car flipped
        flipped over, on its side, on its roof, hit and run, drink driver, drunk driver
        drink driving, drunk driving, drug driving, wrong way, dangerous driving
        dangerous driver, driving dangerously, all over the road, swerving, boy racers
        road blocked, blocking the road, debris on the road, walking in the road
        lying in the road, lying on the road, lying in the middle of the road
        wandering in the road, standing in the road, child in the road
        toddler in the road, kid in the road, in the middle of the road
        walking on the motorway, pedestrian on the motorway, person on the motorway
        on the hard shoulder, horses on the road, cows on the road, ploughed into
        crashed into, mounted the pavement, car accident, road accident, bad accident
        serious accident, failed to stop, fail to stop
    """),
}

# Suicidal intent in indirect words (domain.md: farewells, "I can't go on", "this is the last
# message you'll get from me", giving things away): first-person farewell, "no future" and
# "final act" wording, and a farewell someone else has received. They raise the self-harm
# flag, an emergency on its own, so each is worded to need the final sense: "nobody will
# miss me", not "miss"; "won't be a burden to anyone", not "a burden". None counts in a
# message about an ordinary departure (`ORDINARY_DEPARTURE_CONTEXT`). Token patterns for the
# same (with gaps or a choice of words) are in `flag_patterns.py`.
INDIRECT_SELF_HARM_PHRASES = _phrases("""
    nobody will miss me, no one will miss me, noone will miss me, nobody would miss me
    no one would miss me, nobody is going to miss me, no one is going to miss me
    nobody's going to miss me, no one's going to miss me, nobody will even miss me
    nobody would even notice, no one would even notice, won't be missed
    nobody will have to worry about me, no one will have to worry about me
    have to worry about me after tonight, have to worry about me after today
    never have to worry about me again
    happier without me, better off when i'm gone, better off if i'm gone
    better off if i wasn't here, better off if i was gone, better off if i was dead
    better without me, world is better without me, world would be better without me
    won't be a burden to anyone, won't be a burden anymore, won't be a burden any more
    won't be a burden any longer, won't be a burden for much longer
    won't be a burden much longer, not going to be a burden to anyone
    not going to be a burden anymore, not going to be a burden any more
    no longer be a burden, stop being a burden to
    no future for me, nothing to live for, nothing left to live for, not worth living
    no point in living, no point living, no reason to go on, no reason to carry on
    tired of living, tired of life, tired of being alive, sick of living, sick of life
    sick of being alive, had enough of living, had enough of life
    had enough of being alive, don't want to wake up, hope i don't wake up
    hope i never wake up, never wake up again, sleep and never wake up
    sleep and not wake up, go to sleep forever, sleep forever
    my last night alive, last night alive, last day alive, last night on earth
    last day on earth, goodbye cruel world, all over for me
    by the time anyone reads this, by the time you read this, by the time you get this
    by the time anyone finds this, by the time someone reads this
    by the time anyone sees this, by the time you see this, before anyone reads this
    before anyone finds this, before anyone sees this
    a burden to everyone, a burden to everybody, a burden on everyone
    a burden to my family
    won't need anything after today, won't need anything after tonight
    won't be needing anything after today, won't be needing anything after tonight
    won't need them where i'm going, won't need it where i'm going
    won't be needing them where i'm going, won't need anything where i'm going
""")
# The same, but only where the clause ends after them (`CLAUSE_END_WORDS`, punctuation
# other than "?", or the end of the message): "I can't go on." and "I can't go on anymore,"
# are the person's own state; "I can't go on holding for 101" or "the last time you'll hear
# from me about this" are not.
FINAL_SELF_HARM_PHRASES = _phrases("""
    can't go on, can't go on anymore, can't go on any more, can't go on any longer
    can't carry on, can't carry on anymore, can't carry on any more
    can't carry on any longer, can't keep going, can't keep going anymore
    i'm done with everything, im done with everything, i am done with everything
    i'm done with life, im done with life, done with living, done with this life
    done with this world
    no point going on, no point carrying on, no point in going on
    no point in carrying on
    this is goodbye, goodbye forever, goodbye for ever, goodbye for good
    said my goodbyes, said my goodbye, said goodbye to everyone, said goodbye to everybody
    i've said goodbye, i have said goodbye, ive said goodbye
    can't see a way out, can't see any way out
    never hear from me again, won't hear from me again, won't ever hear from me again
    never hear from me ever again, never see me again, won't see me again
    won't hear from me after tonight, won't hear from me again after tonight
    never hear from me again after tonight
    won't ever see me again, last time you'll hear from me, last you'll hear from me
    last time you'll ever hear from me, last you'll ever hear from me
    last time anyone will hear from me, last time you hear from me
    last time you'll see me, last time anyone will see me
    last message you'll get from me, last message you'll ever get from me
    last text you'll get from me, last text you'll ever get from me
    this is my last message, this is my final message, these are my last words
    these are my final words, my last words, my final words, my last goodbye
    my final goodbye, my last ever message
    see you on the other side, see you all on the other side, see you in the next life
    see you in another life
    tonight is my last night, tonight's my last night, tonight is my last
    finish it tonight, finishing it tonight, ending it tonight, end it today
    ending it today, finish it all, finishing it all, finish it all tonight
    everyone will be better off, everyone would be better off
    everybody will be better off, everybody would be better off
    everyone will be happier, everyone would be happier, they'd be better off
    they will be better off, they would be better off
""")


def _combinations(*parts: tuple[str, ...]) -> tuple[str, ...]:
    """Every phrase made of one choice from each part, in order ("" leaves a part out)."""
    phrases = [""]
    for choices in parts:
        phrases = [f"{p} {c}".strip() for p in phrases for c in choices]
    return tuple(" ".join(p.split()) for p in phrases)


# Fixed-word combinations of the same wording, spelled out for the PhraseMatcher (on NORM,
# so "won't", "wont" and "will not" are one spelling, and "gonna" is "going to").
_NOT_FUTURE = ("i won't be", "i'm not going to be", "im not going to be")
_NEAR = ("much longer", "for much longer", "for long", "by morning", "by the morning")
INDIRECT_SELF_HARM_PHRASES += (
    # "I won't be alive by the weekend"
    *_combinations(_NOT_FUTURE, ("alive",)),
    # "I've written a goodbye letter", "left my last notes"
    *_combinations(
        ("written", "wrote", "left", "leaving", "writing"),
        ("", "my", "a", "some", "the", "his", "her"),
        ("goodbye", "farewell", "last", "final", "suicide"),
        ("letter", "letters", "note", "notes"),
    ),
    # "I've given all my things away", "giving away his stuff" (not "my old bike")
    *_combinations(
        ("give", "giving", "gave", "given"),
        ("", "away"),
        ("", "all", "all of", "most of"),
        ("my", "his", "her", "their"),
        ("things", "stuff", "belongings", "possessions"),
    ),
)
FINAL_SELF_HARM_PHRASES += (
    # "I won't be around much longer", "I'm not going to be here tomorrow"
    *_combinations(
        _NOT_FUTURE,
        ("here", "around"),
        (*_NEAR, "tomorrow", "in the morning", "after tonight", "after today", "anymore"),
    ),
    *_combinations(("won't be", "not going to be"), ("here", "around", "alive"), _NEAR),
    # "by the time anyone reads this I'll be gone"; not "I'll be gone for two weeks"
    *_combinations(
        ("i'll be", "ill be"),
        ("gone", "dead"),
        ("", "soon", "by morning", "by the morning", "by tomorrow", "forever", "for good"),
    ),
    # "when I'm gone", "once I'm not here"
    *_combinations(
        ("when", "once", "after"),
        ("i'm", "im"),
        ("gone", "dead", "not here", "no longer here", "not around"),
    ),
    # "I've written my letters" (not "my letters of complaint")
    *_combinations(
        ("written", "wrote", "left", "finished"), ("my", "all my"), ("letters", "notes")
    ),
)

# An ordinary departure: a holiday, leaving a job, moving house, putting off an appointment.
# In a message with one of these, the indirect wording above does not raise the flag ("I
# won't be here tomorrow, can the officer come on Thursday instead", "leaving the force after
# 30 years, goodbye everyone"); the words that name self-harm still do, and so does the model.
ORDINARY_DEPARTURE_CONTEXT = _phrases("""
    holiday, holidays, hols, vacation, going away, trip, flight, abroad, cruise, honeymoon
    half term, leaving do, new job, leaving my job, leaving the job, leaving the force
    leaving work, leaving the company, retire, retiring, retirement, colleagues
    moving house, moving to, moving out, move house, moved house, new address
    change my address, change of address, appointment, instead, reschedule, rearrange
    another day
""")

# Typed with one character wrong (missing, extra or changed) still counts. Only long words:
# short ones sit one letter away from ordinary words ("gun" -> "gum", "stabbed" -> "stubbed").
FUZZY_WORDS: dict[RiskFlag, tuple[str, ...]] = {
    RiskFlag.WEAPON: ("machete", "knifepoint", "gunpoint"),
    RiskFlag.VIOLENCE: ("strangled", "strangling", "assaulted", "headbutted"),
    RiskFlag.INJURY: ("unconscious", "unresponsive", "collapsed", "ambulance"),
    RiskFlag.THREAT_TO_LIFE: ("kidnapped", "abducted", "murdered"),
    RiskFlag.VULNERABLE: ("dementia", "alzheimers", "wheelchair", "pregnant", "pensioner"),
    RiskFlag.SELF_HARM: ("suicidal", "overdosed"),
    RiskFlag.HATE: ("homophobic", "transphobic", "islamophobic", "antisemitic"),
    RiskFlag.ROAD_DANGER: ("collision", "jackknifed", "overturned"),
}

CUE_PHRASES: dict[Cue, tuple[str, ...]] = {
    Cue.OVER: _phrases("""
        yesterday, last night, last week, last month, last year, last weekend, last time
        the other day, the other night, ago, earlier, overnight, was, were, had, happened
        used to, in the summer, at christmas, on saturday, on sunday, on monday
        on tuesday, on wednesday, on thursday, on friday, in january, in february
        in march, in april, in may, in june, in july, in august, in september
        in october, in november, in december
    """),
    Cue.INTRUDER: _phrases("""
        intruder, intruders, trying to get in, trying to break in, trying to get into my
        trying to break into my, breaking in, breaking into my house, breaking into my flat
        kicking my door in, kicking the door in, kicking my door, kicking the door
        booting the door, forcing my door, forcing the door, forcing the window
        forcing my window, trying my door, trying the door, trying the back door
        trying the front door, trying door handles, banging on my door
        banging on the door, banging on my window, banging on my windows
        climbing through, climbing in, footsteps
    """),
    Cue.CRIME_ACTIVE: _phrases("""
        stealing, nicking, robbing, breaking into, breaking in, smashing, looting
        twocking, hotwire, hotwiring, siphoning, keying, mugging, snatching, shoplifting
        being stolen, being robbed, being broken into, getting broken into, getting robbed
        getting nicked, getting mugged, getting stolen, getting jumped, ram raid, ramming
        robbery, trying to steal, trying to nick, trying to rob, trying to break
        trying to start, trying car doors, trying car door handles, vandalising
        setting fire, being chased, being followed, jemmying, jemmy
        exposing himself, exposing herself, flashing at, flashing his, flashing kids
        flashing people, flashing children, flashing women, flashing girls
    """),
    Cue.SERIOUS_HARM: _phrases("""
        unconscious, unconcious, not breathing, stopped breathing, can't breathe
        cannot breathe, struggling to breathe, not responding, unresponsive, won't wake up
        wont wake, can't wake, cant wake, collapsed, lips are blue, turning blue, gone blue
        's blue, is blue, heart attack, having a fit, having a seizure, is fitting
        's fitting, s fitting, overdose, overdosed, bleeding badly, bleeding heavily
        lot of blood, blood everywhere, covered in blood, been stabbed, been shot
        stab wound, drowning, choking, trapped, need an ambulance, ambulance needed
        send an ambulance, get an ambulance, call an ambulance
        screaming for help, shouting for help, calling for help, crying for help
        can't swim, cant swim, cannot swim, throat is swelling, throat's swelling
        anaphylactic, anaphylaxis, going blue, turned blue, won't stop bleeding
        wont stop bleeding, having a stroke, biker down, rider down
    """),
    Cue.JOKE: _phrases("""
        lol, lool, lmao, lmfao, rofl, haha, hahaha, hahahaha, jk, only joking, 😂, 🤣, 😹, 😜
    """),
}

# Words that make gun words about licensing, not danger ("how do I surrender a shotgun"):
# where one appears, firearm words do not raise the weapon flag (knives and the rest still do).
FIREARM_WORDS = frozenset(
    _phrases("""
    gun, guns, shotgun, shotguns, firearm, firearms, rifle, rifles, air rifle, pistol
    pistols, shooting, crossbow, crossbows, weapon, weapons, shotty
""")
)
FIREARM_LICENSING_CONTEXT = _phrases("""
    licence, license, licences, licenses, licensing, licenced, licensed, certificate
    certificates, cert, certs, surrender, deactivated, antique, legally, clay pigeon
    clay shooting, shooting club, gun club, rifle club, shooting ground, shooting trip
    firearms pass, enquiry officer, firearms officer, firearms department, firearms team
    renewal, renew, fac, sgc, registered firearms dealer, gun shop, amnesty, gun cabinet
    application, applications, apply, applying, referee, dealer, grant, approved
""")

# Phrases containing a flag word that do not carry its risk ("the fire station").
SUPPRESSOR_PHRASES: dict[RiskFlag | Cue, tuple[str, ...]] = {
    Cue.MISSING: _phrases("""
        missing person report, missing persons report, missing person case
        missing person appeal, missing person investigation
    """),
    RiskFlag.FIRE: _phrases("""
        fire station, fire service, fire brigade, fire safety, fire exit, fire door
        fire alarm test, fire department, fire and rescue, ceasefire, fire engine
        fire engines
        fire away, fire off, fire over, fire it over, fire them over, fire me, fire you
        fire across, got fired, been fired, fired from, under fire, firewall
        fire stick, firestick
        on fire this season, on fire this year, on fire lately, on fire recently
    """),
    RiskFlag.VULNERABLE: _phrases("""
        child seat, child's bike, child benefit, child maintenance, baby monitor, baby seat
        blind spot, disabled badge, blue badge, disabled parking, disabled bay, baby shower
    """),
    RiskFlag.VIOLENCE: _phrases("""
        history of violence, record of violence, violence disclosure, violent before
        violent past, our beat, the beat, on the beat, beat officer, beat manager, long shot
        mug shot
        a shot of, shot glass, flu shot, booster shot, good shot, nice shot, big shot
        beat the traffic, beat the queue, fight club, heart attack, panic attack
        asthma attack, fight the fine, fight a fine, fight the ticket, fight a ticket
        fight this fine, fight the charge, fight my case, fight the decision
        fight a parking, fight a speeding
        heart is beating, heart's beating, heart beating
        kicking a ball, kicking the ball, kicking a football, kicking the football
        kicking balls, kicking footballs, kicked a ball, kicked the ball, kicked a football
        kicked the football, kicking their ball, kicking their football
    """),
    Cue.CRIME_ACTIVE: _phrases("""
        smashing it, smashed it
    """),
    RiskFlag.IN_PROGRESS: _phrases("""
        on fire this season, on fire this year, on fire lately, on fire recently
        not right now, what's going on, whats going on, what's happening, whats happening
        what is happening, wats happening, wots happening, what are happening
    """),
    RiskFlag.ROAD_DANGER: _phrases("crash course"),
    RiskFlag.WEAPON: _phrases("""
        glue gun, nail gun, water gun, water pistol, nerf gun, armed forces, armed police
        armed response, shoulder blade, shoulder blades
    """),
    RiskFlag.DOMESTIC_ABUSE: _phrases("domestic flight, domestic flights"),
    RiskFlag.INJURY: _phrases("""
        seizure of, police seizure, vehicle seizure, 59 seizure, seizure notice
        seizure order, property seizure, car seizure
        dying to, dying for, dying of laughter, dying laughing, dying of boredom
        dying of embarrassment, dying of shame
    """),
    RiskFlag.THREAT_TO_LIFE: _phrases("""
        bath bomb, photo bomb, photobomb, hope you die, hope u die, hope you all die
        murder a, could murder, murder mystery, murder documentary, true crime
        you're dead right, you're dead good, you're dead funny, youre dead right
        car park, car wash
        shoot me a, shoot me an, shoot me the, shoot you a, shoot you an, shoot you the
        is murder, was murder, absolute murder, absolutely murder, bloody murder
    """),
    RiskFlag.SELF_HARM: _phrases("""
        kill myself laughing, killing myself laughing
    """),
}
