"""Held-out probe for risk told in indirect words (issue 15, item 4).

Two hand-written lists, written before the rules and examples they test and kept out of
`nlu_data/` (a test below checks that): messages in which a life is at risk but the obvious
words are missing (farewells, "no future" and "final act" wording from someone who means to
end their life, and a few other Grade 1 situations described without the usual words), and
everyday messages that use the same words for something ordinary (leaving a job, a holiday,
a complaint, a closed case). They run through the production model (trained on all the
data) with its own threshold and the rules, exactly as the gateway decides.

The probe asserts counts, not every line: it measures how much of a kind of wording the
rules and the model generalise to, and must not become a list the rules are tuned to. The
counts before and after the rules are beside `MIN_CAUGHT`; `pytest -s` prints what was
missed.
"""

from __future__ import annotations

from triage.decisions import Priority
from triage.nlp.classifier import TriageClassifier
from triage.nlp.training_data import DATA_DIR, load_training_data

INDIRECT_EMERGENCIES: list[str] = [
    # farewells from the person at risk
    "please tell my mum and dad I'm sorry and that I love them",
    "this is my last message, thank you for trying",
    "say goodbye to everyone for me",
    "by the time anyone reads this I'll be gone",
    "i give up, there is nothing left for me here, goodbye",
    "thank you for everything, this is it for me",
    "these are my final words, please look after my cat",
    "i'm ready to go now, i've said sorry to everyone i hurt",
    "I'm at the bridge, I just wanted to say sorry to my family",
    "I just wanted someone to know before I go, I'm ready now",
    # no future
    "I won't be around much longer, I've made up my mind",
    "tonight is my last night, I've made peace with it",
    "just letting someone know, I won't wake up tomorrow",
    "I'm so tired, I just want to go to sleep and never wake up",
    "nobody is going to miss me when I'm gone",
    "there's no way out for me, everyone will be happier when I'm not here",
    "I don't see a way forward, I've written to everyone I care about",
    "I can't do this anymore, I've had enough of living",
    "I'm not going to be a burden to anyone after today",
    "there's no future for me, it's time I went",
    # final acts
    "I've sorted my will and given the dog to my neighbour, I won't need anything after today",
    "I've given all my things away, I won't be needing them",
    "I've had enough, I'm finishing it tonight",
    "I'm sat here with all my tablets lined up, I just need to do it",
    "I've left letters for my kids on the kitchen table, I'm going now",
    "I'm going to the railway line, nobody try and stop me",
    # someone else's farewell
    "my son sent a text saying he's sorry for everything and he loves us, his phone is off now",
    "my friend just posted 'see you on the other side' and isn't answering",
    "my dad rang to say goodbye and told me to look after mum, now he won't pick up",
    "my daughter's left a note on her bed saying sorry mum, I'm not coming back",
    "my wife left letters for the kids and drove off, she's been so low and won't answer",
    "my mate's been giving all his stuff away and just messaged 'thanks for everything bro'",
    # other Grade 1 situations without the obvious words
    "my husband's words are all slurred and one side of his face has dropped",
    "my little girl has gone all floppy and her lips look purple",
    "there's a man face down in the canal and he isn't moving",
    "the baby won't wake up properly and she's burning hot",
    "an old lady went into the river after her dog and I can't see her anymore",
    "he says my sister won't see the morning and he's got her in his car",
    "the water's up to the windows of a car in the ford and someone's inside",
    "there's a lad lying outside the kebab shop with his head split open",
]

EVERYDAY_NEAR_MISSES: list[str] = [
    # "can't go on", "had enough", "give up" about a queue, a neighbour, a process
    "I can't go on holding for 101 any longer, just put me through to someone",
    "I can't go on like this with the noise from next door every night",
    "I give up trying to get through on the phone",
    "there's no point reporting it, nobody ever comes",
    "I've had enough of the dog fouling on our street",
    "can't take any more of the parking on our road, who do I complain to",
    "I'm at my wits end with the kids next door kicking a ball at my car",
    "this is the last straw with that neighbour, I want to report them",
    # last time, last message, done, finished
    "this is the last time I'm using your website, it's useless",
    "last time you'll hear from me about this, I'm going to the ombudsman",
    "this is my last message on this, I'll ring 101 instead",
    "last message from me tonight, I'll send the photos tomorrow",
    "I'm done with this complaint, just close it",
    "I'm done with everything for today, I'll finish the report tomorrow",
    "I'm finished with this chat, it's not helping",
    # goodbyes and thanks
    "goodbye and thanks for your help",
    "so long and thanks for all the help with the stolen car",
    "see you on the other side of the weekend, thanks officer",
    "I'm leaving the force next week after 30 years, goodbye everyone and thank you",
    "said my goodbyes to the old house, we're moving to Leeds, how do I change my address",
    "goodbye forever to my old phone, it got nicked on the bus",
    "I said goodbye to my car this morning, it's been towed, where do I collect it",
    # away, not here, gone
    "I won't be here tomorrow so can the officer come on Thursday instead",
    "i'm not going to be around this weekend, can the officer call next week",
    "I'll be gone for two weeks from tonight, can you keep an eye on the house",
    "I'm leaving my job on Friday, do I need to tell the firearms team my new address",
    # letters, notes, wills, giving away, ending
    "I've written my letters of complaint to the council and my MP",
    "someone keeps taking the letters out of my post box",
    "my mum passed away last week, how do I get her belongings back from the police",
    "I'm sorting out my dad's will and found an old shotgun in the loft, what do I do",
    "I'm giving away my old bike, can I leave it outside with a free sign on it",
    "ending it with my boyfriend tonight, can I check if he has a history of violence",
    "it's over between me and my ex, how do I get my stuff back from his flat",
    "I'm ending my tenancy, do I need to give the police my new address for my case",
    "I've made my peace with losing the bike, I just need a crime number for the insurance",
    # tired, sleep, sorry
    "I'm so tired after that shift, thanks for sorting it",
    "sorry for all the messages, I'll leave you in peace now",
    "tell my husband I'll be late, sorry wrong chat",
    "my nan's funeral is tomorrow and someone has stolen the flowers from the grave",
    "thanks for everything you did for us last year, you were brilliant",
]

# Counts on the production model and rules: before issue 15 item 4's rules and examples
# (written after these lists) 16 of 40 caught (8 of the 32 suicidal, all 8 of the other
# Grade 1) and 4 of 40 near-misses raised to P1 ("can't go on" flagged anywhere, "goodbye
# forever" too); after them 35 of 40 (27 of 32, 8 of 8) and 3 of 40, all three from the
# model alone ("last time you'll hear from me about this" 0.84; "kids next door kicking a
# ball at my car" 0.52, which the rules had raised as violence before). The floors keep
# what was reached with a little room for retraining on new data; they are not a target
# the lists were tuned to.
MIN_CAUGHT = 33
MAX_FALSE_P1 = 4


def _p1(classifier: TriageClassifier, texts: list[str]) -> list[bool]:
    decisions = classifier.classify_texts(texts)
    return [d.priority is Priority.P1 for d in decisions]


def test_the_lists_are_distinct_and_held_out() -> None:
    assert len(INDIRECT_EMERGENCIES) >= 40
    assert len(EVERYDAY_NEAR_MISSES) >= 40
    assert len(set(INDIRECT_EMERGENCIES)) == len(INDIRECT_EMERGENCIES)
    assert len(set(EVERYDAY_NEAR_MISSES)) == len(EVERYDAY_NEAR_MISSES)
    trained_on = {e.text.lower() for e in load_training_data(DATA_DIR)}
    probes = [t.lower() for t in (*INDIRECT_EMERGENCIES, *EVERYDAY_NEAR_MISSES)]
    assert not [t for t in probes if t in trained_on]


def test_indirect_emergencies_are_caught(classifier: TriageClassifier) -> None:
    missed = [
        t
        for t, p1 in zip(INDIRECT_EMERGENCIES, _p1(classifier, INDIRECT_EMERGENCIES), strict=True)
        if not p1
    ]
    caught = len(INDIRECT_EMERGENCIES) - len(missed)
    print(f"\nindirect emergencies caught: {caught} of {len(INDIRECT_EMERGENCIES)}")
    print("\n".join(f"  missed: {t}" for t in missed))
    assert caught >= MIN_CAUGHT, missed


def test_everyday_near_misses_stay_below_p1(classifier: TriageClassifier) -> None:
    raised = [
        t
        for t, p1 in zip(EVERYDAY_NEAR_MISSES, _p1(classifier, EVERYDAY_NEAR_MISSES), strict=True)
        if p1
    ]
    print(f"\neveryday near-misses raised to P1: {len(raised)} of {len(EVERYDAY_NEAR_MISSES)}")
    print("\n".join(f"  raised: {t}" for t in raised))
    assert len(raised) <= MAX_FALSE_P1, raised
