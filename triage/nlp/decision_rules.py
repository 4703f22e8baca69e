"""From the classifier's probabilities and the rules' flags to a category and priority.

Safety bias: a missed emergency is far worse than a false alarm. The category is
emergency when the model says so; when P(emergency) reaches the safety threshold although
another category is likelier and the rules saw some risk in the message (each model has
its own threshold, chosen on dev: `triage.nlp.threshold`); or when the rules see danger
happening now. The one thing that lowers the model's emergency is the model's own doubt
with nothing in the message to back it (`MODEL_ALONE_FLOOR`): that message still goes to a
person, at P2. Every raise and that one lowering are written into `Decision.reasons`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from triage.decisions import Category, Decision, Entity, Flag, Priority, RiskFlag
from triage.nlp.flag_phrases import Cue

# Only a fallback, for a pipeline saved without a threshold of its own. Every trained model
# carries the threshold chosen for it on a dev split it did not learn from, by the written
# procedure in `triage.nlp.threshold` (`TriageClassifier` reads it from the model's meta).
# The old value 0.30 was picked on the split the figures were reported on; it stays only as
# this fallback.
EMERGENCY_THRESHOLD = 0.30

# Danger that is an emergency when it is happening now.
RAISE_WITH_IN_PROGRESS: frozenset[RiskFlag] = frozenset(
    {
        RiskFlag.VIOLENCE,
        RiskFlag.WEAPON,
        RiskFlag.INJURY,
        RiskFlag.FIRE,
        RiskFlag.THREAT_TO_LIFE,
        RiskFlag.DOMESTIC_ABUSE,
        RiskFlag.SELF_HARM,
        RiskFlag.ROAD_DANGER,
    }
)
CUES_WITH_IN_PROGRESS: frozenset[Cue] = frozenset({Cue.INTRUDER, Cue.CRIME_ACTIVE})
# Danger that is an emergency on its own: a life at risk, a person missing, someone in
# the home, someone hiding from a person now.
RAISE_ALONE: frozenset[RiskFlag] = frozenset({RiskFlag.SELF_HARM, RiskFlag.THREAT_TO_LIFE})
CUES_ALONE: frozenset[Cue] = frozenset({Cue.INTRUDER, Cue.SERIOUS_HARM, Cue.MISSING, Cue.HIDING})
# ...except a threat said laughing ("gonna kill my brother if he eats my pud 😂", "hiding
# from my boss lol"): the model and the in-progress rule still apply, self-harm is never
# discounted.
DISCOUNTED_BY_JOKE: frozenset[RiskFlag | Cue] = frozenset({RiskFlag.THREAT_TO_LIFE, Cue.HIDING})
# Pairs that are an emergency together unless something says it is over: a weapon used
# ("machete fight outside the youth centre"), a collision with someone hurt.
RAISE_TOGETHER: tuple[tuple[RiskFlag, RiskFlag], ...] = (
    (RiskFlag.WEAPON, RiskFlag.VIOLENCE),
    (RiskFlag.ROAD_DANGER, RiskFlag.INJURY),
)
# Cues that are no evidence of risk (for the safety threshold's corroboration).
NOT_RISK: frozenset[Cue] = frozenset({Cue.JOKE, Cue.OVER})
# Immediacy is not a risk by itself ("is the station open right now?"): on its own it
# does not make a non-emergency urgent.
NOT_URGENT_ALONE: frozenset[RiskFlag] = frozenset({RiskFlag.IN_PROGRESS})
# The model alone makes an emergency only when it is more sure of it than of everything
# else together. Below that, with no risk word at all ("my wifi isn't working", "outside
# my flat on Victoria Road", "he's been arrested" scored 0.46-0.57 in a four-way choice),
# the message goes to its runner-up category at P2, so a person still looks at it soon,
# instead of the 999 guidance and a P1 alert. A fixed point, not a tuned one: on the five
# seeds' dev parts it cut the false alarms by a third (88 -> 59 of ~2,170) and cost 3
# of ~970 emergencies, each of which the rules now see ("a gang jumping one lad",
# "someone's set my car alight").
MODEL_ALONE_FLOOR = 0.5
# The same floor for a message that answers a report form's question ("a man in his
# twenties with a black Audi" to "who did it?"): the model learned from opening messages,
# and descriptions of people, places and evidence score 0.5-0.85 as emergencies there.
# Only near-certainty makes an emergency of the model alone; a risk word still raises it
# by the rules, and below the floor the message still goes to a person at P2.
ANSWERING_FLOOR = 0.9


def _quote(flag: str, words: str) -> str:
    return f"{flag.replace('_', ' ')} ('{words}')"


def rule_raise(flags: Sequence[Flag], cues: Sequence[tuple[Cue, str]]) -> str | None:
    """Why the rules make this an emergency, or None when they do not."""
    first: dict[str, str] = {}
    for f in flags:
        first.setdefault(f.flag.value, f.evidence)
    for cue, words in cues:
        first.setdefault(cue.value, words)
    joking = Cue.JOKE.value in first
    alone = [
        n
        for n in (*RAISE_ALONE, *CUES_ALONE)
        if n.value in first and not (joking and n in DISCOUNTED_BY_JOKE)
    ]
    if alone:
        named = ", ".join(_quote(n.value, first[n.value]) for n in sorted(alone))
        return f"emergency: {named}"
    if RiskFlag.IN_PROGRESS.value in first:
        partners = [n for n in (*RAISE_WITH_IN_PROGRESS, *CUES_WITH_IN_PROGRESS) if n in first]
        if partners:
            named = ", ".join(_quote(n, first[n]) for n in sorted(partners))
            now = first[RiskFlag.IN_PROGRESS.value]
            return f"emergency: happening now ('{now}') with {named}"
    if Cue.OVER.value not in first and not joking:
        for one, other in RAISE_TOGETHER:
            if one.value in first and other.value in first:
                return (
                    f"emergency: {_quote(one.value, first[one.value])} with "
                    f"{_quote(other.value, first[other.value])} and nothing says it is over"
                )
    return None


def risk_seen(flags: Sequence[Flag], cues: Sequence[tuple[Cue, str]]) -> str | None:
    """The first risk words the rules found (any flag; any cue but laughter and words that
    say it is over), or None.

    The safety threshold only raises a message in which the rules saw something: the
    model's doubt alone ("fire away", "we got murdered 5-0") is no reason to alert anyone,
    and doubt plus a risk word or an immediacy cue is. Measured by 4-fold cross-validation
    on the primary seed's train and dev parts (test untouched): about half a point more
    emergency recall than the bare threshold at the same false-emergency rate.
    """
    for f in flags:
        return _quote(f.flag.value, f.evidence)
    for cue, words in cues:
        if cue not in NOT_RISK:
            return _quote(cue.value, words)
    return None


def decide(
    scores: Mapping[str, float],
    flags: Sequence[Flag] = (),
    cues: Sequence[tuple[Cue, str]] = (),
    entities: Sequence[Entity] = (),
    threshold: float = EMERGENCY_THRESHOLD,
    model_alone_floor: float = MODEL_ALONE_FLOOR,
) -> Decision:
    """The decision for one message from the category probabilities and the rules' output."""
    probabilities = {c.value: float(scores.get(c.value, 0.0)) for c in Category}
    model_choice = Category(max(probabilities, key=lambda c: probabilities[c]))
    p_emergency = probabilities[Category.EMERGENCY.value]
    category = model_choice
    reasons: list[str] = []
    seen = risk_seen(flags, cues)
    doubtful = model_choice is Category.EMERGENCY and p_emergency < model_alone_floor and not seen
    if doubtful:
        model_choice = Category(
            max(
                (c for c in probabilities if c != Category.EMERGENCY.value),
                key=lambda c: probabilities[c],
            )
        )
        category = model_choice
        reasons.append(
            f"P2: possible emergency for a person to check: the model's first choice was "
            f"emergency at only {p_emergency:.2f} and the rules saw no risk"
        )
    if model_choice is not Category.EMERGENCY:
        if p_emergency >= threshold and seen:
            category = Category.EMERGENCY
            reasons.append(
                f"emergency: P(emergency) {p_emergency:.2f} is at or above the safety "
                f"threshold {threshold:.2f} (model's first choice {model_choice.value} "
                f"{probabilities[model_choice.value]:.2f}) and the rules saw {seen}"
            )
        raised = rule_raise(flags, cues)
        if raised:
            category = Category.EMERGENCY
            reasons.append(raised)
    if category is Category.EMERGENCY:
        priority = Priority.P1
        confidence = p_emergency
    else:
        confidence = probabilities[category.value]
        urgent = [f for f in flags if f.flag not in NOT_URGENT_ALONE]
        if doubtful:
            priority = Priority.P2
        elif urgent:
            priority = Priority.P2
            named = ", ".join(_quote(f.flag.value, f.evidence) for f in urgent)
            reasons.append(f"P2: risk on a non-emergency: {named}")
        elif category is Category.OTHER:
            priority = Priority.P4
        else:
            priority = Priority.P3
    return Decision(
        category=category,
        priority=priority,
        confidence=confidence,
        flags=tuple(flags),
        entities=tuple(entities),
        scores=probabilities,
        reasons=tuple(reasons),
    )
