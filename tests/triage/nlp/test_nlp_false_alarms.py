"""False P1s cost operators (an alert and a P1 queue item each), missed P1s cost far more.

Two hand-written lists, none of it copied from `nlu_data/`: everyday messages the public
send that must not come out P1 (chat fillers, short form answers, idioms such as "this is
killing me" or "fire away", football banter, crimes that are over), and genuine
emergencies in varied wording that must. They run through the production model (trained
on all the data) with its own threshold and the rules, exactly as the gateway decides.
`bench/triage_figures.py` prints the rates on both lists from these same lists.
"""

from __future__ import annotations

import pytest

from triage.decisions import Contact, Priority
from triage.nlp.classifier import TriageClassifier

BENIGN: list[str] = [
    # greetings, thanks, chat fillers
    "hello",
    "hi there, anyone about?",
    "good evening",
    "thanks so much, you've been really helpful",
    "cheers mate",
    "ta",
    "ok thank you bye",
    "still here",
    "are you still there?",
    "sorry, I'm still here, was just making a brew",
    "hang on, still looking for the ref",
    "one sec, just finding the details",
    "brb",
    "can I speak to a human please",
    # enquiries that mention "now" or a place
    "is the station open right now",
    "is anyone on the front desk at the moment?",
    "I'm outside the station now, which door do I use for my appointment?",
    "right now I just want to know if my case has been closed",
    "what are the opening hours on sunday",
    "how do I get my property back",
    "do you have a lost property office",
    "how long does a DBS check take",
    "is it illegal to ride an e-scooter on the pavement",
    "can I speak to someone about firearms licence renewal",
    # crimes that are over
    "I want to report a theft from last week",
    "my car was broken into overnight",
    "my shed was broken into over the weekend, they took a strimmer",
    "someone keyed my car last week, I have dashcam footage",
    "my phone was stolen on the metro last month",
    "I lost my wallet in town yesterday",
    "is it too late to report a fight I saw last month",
    "no, nobody was hurt",
    "no injuries, just damage to the car",
    "I'm fine now thanks, it's all sorted",
    "false alarm, my son came home, sorry to bother you",
    # idioms and figures of speech
    "this is killing me lol",
    "this form is killing me",
    "the suspense is killing me",
    "my feet are killing me after that walk",
    "I'd kill for a cup of tea",
    "fire away",
    "ok fire away with your questions",
    "shoot, I forgot my ref",
    "shoot, wrong chat sorry",
    "I'm dying to know when my case is done",
    "we're all dying to hear back about the report",
    "that comedian absolutely killed it last night",
    "I'm dead 😂",
    "dead good service, thanks",
    "bet you lot are dying for a brew",
    # football banter
    "we got murdered 5-0",
    "we got battered 4-1 by Sunderland on saturday",
    "Newcastle got slaughtered at the weekend",
    "the ref robbed us of a penalty, criminal",
    "that second goal was a killer",
    # jokes, slang, social media
    "why did the chicken cross the road? to get away from the police lol",
    "lol this bot",
    "the bot is useless lol",
    "haha nice one",
    "that's sick bro",
    "safe bro",
    "innit",
    "ur a legend",
    "keep up the good work officers 👏",
    "#StopKnifeCrime",
    "#NorthshirePolice great work at the match today",
    "#ad win a free iphone, click the link in bio",
    "your website keeps crashing",
    # short answers in a form
    "yes",
    "no",
    "yep",
    "nope",
    "NE1 4ST",
    "07700 900123",
    "last night",
    "around 10pm yesterday",
    "a black bike",
    "a silver Ford Focus",
    "BL-7K2M-9QXA",
]

EMERGENCIES: list[str] = [
    # violence and weapons, happening now
    "there's a bloke smashing car windows on our street with a hammer",
    "a man just pulled a knife on my son at the bus station",
    "a gang are kicking a lad on the ground by the skate park",
    "man with a machete chasing people down Westgate Road",
    "there's a man waving a gun around in the Greggs on the high street",
    "someone just threw a brick through my window and they're still outside shouting",
    "help me he's got a knife to my mum's neck",
    "there's a fight outside the club and one lad is unconscious on the floor",
    "sum1 jus got shanked outside the chicken shop",
    "bruv there's man with a skeng outside the youth club",
    "hes got a blade n hes comin for me",
    "my neighbour's just been attacked with a hammer and he's on the floor",
    "a man is stabbing people at the Metro station",
    "shots just went off outside the pub and people are running",
    "active shooter at the college, we're barricaded in a classroom",
    "an acid attack just happened outside the station, a man is screaming about his face",
    "road rage, a driver has got out and is punching my husband through the car window",
    "mugging happening right in front of me on Grey Street",
    # domestic abuse and threats
    "my husband has his hands round my throat, I've locked myself in the toilet",
    "he's got me by the neck against the wall, pls send someone",
    "my step dad is beating my mum and I'm hiding in my room",
    "i can hear a woman being battered in the flat upstairs, she's begging him to stop",
    "he's threatening to stab me if I leave the flat",
    "he's outside my door with a baseball bat saying he'll do me in",
    "my ex has just kicked my front door off its hinges and he's inside",
    "he's taken the key and won't let me out of the flat, I'm messaging from my tablet",
    "the man next door is threatening to burn the house down with his kids inside",
    "the guy sitting next to me on the bus has a knife and keeps saying he'll use it",
    # intruders and crimes in progress
    "there's a stranger halfway through our kitchen window",
    "someone is breaking into the bungalow across the road, the old couple are away",
    "I'm hiding in a cupboard, there are men downstairs going through our stuff",
    "pls come quick they're kicking my door in",
    "a group of men in balaclavas are robbing the petrol station",
    "lads are setting fire to the bins against the school wall",
    "a bloke keeps flashing at the kids by the swings, he's still there",
    # people at risk
    "two lads are trying to drag a woman into a car outside the chippy",
    "someone just snatched a little boy from the play area and ran off",
    "my 15 year old daughter has been taken by an older man in a car",
    "my 3 year old has wandered off at the Metrocentre and we can't find her anywhere",
    "my dad who has alzheimers walked out of his care home at lunchtime and nobody can find him",
    "someone is holding my brother hostage and demanding money",
    "there's a woman screaming for help in the alley behind the shops",
    "there's a car following me and it's been behind me for 20 minutes, I'm scared",
    "I was just raped and he's still in the flat",
    # self-harm
    "my friend has taken a whole packet of paracetamol and is being sick",
    "my sister says she's going to end her life tonight and has stopped answering",
    "I've taken all my tablets and I don't want to be here anymore",
    "a young lad is sat on the edge of the viaduct with his legs over, he looks really distressed",
    "my son is threatening to jump from the balcony on the 12th floor",
    "there's a woman on top of the multistorey shouting that she'll throw herself off",
    "I've just found my dad hanging in the garage",
    # medical and injury
    "please send help, my neighbour has collapsed on the stairs and isn't breathing",
    "my flatmate has slashed his arms and it's pouring out, I can't stop it",
    "my newborn has gone floppy and isn't breathing properly",
    "my mate's been stabbed in the leg and it won't stop bleeding",
    "there's a man having a seizure on the platform and he's hit his head",
    "he's dying, please hurry",
    # fire, water, roads
    "flames coming out of the upstairs window at number 12 and the family's car is on the drive",
    "help there's smoke pouring out of the flat below and the alarm won't stop",
    "a taxi just rolled off the slipway into the harbour with the driver inside",
    "a kid has fallen into the canal and can't swim",
    "there's been a bad smash on the A1 and a motorbike rider is lying on the road",
    "a car has ploughed through the bus queue outside the academy, kids are on the ground",
    "there's an old man in his pyjamas wandering in the middle of the dual carriageway",
    "a cyclist's just been knocked off by a lorry on the roundabout and isn't getting up",
    "a lorry has overturned on the roundabout and the driver is stuck in the cab",
    "the car in front is swerving across both lanes, I think the driver's drunk",
    "bomb scare at the Metro station, there's a suspicious bag and people are panicking",
]


def _decide(classifier: TriageClassifier, text: str) -> tuple[Priority, str]:
    decision = classifier.classify(Contact(id="probe", text=text))
    why = "; ".join(decision.reasons) or f"model {decision.scores}"
    return decision.priority, why


def test_the_lists_are_long_enough_and_distinct() -> None:
    assert len(BENIGN) >= 60
    assert len(EMERGENCIES) >= 60
    assert len(set(BENIGN)) == len(BENIGN)
    assert len(set(EMERGENCIES)) == len(EMERGENCIES)
    assert not set(BENIGN) & set(EMERGENCIES)


@pytest.mark.parametrize("text", BENIGN)
def test_benign_message_is_not_p1(classifier: TriageClassifier, text: str) -> None:
    priority, why = _decide(classifier, text)
    assert priority is not Priority.P1, why


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergency_is_p1(classifier: TriageClassifier, text: str) -> None:
    priority, why = _decide(classifier, text)
    assert priority is Priority.P1, why
