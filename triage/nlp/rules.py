"""spaCy rule components: risk flags with their evidence, emergency cues, and identifiers.

- `bluelamp_entities`: spaCy's EntityRuler with `entity_patterns.ENTITY_PATTERNS`
  (postcodes, vehicle registrations, crime references) -> `doc.ents`.
- `bluelamp_risk_flags`: a PhraseMatcher (on NORM: the phrase lists, and one-typo
  variants of long key words) and a Matcher (token patterns) ->
  `doc.spans["risk_flags"]` (label = flag),
  `doc.spans["triage_cues"]` (label = cue) and, for review, `doc.spans["negated_flags"]`.
  `Doc._.risk_flags` gives them as `Flag`s. Suicidal intent in indirect words becomes a
  self-harm flag only outside a message about an ordinary departure, and the clause-final
  kind only where its clause ends (`_indirect_as_flags`).

Rule components are added from code when a model is loaded, never read back from disk,
so a rule change takes effect without retraining and a saved model cannot carry stale
patterns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from triage.decisions import Entity, Flag, RiskFlag
from triage.nlp.entity_patterns import ENTITY_PATTERNS
from triage.nlp.flag_patterns import (
    AGE_PATTERNS,
    AGE_SUFFIXES,
    CHILD_AGE_LIMIT,
    CLAUSE_END_WORDS,
    CUE_PATTERNS,
    FINAL_SELF_HARM_PATTERNS,
    FLAG_PATTERNS,
    INDIRECT_SELF_HARM_PATTERNS,
    NEGATION_BREAKERS,
    NEGATION_PATTERNS,
    NEGATION_REACH,
    SUPPRESSOR_PATTERNS,
)
from triage.nlp.flag_phrases import (
    CUE_PHRASES,
    FINAL_SELF_HARM_PHRASES,
    FIREARM_LICENSING_CONTEXT,
    FIREARM_WORDS,
    FLAG_PHRASES,
    FUZZY_WORDS,
    INDIRECT_SELF_HARM_PHRASES,
    ORDINARY_DEPARTURE_CONTEXT,
    SUPPRESSOR_PHRASES,
    Cue,
)
from triage.nlp.pipeline import blank_pipeline

FLAGS_COMPONENT = "bluelamp_risk_flags"
ENTITY_COMPONENT = "bluelamp_entities"
RISK_FLAGS_KEY = "risk_flags"
CUES_KEY = "triage_cues"
NEGATED_KEY = "negated_flags"

_FLAG = "flag"
_CUE = "cue"
_SUPPRESS = "suppress"
_NEGATION = "negation"
_AGE = "age"
_CONTEXT = "context"
_LICENSING = "firearms_licensing"
_DEPARTURE = "ordinary_departure"
# Indirect self-harm wording: counts anywhere, or only where its clause ends.
_INDIRECT = "indirect"
_ANYWHERE = "anywhere"
_FINAL = "final"
_LICENSED_FLAGS = frozenset({RiskFlag.WEAPON.value, RiskFlag.VIOLENCE.value})
_NUMBER_NAMES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip
_NUMBER_WORDS = {word: number for number, word in enumerate(_NUMBER_NAMES)}
_VOWELS = "aeiou"


def typo_variants(word: str) -> set[str]:
    """Common one-slip misspellings of a long word: a letter dropped, doubled or undoubled,
    two neighbours swapped, or a vowel written as another vowel ("unconcious", "dimentia").

    spaCy's FUZZY1 Matcher operator finds the same and more, but it runs a Python edit
    distance on every token (measured at 0.1 ms per message, a fifth of the time budget);
    these variants go into the PhraseMatcher, whose lookups cost nothing per pattern.
    """
    variants: set[str] = set()
    for i, char in enumerate(word):
        variants.add(word[:i] + word[i + 1 :])
        variants.add(word[:i] + char + word[i:])
        if i + 1 < len(word):
            variants.add(word[:i] + word[i + 1] + char + word[i + 2 :])
        if char in _VOWELS:
            variants.update(word[:i] + v + word[i + 1 :] for v in _VOWELS)
    variants.discard(word)
    return {v for v in variants if len(v) >= 6}


def _age(span: Span) -> int | None:
    """The age a matched age phrase states ("7 year old", "7yo", "she's only 6")."""
    for token in span:
        text = token.lower_
        if text in _NUMBER_WORDS:
            return _NUMBER_WORDS[text]
        digits = text.rstrip("/abcdefghijklmnopqrstuvwxyz")
        suffix = text[len(digits) :]
        if digits.isdigit() and (not suffix or suffix in AGE_SUFFIXES):
            return int(digits)
    return None


def _key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


class RiskFlagTagger:
    """Finds risk flags and cues, drops those negated ("no one was hurt") or suppressed
    ("fire station"), and keeps the longest evidence per flag."""

    def __init__(self, nlp: Language) -> None:
        self.vocab = nlp.vocab
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.matcher = Matcher(nlp.vocab, validate=True)
        make = nlp.make_doc
        for flag, phrases in FLAG_PHRASES.items():
            self.phrases.add(_key(_FLAG, flag.value), [make(p) for p in phrases])
        for cue, phrases in CUE_PHRASES.items():
            self.phrases.add(_key(_CUE, cue.value), [make(p) for p in phrases])
        for target, phrases in SUPPRESSOR_PHRASES.items():
            self.phrases.add(_key(_SUPPRESS, target.value), [make(p) for p in phrases])
        self.phrases.add(_key(_CONTEXT, _LICENSING), [make(p) for p in FIREARM_LICENSING_CONTEXT])
        self.phrases.add(_key(_CONTEXT, _DEPARTURE), [make(p) for p in ORDINARY_DEPARTURE_CONTEXT])
        self.phrases.add(_key(_INDIRECT, _ANYWHERE), [make(p) for p in INDIRECT_SELF_HARM_PHRASES])
        self.phrases.add(_key(_INDIRECT, _FINAL), [make(p) for p in FINAL_SELF_HARM_PHRASES])
        self.matcher.add(_key(_INDIRECT, _ANYWHERE), INDIRECT_SELF_HARM_PATTERNS)
        self.matcher.add(_key(_INDIRECT, _FINAL), FINAL_SELF_HARM_PATTERNS)
        for flag, patterns in FLAG_PATTERNS.items():
            self.matcher.add(_key(_FLAG, flag.value), patterns)
        for flag, words in FUZZY_WORDS.items():
            typos = sorted({v for w in words for v in typo_variants(w)})
            self.phrases.add(_key(_FLAG, flag.value), [make(v) for v in typos])
        self.matcher.add(_AGE, AGE_PATTERNS)
        for cue, patterns in CUE_PATTERNS.items():
            self.matcher.add(_key(_CUE, cue.value), patterns)
        for flags, patterns in SUPPRESSOR_PATTERNS.items():
            self.matcher.add(_key(_SUPPRESS, "+".join(f.value for f in flags)), patterns)
        for kind, patterns in NEGATION_PATTERNS.items():
            self.matcher.add(_key(_NEGATION, kind), patterns)

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[str, str, int, int]] = []
        strings = self.vocab.strings
        for match_id, start, end in [*self.phrases(doc), *self.matcher(doc)]:
            kind, _, name = strings[match_id].partition(":")
            if kind == _AGE:
                age = _age(doc[start:end])
                if age is None or age >= CHILD_AGE_LIMIT:
                    continue
                kind, name = _FLAG, RiskFlag.VULNERABLE.value
            found.append((kind, name, start, end))
        suppressors = [(set(n.split("+")), s, e) for k, n, s, e in found if k == _SUPPRESS]
        licensing = any(k == _CONTEXT and n == _LICENSING for k, n, _, _ in found)
        found = _indirect_as_flags(doc, found)
        negations = [(n, s, e) for k, n, s, e in found if k == _NEGATION]
        kept: dict[str, list[Span]] = defaultdict(list)
        negated: list[Span] = []
        for kind, name, start, end in found:
            if kind not in (_FLAG, _CUE):
                continue
            if any(name in names and s < end and start < e for names, s, e in suppressors):
                continue
            if (
                licensing
                and name in _LICENSED_FLAGS
                and doc[start:end].text.lower() in FIREARM_WORDS
            ):
                continue
            span = Span(doc, start, end, label=name)
            if _is_negated(doc, start, negations):
                negated.append(span)
            else:
                kept[kind].append(span)
        doc.spans[RISK_FLAGS_KEY] = _longest_per_label(kept[_FLAG])
        doc.spans[CUES_KEY] = _longest_per_label(kept[_CUE])
        doc.spans[NEGATED_KEY] = negated
        return doc


def _indirect_as_flags(
    doc: Doc, found: list[tuple[str, str, int, int]]
) -> list[tuple[str, str, int, int]]:
    """Indirect self-harm wording as self-harm flags: none in a message about an ordinary
    departure, and the clause-final kind only where its clause ends."""
    if not any(kind == _INDIRECT for kind, _, _, _ in found):
        return found
    departure = any(k == _CONTEXT and n == _DEPARTURE for k, n, _, _ in found)
    kept: list[tuple[str, str, int, int]] = []
    for kind, name, start, end in found:
        if kind != _INDIRECT:
            kept.append((kind, name, start, end))
        elif not departure and (name == _ANYWHERE or _ends_clause(doc, end)):
            kept.append((_FLAG, RiskFlag.SELF_HARM.value, start, end))
    return kept


def _ends_clause(doc: Doc, end: int) -> bool:
    """True at the end of the message, before punctuation other than "?" (an emoji counts
    as punctuation), or before a word that starts a new clause or signs off ("and", "x";
    not the "and" of "on and on", "over and over")."""
    if end >= len(doc):
        return True
    token = doc[end]
    if token.lower_ in CLAUSE_END_WORDS:
        repeated = end + 1 < len(doc) and doc[end + 1].lower_ == doc[end - 1].lower_
        return not repeated
    if token.text.startswith("?"):
        return False
    return token.is_punct or not any(c.isalnum() for c in token.text)


def _is_negated(doc: Doc, start: int, negations: Iterable[tuple[str, int, int]]) -> bool:
    """True when a negation cue ends shortly before `start` in the same clause."""
    for kind, cue_start, cue_end in negations:
        if cue_start >= start or cue_end > start:
            continue  # after the flag, or part of its own words ("not breathing")
        gap = doc[cue_end:start]
        if len(gap) > NEGATION_REACH[kind]:
            continue
        if any(t.is_punct or t.lower_ in NEGATION_BREAKERS for t in gap):
            continue
        return True
    return False


def _longest_per_label(spans: list[Span]) -> list[Span]:
    """Per label, the longest non-overlapping spans ("right now" over "now"), in text order."""
    by_label: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        by_label[span.label_].append(span)
    chosen = [s for group in by_label.values() for s in filter_spans(group)]
    return sorted(chosen, key=lambda s: (s.start, s.end, s.label_))


@Language.factory(FLAGS_COMPONENT)
def make_risk_flag_tagger(nlp: Language, name: str) -> RiskFlagTagger:
    """spaCy factory for `RiskFlagTagger` (patterns come from code, nothing to configure)."""
    return RiskFlagTagger(nlp)


def doc_flags(doc: Doc) -> tuple[Flag, ...]:
    """The raised flags in text order, one per flag and wording (case ignored)."""
    seen: set[tuple[str, str]] = set()
    flags: list[Flag] = []
    for span in doc.spans.get(RISK_FLAGS_KEY, []):
        key = (span.label_, span.text.lower())
        if key not in seen:
            seen.add(key)
            flags.append(Flag(RiskFlag(span.label_), span.text))
    return tuple(flags)


def doc_cues(doc: Doc) -> tuple[tuple[Cue, str], ...]:
    """The emergency cues found (intruder, crime happening) with their words."""
    return tuple((Cue(s.label_), s.text) for s in doc.spans.get(CUES_KEY, []))


def doc_entities(doc: Doc) -> tuple[Entity, ...]:
    """Postcodes, registrations and crime references with character offsets."""
    return tuple(Entity(e.label_, e.text, e.start_char, e.end_char) for e in doc.ents)


def register_extensions() -> None:
    """`Doc._.risk_flags`, `Doc._.triage_cues`, `Doc._.triage_entities` (idempotent)."""
    for name, getter in (
        ("risk_flags", doc_flags),
        ("triage_cues", doc_cues),
        ("triage_entities", doc_entities),
    ):
        if not Doc.has_extension(name):
            Doc.set_extension(name, getter=getter)


def add_rule_components(nlp: Language) -> Language:
    """Add the entity ruler and the risk-flag tagger (first, so a text classifier can follow)."""
    register_extensions()
    if ENTITY_COMPONENT not in nlp.pipe_names:
        ruler = nlp.add_pipe(
            "entity_ruler", name=ENTITY_COMPONENT, first=True, config={"validate": True}
        )
        ruler.add_patterns(ENTITY_PATTERNS)  # type: ignore[attr-defined]
    if FLAGS_COMPONENT not in nlp.pipe_names:
        nlp.add_pipe(FLAGS_COMPONENT, after=ENTITY_COMPONENT)
    return nlp


def rule_pipeline() -> Language:
    """A blank pipeline with only the rule components (no trained model needed)."""
    return add_rule_components(blank_pipeline())
