"""Rules for suicidal intent in indirect words (issue 15, item 4): farewells, "no future"
and "final act" wording raise the self-harm flag (an emergency on its own), everyday
wording next to them does not. None of these sentences is in the probe lists of
`test_nlp_indirect_risk.py`."""

from __future__ import annotations

import pytest
from spacy.language import Language

from triage.decisions import Category, Flag, RiskFlag
from triage.nlp.decision_rules import decide, rule_raise
from triage.nlp.rules import doc_cues, doc_flags


def self_harm(nlp: Language, text: str) -> list[str]:
    return [f.evidence for f in doc_flags(nlp(text)) if f.flag is RiskFlag.SELF_HARM]


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        # farewells
        ("tell my kids i love them", "tell my kids i love them"),
        ("please tell my little girl that I love her x", "tell my little girl that I love her"),
        ("tell mum and dad im sorry for everything", "tell mum and dad im sorry for everything"),
        ("goodbye everyone", "goodbye everyone"),
        ("Goodbye cruel world", "Goodbye cruel world"),
        ("I've said my goodbyes.", "said my goodbyes"),
        ("said goodbye to my boys and im sat in the car now", "said goodbye to my boys"),
        ("so this is goodbye x", "this is goodbye"),
        ("this is my final message x", "this is my final message"),
        # last contact
        ("this is the last time you'll hear from me", "last time you'll hear from me"),
        ("you wont hear from me again", "wont hear from me again"),
        (
            "this is the last message you'll ever get from me.",
            "last message you'll ever get from me",
        ),
        ("you'll never see me again", "never see me again"),
        # no future
        ("I won't be here tomorrow", "I won't be here tomorrow"),
        ("i wont be around by the morning", "i wont be around by the morning"),
        ("im not gonna be here much longer", "im not gonna be here much longer"),
        ("I won't be alive by the weekend", "I won't be alive"),
        ("I'll be gone by morning", "I'll be gone by morning"),
        ("nobody will miss me", "nobody will miss me"),
        ("no one's going to miss me anyway", "no one's going to miss me"),
        (
            "nobody will have to worry about me after tonight",
            "nobody will have to worry about me",
        ),
        ("they'd all be happier without me", "happier without me"),
        ("everyone would be better off.", "everyone would be better off"),
        ("I won't be a burden to anyone soon", "won't be a burden to anyone"),
        ("there's nothing left to live for", "nothing left to live for"),
        ("im sick of being alive", "sick of being alive"),
        ("I hope I don't wake up", "hope i don't wake up"),
        ("it's my last night on earth", "last night on earth"),
        ("I can't go on", "can't go on"),
        ("cant go on anymore.", "cant go on anymore"),
        ("I can't carry on any longer and nobody listens", "can't carry on any longer"),
        ("I'm done with everything", "I'm done with everything"),
        ("im done with life x", "im done with life"),
        ("ending it tonight", "ending it tonight"),
        # final acts
        ("I've written my letters", "written my letters"),
        ("wrote a goodbye letter to my wife", "wrote a goodbye letter"),
        ("left a note for my husband on the table and walked out", "left a note for my husband"),
        ("she's written letters to each of us", "written letters to each of us"),
        ("I've left goodbye notes", "left goodbye notes"),
        ("I gave away all my things this week", "gave away all my things"),
        ("I won't need them where I'm going", "won't need them where I'm going"),
        # someone else's farewell
        ("my brother texted me to say goodbye", "texted me to say goodbye"),
        ("she sent a message saying goodbye to all of us", "sent a message saying goodbye"),
        ("he's been giving his stuff away all week", "giving his stuff"),
    ],
)
def test_indirect_suicidal_intent_raises_self_harm(
    rules_nlp: Language, text: str, evidence: str
) -> None:
    found = self_harm(rules_nlp, text)
    assert evidence.lower() in [e.lower() for e in found], found


@pytest.mark.parametrize(
    "text",
    [
        # "can't go on", "done", "had enough" about a process or a neighbour
        "I can't go on waiting for an officer to ring me back",
        "we can't go on like this with the noise from next door",
        "I can't carry on paying for repairs every time they smash the window",
        "can't go on?",
        "I can't go on and on about it, just send someone to look at the car",
        "I'm done with this complaint",
        "I'm done with everything you asked for, what happens now?",
        "I'm done with everything on the form, do I press send?",
        "I've had enough of the parking on our street",
        # leaving a job, a holiday, moving house, a changed appointment
        "it's my last day at work tomorrow, can the officer ring on Monday",
        "leaving the force after 25 years, goodbye everyone",
        "off on holiday, I won't be here tomorrow so please keep an eye on the house",
        "I won't be here tomorrow, can we rearrange the appointment",
        "I'll be gone for a week from Saturday",
        "I'll be gone by the time the locksmith comes, can you ring my wife instead",
        "I said goodbye to my colleagues and someone took my bag from the office",
        "moving to Spain next month, said goodbye to everyone at the leaving do",
        # last contact about the case, the website, the chat
        "this is the last time you'll hear from me about this fine",
        "you won't hear from me again until I get the photos",
        "this is my last message on this chat, I'll phone instead",
        "did you get my last message?",
        "last time you'll see me at the front desk, I'm sending it by post",
        "you won't see me again?",
        # letters, notes, things given away, ending a relationship or a tenancy
        "I've written my letters of complaint",
        "someone keeps stealing the letters from my post box",
        "I left a note on the car I scraped",
        "I left a note for the postman about the parcel",
        "mum left a note for us saying she'd gone to the shops",
        "I'm giving away my old bike",
        "I gave him my things to look after while I moved",
        "I'm ending it with my boyfriend, can I ask about his history under Clare's law",
        "we ended our tenancy last week",
        # goodbyes and thanks at the end of a chat
        "goodbye and thanks",
        "bye all, thanks for your help",
        "tell my husband I'll be late, sorry wrong chat",
        "tell the officer I'm sorry I missed his call",
        "nobody will miss the old phone box",
        "I don't want to be a burden but can someone check on my mum",
        "I don't want to say goodbye to my kids",
    ],
)
def test_everyday_wording_near_them_does_not(rules_nlp: Language, text: str) -> None:
    assert self_harm(rules_nlp, text) == []


def test_an_indirect_farewell_alone_is_an_emergency(rules_nlp: Language) -> None:
    doc = rules_nlp("tell my kids I love them, goodbye everyone")
    assert rule_raise(doc_flags(doc), doc_cues(doc)) is not None
    scores = {"emergency": 0.1, "crime_report": 0.1, "enquiry": 0.1, "other": 0.7}
    decision = decide(scores, doc_flags(doc), doc_cues(doc))
    assert decision.category is Category.EMERGENCY
    assert any(isinstance(f, Flag) and f.flag is RiskFlag.SELF_HARM for f in decision.flags)


def test_an_ordinary_departure_leaves_the_named_words_alone(rules_nlp: Language) -> None:
    # the context cancels only the indirect wording: "kill myself" on holiday still flags
    text = "I'm on holiday and I want to kill myself, this is goodbye"
    assert self_harm(rules_nlp, text) == ["kill myself"]
