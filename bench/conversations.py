"""Simulated people (issue 15, item 5, "Measure conversations"): dozens of made-up members of
the public talk to the running stack over the gateway's REST channel, each the way people
really talk to a report line (../shared/docs/domain.md, "How people actually talk to a report
line"), and the table says how the assistant treated them.

Each person is data, in `bench/people.yml`: a goal (a report of one crime family, an enquiry,
tracking a case, cancelling), a fact sheet keyed by the report slots, an opening message (with
the facts it already gives) and behaviours: answer a question with something else, correct an
answer mid-form or at the summary, ask a side question at turn N, change their mind. A small
policy (`Person`) decides every reply: it recognises which fact the bot asks for by matching
the bot's text against the form questions in `bot/domain/questions.yml` (loaded, never copied
here), answers from the fact sheet, presses the button whose title or payload is the answer,
says yes at the summary and keeps the reference it is given. When the bot asks nothing it
recognises, the person does what people do: clicks the option that fits (a "did you mean" or
"which report" list), says they are safe after 999 guidance they did not need, asks to carry on
or to change an answer, rephrases (before a report starts: what happened, then plainly what
they want); they give up after three such nudges, after a question they cannot get past
(each wording of the answer, the last twice, then "not known" if offered), or at 40 turns.

Counted per person:
- completed: a report with a reference (or receipt code), or the enquiry's proof text (e.g.
  "Report Fraud" for fraud, "council" for noise), or the case status for tracking, or the
  cancellation; plus every side question answered and every correction shown in the summary;
- turns against the fewest possible (`fewest_turns`);
- facts asked again: the bot asked for a slot whose fact the person had already stated in an
  earlier message (a question repeated straight after its answer is counted apart, as an
  answer refused);
- wrong in summary: a free-text answer in the last summary less than half of whose words
  come from what the person said for it (a side question stored as the place); shown, not
  a target;
- report lost: a form question was asked but no reference or receipt code was given and the
  person did not cancel or change their mind (`Outcome.lost`; a later "held as a draft"
  check can plug in through `Outcome.draft_held`);
- fallbacks: bot texts that are the fallback / "rephrase" answers of `bot/domain/*.yml` and
  `actions/messages.py`, and the longest run of consecutive fallback turns;
- got 999 guidance: people (none of them in danger) who were sent the emergency guidance.

Targets (`--check` exits 1 when one is missed): completion >= 95%, no report lost, facts asked
again <= 5% of the facts the reporters had, median turns <= 1.3 x fewest, and no conversation
with more than two fallbacks in a row.

The stack (engine, action server, gateway, outbox worker) is started here, isolated on free
ports with `scripts/stack.py`, unless `--url` names a running gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import string
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actions import messages  # noqa: E402
from actions.report_spec import FORM_FOR_CRIME_TYPE, required_slots_for  # noqa: E402
from triage.cases.references import is_valid_receipt_code, is_valid_reference  # noqa: E402
from triage.guidance import CALL_999_NOW  # noqa: E402
from triage.understanding.report_fields import REPORT_ANSWER_SLOTS  # noqa: E402

DOMAIN_DIR = ROOT / "bot" / "domain"
QUESTIONS_YML = DOMAIN_DIR / "questions.yml"
PEOPLE_YML = Path(__file__).resolve().parent / "people.yml"
RASA_MODEL = ROOT / "models" / "current.tar.gz"

REFERENCE = re.compile(r"\bBL-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
RECEIPT = re.compile(r"\bRC-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
PLACEHOLDER = "XXXX-XXXX"
MAX_TURNS = 40
MAX_NUDGES = 3
REPLY_TIMEOUT = 120.0

TARGET_COMPLETION = 0.95
TARGET_ASKED_AGAIN = 0.05
TARGET_TURNS_RATIO = 1.3
TARGET_FALLBACK_RUN = 2

FACT_SLOTS: tuple[str, ...] = REPORT_ANSWER_SLOTS
CASE_SLOTS: tuple[str, ...] = ("case_reference", "verify_detail", "case_update_text")
TRACK_SLOTS: tuple[str, ...] = ("case_reference", "verify_detail")
GOALS = ("report", "enquiry", "track", "cancel")
REPORT_FAMILIES = tuple(FORM_FOR_CRIME_TYPE)
FAMILIES = (*REPORT_FAMILIES, "fraud")
FALLBACK_RESPONSES = ("utter_ask_rephrase", "utter_default")
FALLBACK_MESSAGES = ("ASK_AFFIRMATION", "FALLBACK", "NOT_UNDERSTOOD", "ASK_REPHRASE_OR_PERSON")
"""Names in actions/messages.py of the texts said when the bot did not understand (the ones
that exist: the dialogue is being reworded; `PASSING_TO_PERSON` follows them, not counted)."""
YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "ok", "okay", "sure", "yes please"})
NO_WORDS = frozenset({"no", "n", "nope", "no thanks"})
DEFAULT_CARRY_ON = "ok thanks. can we carry on with my report?"
DEFAULT_UNKNOWN = "I don't know"
NOT_KNOWN = "not known"
PLAIN_REQUEST: dict[str, str] = {
    "theft": "I want to report a theft",
    "burglary": "I want to report a burglary",
    "vehicle_crime": "I want to report a vehicle crime",
    "criminal_damage": "I want to report criminal damage",
    "assault": "I want to report an assault",
    "harassment": "I want to report harassment",
    "hate_crime": "I want to report a hate crime",
    "asb": "I want to report anti-social behaviour",
    "drugs": "I want to report drug dealing",
    "road_offence": "I want to report dangerous driving",
    "fraud": "I want to report a fraud",
}
"""What a person says when their own words were not understood, before a report starts."""
STOP = "stop"
NOT_AN_EMERGENCY = "I'm safe, nobody is in danger, it's not happening now"
CHANGE_AN_ANSWER = "I need to change one of my answers"


def normalise(text: str) -> str:
    """Lower case, single spaces, curly quotes straightened: how texts are compared here."""
    return " ".join(text.replace("\u2019", "'").casefold().split())


def _words(text: str) -> str:
    """Only letters, digits and spaces, for comparing an answer with a button title."""
    kept = "".join(c if c.isalnum() else " " for c in normalise(text))
    return " ".join(kept.split())


# ---------- what the bot says -----------------------------------------------------------------
def _template_pattern(text: str) -> re.Pattern[str]:
    """A response text as a pattern: `{slot}` templates match anything, spacing is loose."""
    parts = re.split(r"\{[a-z_]+\}", normalise(text))
    return re.compile(".+?".join(re.escape(part) for part in parts))


def _domain_slots(domain_dir: Path) -> set[str]:
    slots: set[str] = set()
    for path in sorted(domain_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        slots.update((data.get("slots") or {}).keys())
    return slots | set(FACT_SLOTS) | set(CASE_SLOTS)


def response_texts(domain_dir: Path, names: Iterable[str]) -> list[str]:
    wanted = set(names)
    texts: list[str] = []
    for path in sorted(domain_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        for name, variants in (data.get("responses") or {}).items():
            if name in wanted:
                texts += [str(v["text"]) for v in variants if isinstance(v, dict) and "text" in v]
    return texts


@dataclass(frozen=True)
class Question:
    slot: str
    response: str
    pattern: re.Pattern[str]


class BotTexts:
    """The bot's words the policy must recognise, read from the domain and the actions' texts,
    so a rewording by the dialogue engineers does not silently break the people."""

    def __init__(self, domain_dir: Path = DOMAIN_DIR) -> None:
        slots = _domain_slots(domain_dir)
        data = yaml.safe_load((domain_dir / "questions.yml").read_text()) or {}
        questions: list[Question] = []
        for name, variants in (data.get("responses") or {}).items():
            if not name.startswith("utter_ask_"):
                continue
            rest = name.removeprefix("utter_ask_")
            # utter_ask_<slot> or utter_ask_<form>_<slot>: the longest slot name that ends it
            slot = max(
                (s for s in slots if rest == s or rest.endswith("_" + s)), key=len, default=None
            )
            if slot is None:
                continue
            for variant in variants:
                if isinstance(variant, dict) and variant.get("text"):
                    questions.append(Question(slot, name, _template_pattern(str(variant["text"]))))
        # longest texts first, so a form-specific wording wins over a shorter generic one
        self.questions = sorted(questions, key=lambda q: -len(q.pattern.pattern))
        said_by_actions = [getattr(messages, name, None) for name in FALLBACK_MESSAGES]
        self.fallbacks = [
            normalise(t)
            for t in (
                *response_texts(domain_dir, FALLBACK_RESPONSES),
                *(t for t in said_by_actions if isinstance(t, str)),
            )
        ]
        self.summary = _template_pattern(messages.SUMMARY_INTRO)
        self.summary_question = normalise(messages.SUMMARY_QUESTION)
        self.cancelled = [
            normalise(t)
            for t in (messages.CANCELLED, *response_texts(domain_dir, ["utter_report_stopped"]))
        ]
        self.confirm_stop = [
            normalise(t) for t in response_texts(domain_dir, ["utter_ask_confirm_stop"])
        ]
        self.emergency = normalise(CALL_999_NOW)

    def question(self, text: str) -> str | None:
        """The slot a bot message asks for, or None when it asks for no fact."""
        said = normalise(text)
        for question in self.questions:
            if question.pattern.search(said):
                return question.slot
        return None

    def is_fallback(self, text: str) -> bool:
        said = normalise(text)
        return any(said.startswith(f[:60]) or f in said for f in self.fallbacks)

    def is_summary(self, text: str) -> bool:
        said = normalise(text)
        return bool(self.summary.search(said)) or self.summary_question in said

    def is_cancelled(self, text: str) -> bool:
        said = normalise(text)
        return any(c[:40] in said for c in self.cancelled)

    def is_confirm_stop(self, text: str) -> bool:
        said = normalise(text)
        return any(c[:40] in said for c in self.confirm_stop)

    def is_emergency(self, text: str) -> bool:
        return normalise(text) == self.emergency


# ---------- people ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Said:
    """Something the person writes, and the facts (slots) it states."""

    text: str
    gives: tuple[str, ...] = ()


@dataclass(frozen=True)
class WhenAsked:
    """The first time the bot asks for `slot`, write `say` instead of the plain answer: the
    wrong answer (`gives` lacks `slot`) or several facts at once (`gives` has more)."""

    slot: str
    say: Said


@dataclass(frozen=True)
class Correction:
    """Correct `slot` to `value` with `say`: at the summary (`at == "summary"`) or mid-form,
    straight after the answer to `after` was given. `expect` must then show in the summary."""

    slot: str
    say: str
    value: str
    expect: str
    at: str = "summary"
    after: str | None = None


@dataclass(frozen=True)
class SideQuestion:
    """At the person's turn `at_turn` (a form question pending), ask `say`; `expect` proves
    the answer; then carry on with the report."""

    at_turn: int
    say: str
    expect: str


@dataclass(frozen=True)
class ChangeOfMind:
    """At turn `at_turn`, write `say` and pursue `goal` instead (cancel, or an enquiry)."""

    at_turn: int
    say: str
    goal: str
    expect: str
    intent: str | None = None


@dataclass(frozen=True)
class Persona:
    id: str
    kind: str
    goal: str
    family: str | None
    opening: Said
    facts: Mapping[str, tuple[str, ...]]
    when_asked: tuple[WhenAsked, ...] = ()
    corrections: tuple[Correction, ...] = ()
    side_questions: tuple[SideQuestion, ...] = ()
    change_of_mind: ChangeOfMind | None = None
    expect: str | None = None
    intent: str | None = None
    reference_from: str | None = None
    rephrase: tuple[str, ...] = ()
    carry_on: str = DEFAULT_CARRY_ON
    note: str = ""

    @property
    def reporter(self) -> bool:
        return self.goal == "report"

    def target_payload(self) -> str | None:
        """The button this person would press in "did you mean" or "which report" lists."""
        if self.change_of_mind is not None and self.change_of_mind.intent:
            return f"/{self.change_of_mind.intent}"
        if self.intent:
            return f"/{self.intent}"
        if self.goal == "report" and self.family:
            return f"/report_{self.family}"
        if self.goal == "track":
            return "/track_case"
        return None


def _said(raw: Any) -> Said:
    if isinstance(raw, str):
        return Said(raw)
    return Said(str(raw["text"]), tuple(raw.get("gives") or ()))


def _fact_values(raw: Any) -> tuple[str, ...]:
    values = raw if isinstance(raw, list) else [raw]
    return tuple(str(v) for v in values)


def parse_persona(raw: Mapping[str, Any], sheets: Mapping[str, Mapping[str, Any]]) -> Persona:
    """One person from `people.yml`; `sheet:` names a shared fact sheet that `facts:` extends."""
    facts: dict[str, tuple[str, ...]] = {}
    sheet = raw.get("sheet")
    if sheet is not None:
        facts.update({k: _fact_values(v) for k, v in sheets[sheet].items()})
    facts.update({k: _fact_values(v) for k, v in (raw.get("facts") or {}).items()})
    unknown = set(facts) - set(FACT_SLOTS) - set(CASE_SLOTS)
    if unknown:
        raise ValueError(f"{raw['id']}: unknown facts {sorted(unknown)}")
    behaviours = raw.get("behaviours") or []
    when_asked: list[WhenAsked] = []
    corrections: list[Correction] = []
    sides: list[SideQuestion] = []
    change: ChangeOfMind | None = None
    for item in behaviours:
        ((name, spec),) = item.items()
        if name in ("wrong_answer", "several_facts"):
            when_asked.append(WhenAsked(spec["when_asked"], _said(spec["say"])))
        elif name == "correct":
            corrections.append(
                Correction(
                    slot=spec["slot"],
                    say=spec["say"],
                    value=spec["value"],
                    expect=spec["expect"],
                    at="summary" if spec.get("after") is None else "form",
                    after=spec.get("after"),
                )
            )
        elif name == "side_question":
            sides.append(SideQuestion(int(spec["at_turn"]), spec["say"], spec["expect"]))
        elif name == "change_mind":
            change = ChangeOfMind(
                int(spec["at_turn"]), spec["say"], spec["goal"], spec["expect"], spec.get("intent")
            )
        else:
            raise ValueError(f"{raw['id']}: unknown behaviour {name}")
    goal = raw.get("goal", "report")
    if goal not in GOALS:
        raise ValueError(f"{raw['id']}: unknown goal {goal}")
    family = raw.get("family")
    if family is not None and family not in FAMILIES:
        raise ValueError(f"{raw['id']}: unknown family {family}")
    return Persona(
        id=str(raw["id"]),
        kind=str(raw["kind"]),
        goal=goal,
        family=family,
        opening=_said(raw["opening"]),
        facts=facts,
        when_asked=tuple(when_asked),
        corrections=tuple(corrections),
        side_questions=tuple(sides),
        change_of_mind=change,
        expect=raw.get("expect"),
        intent=raw.get("intent"),
        reference_from=raw.get("reference_from"),
        rephrase=tuple(raw.get("rephrase") or ()),
        carry_on=str(raw.get("carry_on", DEFAULT_CARRY_ON)),
        note=str(raw.get("note", "")),
    )


def load_people(path: Path = PEOPLE_YML) -> list[Persona]:
    data = yaml.safe_load(path.read_text())
    sheets = data.get("sheets") or {}
    people = [parse_persona(raw, sheets) for raw in data["people"]]
    ids = Counter(p.id for p in people)
    doubled = [i for i, n in ids.items() if n > 1]
    if doubled:
        raise ValueError(f"persons listed twice: {doubled}")
    return people


def required_facts(persona: Persona) -> list[str]:
    """The slots the person's report form needs (the bot's own spec, so the two agree)."""
    if persona.goal == "track":
        return list(TRACK_SLOTS)
    if persona.goal != "report" or persona.family not in FORM_FOR_CRIME_TYPE:
        return []
    form = FORM_FOR_CRIME_TYPE[persona.family]
    name = persona.facts.get("reporter_name", ("",))[0]
    return required_slots_for(form, {"crime_type": persona.family, "reporter_name": name})


def fewest_turns(persona: Persona) -> int:
    """The fewest messages this person could possibly need with a perfect listener.

    fewest = 1 (the opening)
           + 1 per fact the form needs that no earlier message of theirs gives
             (the opening's facts are free; each `when_asked` message costs one turn and
             gives its facts, so three facts in one breath cost one turn, and a wrong answer
             costs a turn but gives the fact it does contain)
           + 1 for the "yes" at the summary (reports only)
           + 1 per side question and 1 per correction (the person chose to write those).
    Tracking needs the reference and the verifying detail, no summary. An enquiry needs only
    the opening. A change of mind at turn N: the N - 1 messages before it, the message
    itself, and 1 more for "yes, stop" when the new goal is to cancel.
    """
    if persona.change_of_mind is not None:
        change = persona.change_of_mind
        return change.at_turn + (1 if change.goal == "cancel" else 0)
    turns = 1 + len(persona.side_questions) + len(persona.corrections)
    needed = required_facts(persona)
    covered = set(persona.opening.gives)
    for asked in persona.when_asked:
        if asked.slot in needed and asked.slot not in covered:
            turns += 1
            covered |= set(asked.say.gives)
    turns += len([slot for slot in needed if slot not in covered])
    if persona.goal == "report":
        turns += 1
    return turns


SUMMARY_CHECKED = (
    "incident_where",
    "property_details",
    "injuries",
    "hate_motivation",
    "suspect_description",
    "evidence",
    "reporter_name",
)
"""Free-text answers the summary shows as given (times, money and contacts are normalised)."""
_SMALL = (
    "a an and the on in at of my to was it i with from for is about outside near by his her "
    "their they he she me we our there this that"
)
SMALL_WORDS = frozenset(_SMALL.split())
LABEL_SLOTS: dict[str, str] = {
    normalise(label): slot
    for slot, label in (
        *messages.SLOT_LABELS.items(),
        *((slot, label) for (_form, slot), label in messages.FORM_SLOT_LABELS.items()),
    )
}


def _content_words(text: str) -> set[str]:
    return {w for w in _words(text).split() if w not in SMALL_WORDS}


def wrong_in_summary(
    summary: str, facts: Mapping[str, Sequence[str]], story: Sequence[str] = ()
) -> list[str]:
    """The checked answers in a summary ("- Label: value" lines) of which fewer than half the
    words come from any way the person put that fact, or from their `story` (the opening,
    from which the bot may take a fact in the person's own words): the bot stored something
    else (a side question as the place, a suspect as the injuries)."""
    wrong = []
    for line in summary.splitlines():
        label, sep, value = line.removeprefix("- ").partition(":")
        slot = LABEL_SLOTS.get(normalise(label)) if sep and line.startswith("- ") else None
        if slot not in SUMMARY_CHECKED or slot not in facts:
            continue
        said = [*facts[slot], *story]
        if any(_words(value) == _words(v) for v in said):
            continue
        words = _content_words(value)
        if words and not any(len(words & _content_words(v)) * 2 >= len(words) for v in said):
            wrong.append(slot)
    return wrong


def real_code(code: str, valid: Callable[[str], bool]) -> bool:
    """A reference or receipt code the bot issued, not the example in its question."""
    return valid(code) and PLACEHOLDER not in code


# ---------- the policy --------------------------------------------------------------------------
@dataclass
class Outcome:
    """What happened to one person."""

    id: str
    kind: str
    goal: str
    family: str | None
    sender: str
    completed: bool = False
    why: str = ""
    turns: int = 0
    fewest: int = 0
    facts: int = 0
    asked_again: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    """Questions asked again straight after the person answered them (answer refused)."""
    report_started: bool = False
    reference: str | None = None
    receipt: str | None = None
    cancelled: bool = False
    """The bot said the report was stopped (whether or not the person asked for that)."""
    abandoned: bool = False
    """The person changed their mind: dropping the report was their choice."""
    draft_held: bool | None = None
    """Hook: set by a later check that the bot kept an unfinished report as a draft."""
    fallbacks: int = 0
    max_fallback_run: int = 0
    emergency_guidance: int = 0
    unrecognised: int = 0
    side_answered: list[bool] = field(default_factory=list)
    corrections_shown: list[bool] = field(default_factory=list)
    wrong_in_summary: list[str] = field(default_factory=list)
    """Answers the last summary shows that share no word with what the person said."""
    transcript: list[str] = field(default_factory=list)

    @property
    def lost(self) -> bool:
        """A reporter's report was started but neither sent nor held, and the person did not
        choose to drop it (a stop the bot made up on its own still loses the report)."""
        if self.goal != "report" or not self.report_started or self.reference or self.receipt:
            return False
        return not self.abandoned and not self.draft_held

    @property
    def ratio(self) -> float:
        return self.turns / self.fewest if self.fewest else 0.0


Reply = Mapping[str, Any]


class Person:
    """The policy: reads what the bot said and decides what this person writes next."""

    def __init__(
        self, persona: Persona, texts: BotTexts, sender: str, fill: Mapping[str, str] | None = None
    ) -> None:
        self.p = persona
        self.texts = texts
        self.fill = dict(fill or {})
        self.goal = persona.goal
        self.expect = self._fill(persona.expect) if persona.expect else None
        self.facts = {k: tuple(self._fill(v) for v in vs) for k, vs in persona.facts.items()}
        self.out = Outcome(
            persona.id,
            persona.kind,
            persona.goal,
            persona.family,
            sender,
            fewest=fewest_turns(persona),
            facts=len(required_facts(persona)) if persona.goal in ("report", "track") else 0,
        )
        self.given: set[str] = set()
        self.answered: set[str] = set()
        self.correcting: set[str] = set()
        self.asks: Counter[str] = Counter()
        self.when_asked_used: set[str] = set()
        self.corrections_done: list[Correction] = []
        self.corrections_left = list(persona.corrections)
        self.sides_left = list(persona.side_questions)
        self.side_pending: SideQuestion | None = None
        self.changed = False
        self.said_stop = False
        self.asked_to_change = False
        self.story: list[WhenAsked] = []
        self.order = required_facts(persona)
        self.rephrases = list(persona.rephrase)
        self.nudges = 0
        self.fallback_run = 0
        self.last_summary = ""
        self.last_answered: str | None = None
        if not self.rephrases and persona.goal == "report":
            # not understood before the report starts: they tell what happened, then say
            # plainly what they want
            story = self.facts.get("incident_description", ("",))[0]
            if story and normalise(story) != normalise(persona.opening.text):
                self.rephrases.append(story)
            self.rephrases.append(
                PLAIN_REQUEST.get(persona.family or "", "I want to report a crime")
            )

    def _fill(self, text: str) -> str:
        for key, value in self.fill.items():
            text = text.replace("{" + key + "}", value)
        return text

    # --- the person speaks ----------------------------------------------------------------
    def say(self, said: Said | str) -> str:
        said = said if isinstance(said, Said) else Said(said)
        text = self._fill(said.text)
        self.given |= set(said.gives)
        self.last_answered = None
        self.out.turns += 1
        self.out.transcript.append(f"> {text}")
        return text

    def opening(self) -> str:
        return self.say(self.p.opening)

    # --- the bot answers ------------------------------------------------------------------
    def observe(self, replies: Sequence[Reply]) -> None:
        """Count what the bot did with the last message."""
        texts = [str(r.get("text") or "") for r in replies]
        for r in replies:
            buttons = " | ".join(
                f"{b.get('title')}={b.get('payload')}" for b in r.get("buttons") or []
            )
            self.out.transcript.append(
                f"< {r.get('text') or ''}" + (f"  [{buttons}]" if buttons else "")
            )
        fallback = any(self.texts.is_fallback(t) for t in texts)
        self.out.fallbacks += sum(self.texts.is_fallback(t) for t in texts)
        self.fallback_run = self.fallback_run + 1 if fallback else 0
        self.out.max_fallback_run = max(self.out.max_fallback_run, self.fallback_run)
        self.out.emergency_guidance += sum(self.texts.is_emergency(t) for t in texts)
        joined = "\n".join(texts)
        if self.side_pending is not None:
            self.out.side_answered.append(normalise(self.side_pending.expect) in normalise(joined))
            self.side_pending = None
        if any(self.texts.question(t) in FACT_SLOTS for t in texts):
            self.out.report_started = True
        if any(self.texts.is_cancelled(t) for t in texts):
            self.out.cancelled = True
        for summary in (t for t in texts if self.texts.summary.search(normalise(t))):
            self.last_summary = summary
            for correction in self.corrections_done:
                self.correcting.discard(correction.slot)
        if self.goal == "report":
            # the placeholder in the tracking question ("BL-XXXX-XXXX") even passes the check
            refs = [r for r in REFERENCE.findall(joined) if real_code(r, is_valid_reference)]
            receipts = [r for r in RECEIPT.findall(joined) if real_code(r, is_valid_receipt_code)]
            if refs:
                self.out.reference = refs[0]
            if receipts:
                self.out.receipt = receipts[0]

    def goal_met(self, replies: Sequence[Reply]) -> bool:
        joined = normalise("\n".join(str(r.get("text") or "") for r in replies))
        if self.goal == "report":
            return bool(self.out.reference or self.out.receipt)
        if self.goal == "cancel":
            return self.out.cancelled or (
                self.expect is not None and normalise(self.expect) in joined
            )
        return self.expect is not None and normalise(self.expect) in joined

    def next(self, replies: Sequence[Reply]) -> str | None:
        """What the person writes next, or None when they are done (or give up)."""
        if self.goal_met(replies):
            return None
        texts = [str(r.get("text") or "") for r in replies]
        buttons = [b for r in replies for b in (r.get("buttons") or [])]
        slot = next((s for s in (self.texts.question(t) for t in reversed(texts)) if s), None)
        summary = any(self.texts.is_summary(t) for t in texts)
        turn = self.out.turns + 1

        change = self.p.change_of_mind
        if change is not None and not self.changed and turn >= change.at_turn:
            self.changed = True
            self.goal = change.goal
            self.expect = change.expect
            self.out.abandoned = True
            return self.say(change.say)
        if self.goal == "cancel":
            if any(self.texts.is_confirm_stop(t) for t in texts) or summary:
                pressed = self._press(buttons, ("/affirm",) if not summary else ("/stop",))
                if pressed:
                    return pressed
            if not self.said_stop:
                self.said_stop = True
                return self.say(STOP)
            return self._stuck(texts, buttons)

        in_form = slot is not None and slot in FACT_SLOTS
        if in_form and self.sides_left and turn >= self.sides_left[0].at_turn:
            side = self.sides_left.pop(0)
            self.side_pending = side
            return self.say(side.say)
        if (in_form or summary) and self.corrections_left:
            due = self.corrections_left[0]
            form_due = due.at == "form" and slot != due.slot and self._past(due.after, slot)
            if form_due or (due.at == "summary" and summary):
                return self._correct(self.corrections_left.pop(0))

        if summary:
            self._check_corrections()
            said = {
                slot: [*values, *(w.say.text for w in self.story if slot in w.say.gives)]
                for slot, values in self.facts.items()
            }
            opening = [self._fill(self.p.opening.text)]
            self.out.wrong_in_summary = wrong_in_summary(self.last_summary, said, opening)
            return self._press(buttons, ("/affirm",), "Yes") or self.say("yes")
        if slot is not None:
            return self._answer(slot, texts, buttons)
        return self._stuck(texts, buttons)

    def _past(self, after: str | None, slot: str | None) -> bool:
        """Whether the form is past `after`: answered, or a later question is being asked
        (the bot may have filled `after` from an earlier message and never asked it)."""
        if after is None or after in self.answered or after in self.given:
            return True
        if slot in self.order and after in self.order:
            return self.order.index(slot) > self.order.index(after)
        return False

    def _correct(self, correction: Correction) -> str:
        self.corrections_done.append(correction)
        self.correcting.add(correction.slot)
        self.facts[correction.slot] = (correction.value,)
        self.asks[correction.slot] = 0
        return self.say(Said(correction.say, (correction.slot,)))

    def _check_corrections(self) -> None:
        shown = normalise(self.last_summary)
        self.out.corrections_shown = [normalise(c.expect) in shown for c in self.corrections_done]

    def _answer(
        self, slot: str, texts: Sequence[str], buttons: Sequence[Mapping[str, Any]]
    ) -> str | None:
        """Answer the question for `slot` from the fact sheet (or the `when_asked` message)."""
        if slot == self.last_answered:
            if slot not in self.out.rejected:
                self.out.rejected.append(slot)
        elif (
            slot in self.given and slot not in self.correcting and slot not in self.out.asked_again
        ):
            self.out.asked_again.append(slot)
        self.asks[slot] += 1
        special = next(
            (w for w in self.p.when_asked if w.slot == slot and slot not in self.when_asked_used),
            None,
        )
        if special is not None:
            self.when_asked_used.add(slot)
            if slot in special.say.gives:
                self.answered.add(slot)
            text = self.say(special.say)
            self.story.append(special)
            self.last_answered = slot if slot in special.say.gives else None
            return text
        values = self.facts.get(slot) or (DEFAULT_UNKNOWN,)
        n = self.asks[slot]
        if n <= len(values) + 1:  # each wording once, the last one twice
            value = values[min(n, len(values)) - 1]
        elif n == len(values) + 2 and self._offers_not_known(texts, buttons):
            value = NOT_KNOWN
        else:
            return None  # the person gives up on a question they cannot get past
        self.answered.add(slot)
        pressed = self._button_for(value, buttons)
        text = self.say(Said(pressed if pressed is not None else value, (slot,)))
        self.last_answered = slot
        return text

    @staticmethod
    def _offers_not_known(texts: Sequence[str], buttons: Sequence[Mapping[str, Any]]) -> bool:
        said = normalise(" ".join(texts))
        titles = " ".join(_words(str(b.get("title", ""))) for b in buttons)
        return NOT_KNOWN in said or "don t know" in titles or NOT_KNOWN in titles

    @staticmethod
    def _button_for(value: str, buttons: Sequence[Mapping[str, Any]]) -> str | None:
        """The payload of the button a person would click to give `value`, if any."""
        wanted = _words(value)
        for b in buttons:
            title, payload = _words(str(b.get("title", ""))), str(b.get("payload", ""))
            if wanted and (wanted == title or wanted == _words(payload)):
                return payload
            if wanted in YES_WORDS and payload == "/affirm":
                return payload
            if wanted in NO_WORDS and payload == "/deny":
                return payload
        return None

    def _press(
        self, buttons: Sequence[Mapping[str, Any]], payloads: Sequence[str], title: str = ""
    ) -> str | None:
        for b in buttons:
            payload = str(b.get("payload", ""))
            if payload in payloads or (title and str(b.get("title", "")).startswith(title)):
                return self.say(payload)
        return None

    def _stuck(self, texts: Sequence[str], buttons: Sequence[Mapping[str, Any]]) -> str | None:
        """No question the person recognises: click the option that fits, rephrase, nudge."""
        self.out.unrecognised += 1
        for b in buttons:
            payload = str(b.get("payload", ""))
            if payload.startswith("/correct_field{") and any(
                f'"{slot}"' in payload for slot in self.correcting
            ):
                return self.say(payload)
        target = self.p.target_payload()
        if target is not None:
            for b in buttons:
                if str(b.get("payload", "")) == target:
                    return self.say(target)
        if self.nudges >= MAX_NUDGES:
            return None
        self.nudges += 1
        if any(self.texts.is_emergency(t) for t in texts):
            # the 999 guidance for something that is not an emergency: say so, as the bot
            # asks ("an interrupted report is resumed when the person says they are safe")
            return self.say(NOT_AN_EMERGENCY)
        if self.out.report_started and self.goal == "report":
            if self.correcting and not self.asked_to_change:
                self.asked_to_change = True
                return self.say(CHANGE_AN_ANSWER)
            return self.say(self.p.carry_on)
        if self.rephrases:
            return self.say(self.rephrases.pop(0))
        return None

    # --- the verdict ----------------------------------------------------------------------
    def finish(self, goal_met: bool) -> Outcome:
        out = self.out
        reasons = []
        if not goal_met:
            reasons.append(f"goal '{self.goal}' not reached")
        if not all(out.side_answered) or len(out.side_answered) < len(self.p.side_questions):
            reasons.append("side question not answered")
        if len(out.corrections_shown) < len(self.p.corrections) or not all(out.corrections_shown):
            reasons.append("correction not in the summary")
        out.completed = not reasons
        if out.asked_again:
            reasons.append("asked again: " + ", ".join(out.asked_again))
        if out.rejected:
            reasons.append("answer refused: " + ", ".join(out.rejected))
        if out.wrong_in_summary:
            reasons.append("summary shows something else for: " + ", ".join(out.wrong_in_summary))
        if out.lost:
            reasons.append("report lost")
        if not goal_met:
            last = next((line for line in reversed(out.transcript) if line.startswith("<")), "<")
            reasons.append(f"bot last said: {last[1:].strip()[:90]!r}")
        out.why = "; ".join(reasons)
        return out


# ---------- talking to the stack ----------------------------------------------------------------
class Channel(Protocol):
    async def send(self, sender: str, text: str) -> list[dict[str, Any]]: ...


class RestChannel:
    """The gateway's REST endpoint, in Rasa's format."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self._session = session
        self._url = url.rstrip("/") + "/webhooks/rest/webhook"

    async def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        async with self._session.post(
            self._url, json={"sender": sender, "message": text}
        ) as response:
            response.raise_for_status()
            body = await response.json()
        return [dict(item) for item in body if isinstance(item, dict)]


def new_sender(rng: random.Random) -> str:
    return "sim-" + "".join(rng.choices(string.ascii_lowercase + string.digits, k=16))


async def converse(
    persona: Persona,
    channel: Channel,
    texts: BotTexts,
    sender: str,
    fill: Mapping[str, str] | None = None,
    max_turns: int = MAX_TURNS,
) -> Outcome:
    """One person, from the opening message until their goal is met, they give up or the turn
    bound is reached."""
    person = Person(persona, texts, sender, fill)
    message: str | None = person.opening()
    replies: list[dict[str, Any]] = []
    met = False
    while message is not None:
        replies = await channel.send(sender, message)
        person.observe(replies)
        met = person.goal_met(replies)
        if met or person.out.turns >= max_turns:
            break
        message = person.next(replies)
    return person.finish(met)


def reference_fill(
    persona: Persona, outcomes: Mapping[str, Outcome], people: Mapping[str, Persona]
) -> dict[str, str] | None:
    """`{reference}` and `{contact}` for a tracking person: the report of `reference_from`,
    else of any reporter who got one in this run (recorded in the transcript)."""
    order = [persona.reference_from] if persona.reference_from else []
    order += [o.id for o in outcomes.values() if o.reference and o.id not in order]
    for source in order:
        done = outcomes.get(source or "")
        if done is not None and done.reference:
            contact = people[done.id].facts.get("reporter_contact", ("",))[0]
            return {"reference": done.reference, "contact": contact, "source": done.id}
    return None


async def run_people(
    url: str,
    people: Sequence[Persona],
    *,
    concurrency: int = 4,
    seed: int | None = None,
    max_turns: int = MAX_TURNS,
    texts: BotTexts | None = None,
) -> list[Outcome]:
    """Everyone through the gateway at `url`: reporters and enquirers first, then the people
    tracking a case, who need the references the first ones were given."""
    texts = texts or BotTexts()
    rng = random.Random(seed if seed is not None else uuid.uuid4().int)
    by_id = {p.id: p for p in people}
    outcomes: dict[str, Outcome] = {}
    limit = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        channel = RestChannel(session, url)

        async def one(persona: Persona) -> None:
            sender = new_sender(rng)
            fill: dict[str, str] | None = None
            if "{reference}" in json.dumps(asdict(persona)):
                fill = reference_fill(persona, outcomes, by_id)
                if fill is None:
                    out = Outcome(persona.id, persona.kind, persona.goal, persona.family, sender)
                    out.fewest = fewest_turns(persona)
                    out.why = "no reference to track: no report in this run got one"
                    outcomes[persona.id] = out
                    return
            async with limit:
                out = await converse(persona, channel, texts, sender, fill, max_turns)
            if fill is not None:
                out.transcript.insert(0, f"# tracking the report of {fill['source']}")
            outcomes[persona.id] = out

        first = [p for p in people if "{reference}" not in json.dumps(asdict(p))]
        later = [p for p in people if p not in first]
        await asyncio.gather(*(one(p) for p in first))
        await asyncio.gather(*(one(p) for p in later))
    return [outcomes[p.id] for p in people]


# ---------- figures ------------------------------------------------------------------------------
@dataclass
class Figures:
    people: int
    completed: int
    completion: float
    median_ratio: float
    facts: int
    asked_again: int
    asked_again_share: float
    rejected: int
    lost: int
    max_fallback_run: int
    fallbacks: int
    emergency_guidance: int
    wrong_in_summary: int

    def targets(self) -> dict[str, bool]:
        return {
            "completion >= 95%": self.completion >= TARGET_COMPLETION,
            "reports lost == 0": self.lost == 0,
            "facts asked again <= 5%": self.asked_again_share <= TARGET_ASKED_AGAIN,
            "median turns <= 1.3 x fewest": self.median_ratio <= TARGET_TURNS_RATIO,
            "fallbacks in a row <= 2": self.max_fallback_run <= TARGET_FALLBACK_RUN,
        }


def figures(outcomes: Sequence[Outcome]) -> Figures:
    n = len(outcomes)
    facts = sum(o.facts for o in outcomes)
    again = sum(len(o.asked_again) for o in outcomes)
    ratios = [o.ratio for o in outcomes if o.fewest]
    return Figures(
        people=n,
        completed=sum(o.completed for o in outcomes),
        completion=sum(o.completed for o in outcomes) / n if n else 0.0,
        median_ratio=statistics.median(ratios) if ratios else 0.0,
        facts=facts,
        asked_again=again,
        asked_again_share=again / facts if facts else 0.0,
        rejected=sum(len(o.rejected) for o in outcomes),
        lost=sum(o.lost for o in outcomes),
        max_fallback_run=max((o.max_fallback_run for o in outcomes), default=0),
        fallbacks=sum(o.fallbacks for o in outcomes),
        emergency_guidance=sum(o.emergency_guidance > 0 for o in outcomes),
        wrong_in_summary=sum(len(o.wrong_in_summary) for o in outcomes),
    )


def _row(name: str, f: Figures) -> str:
    return (
        f"| {name} | {f.people} | {f.completed} ({f.completion:.0%}) | {f.median_ratio:.2f} | "
        f"{f.asked_again}/{f.facts} ({f.asked_again_share:.0%}) | {f.rejected} | "
        f"{f.wrong_in_summary} | {f.lost} | {f.fallbacks} | {f.max_fallback_run} | "
        f"{f.emergency_guidance} |"
    )


HEADER = (
    "| {what} | people | completed | median turns / fewest | facts asked again | answers refused "
    "| wrong in summary | reports lost | fallbacks | max fallbacks in a row | got 999 guidance |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def report(outcomes: Sequence[Outcome]) -> str:
    """Per kind of person, then totals with the targets, then who failed and why."""
    kinds = sorted({o.kind for o in outcomes})
    lines = [HEADER.format(what="kind")]
    lines += [_row(k, figures([o for o in outcomes if o.kind == k])) for k in kinds]
    goals = sorted({o.family or o.goal for o in outcomes})
    lines += ["", HEADER.format(what="family / goal")]
    lines += [_row(g, figures([o for o in outcomes if (o.family or o.goal) == g])) for g in goals]
    total = figures(outcomes)
    lines += ["", HEADER.format(what="all"), _row("all", total), ""]
    lines += ["| target | met |", "|---|---|"]
    lines += [f"| {name} | {'yes' if ok else 'NO'} |" for name, ok in total.targets().items()]
    failing = [o for o in outcomes if o.why]
    if failing:
        lines += ["", "| person | kind | turns / fewest | what went wrong |", "|---|---|---|---|"]
        lines += [f"| {o.id} | {o.kind} | {o.turns} / {o.fewest} | {o.why} |" for o in failing]
    return "\n".join(lines)


def as_json(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    total = figures(outcomes)
    return {
        "totals": asdict(total),
        "targets_met": total.targets(),
        "people": [{**asdict(o), "lost": o.lost, "ratio": o.ratio} for o in outcomes],
    }


# ---------- the stack -----------------------------------------------------------------------------
def run_with_stack(args: argparse.Namespace, people: Sequence[Persona]) -> list[Outcome]:
    def go(url: str) -> list[Outcome]:
        return asyncio.run(
            run_people(
                url, people, concurrency=args.concurrency, seed=args.seed, max_turns=args.max_turns
            )
        )

    if args.url:
        return go(args.url)
    if not RASA_MODEL.exists():
        raise SystemExit("no models/current.tar.gz: run `make train` (or pass --url)")
    from scripts.stack import Stack

    with tempfile.TemporaryDirectory(prefix="bluelamp-conversations-") as tmp:
        stack = Stack.isolated(Path(tmp))
        print("starting engine, action server and gateway…", file=sys.stderr, flush=True)
        with stack.running(args.start_timeout):
            return go(f"http://127.0.0.1:{stack.gateway_port}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running gateway, e.g. http://127.0.0.1:8080")
    parser.add_argument("--people", type=Path, default=PEOPLE_YML)
    parser.add_argument("--only", help="comma-separated person ids")
    parser.add_argument("--kind", help="comma-separated kinds of person")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=MAX_TURNS)
    parser.add_argument("--seed", type=int, help="for the sender ids (default: random)")
    parser.add_argument("--start-timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="also write figures and transcripts here")
    parser.add_argument("--transcripts", action="store_true", help="print failing transcripts")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    people = load_people(args.people)
    if args.only:
        wanted = set(args.only.split(","))
        people = [p for p in people if p.id in wanted]
    if args.kind:
        kinds = set(args.kind.split(","))
        people = [p for p in people if p.kind in kinds]
    if not people:
        parser.error("no person selected")

    outcomes = run_with_stack(args, people)
    print(report(outcomes))
    if args.transcripts:
        for o in outcomes:
            if o.why:
                print(f"\n## {o.id} ({o.kind}): {o.why}\n" + "\n".join(o.transcript))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(outcomes), indent=2, ensure_ascii=False))
    if args.check and not all(figures(outcomes).targets().values()):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
