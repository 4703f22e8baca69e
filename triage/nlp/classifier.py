"""`TriageClassifier`: one spaCy pass per message (rules and text classifier), then the
decision rules. Batches go through `nlp.pipe`, which is what makes the command line fast.

The emergency safety threshold comes from the model's meta (chosen on a dev split when it
was trained, see `triage.nlp.threshold`); `EMERGENCY_THRESHOLD` is only the fallback for a
pipeline without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from triage.decisions import Contact, Decision
from triage.nlp import pipeline as _pipeline  # noqa: F401  (registers the tokenizer)
from triage.nlp.decision_rules import (
    ANSWERING_FLOOR,
    EMERGENCY_THRESHOLD,
    MODEL_ALONE_FLOOR,
    decide,
)
from triage.nlp.rules import add_rule_components, doc_cues, doc_entities, doc_flags
from triage.nlp.threshold import ThresholdChoice
from triage.nlp.train import Log, Split, ensure_model, models_dir, read_pointer
from triage.nlp.training_data import DATA_DIR, SPLIT_SEED

BATCH_SIZE = 256


class ModelMissingError(RuntimeError):
    """No trained model where one was expected (run `python -m triage train`)."""


def load_pipeline(path: Path) -> Language:
    """A saved classifier pipeline with the rule components added from code."""
    return add_rule_components(spacy.load(path))


def saved_threshold(nlp: Language) -> float:
    """The threshold chosen for this model when it was trained, else the fallback."""
    info = nlp.meta.get("bluelamp")
    choice = ThresholdChoice.from_meta(info.get("threshold") if isinstance(info, dict) else None)
    return EMERGENCY_THRESHOLD if choice is None else choice.value


class TriageClassifier:
    """Category, priority, risk flags and identifiers for each contact."""

    def __init__(
        self, nlp: Language, threshold: float | None = None, batch_size: int = BATCH_SIZE
    ) -> None:
        self.nlp = add_rule_components(nlp)
        self.threshold = saved_threshold(nlp) if threshold is None else threshold
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: Path | None = None, threshold: float | None = None) -> TriageClassifier:
        """The model at `path`, or the one `models/triage/current` names."""
        path = path or read_pointer(models_dir())
        if path is None or not path.is_dir():
            raise ModelMissingError("no triage model yet: run `python -m triage train`")
        return cls(load_pipeline(path), threshold)

    @classmethod
    def load_or_train(
        cls,
        data_dir: Path = DATA_DIR,
        root: Path | None = None,
        split: Split = "all",
        force: bool = False,
        log: Log | None = None,
        threshold: float | None = None,
        seed: str = SPLIT_SEED,
    ) -> TriageClassifier:
        """The cached model for the current data, trained first when missing or stale."""
        trained = ensure_model(data_dir, root, split, force, log, seed)
        return cls(load_pipeline(trained.path), threshold)

    def decide_doc(
        self,
        doc: Doc,
        threshold: float | None = None,
        model_alone_floor: float = MODEL_ALONE_FLOOR,
    ) -> Decision:
        """The decision for a document this classifier's pipeline has processed."""
        limit = self.threshold if threshold is None else threshold
        return decide(
            doc.cats, doc_flags(doc), doc_cues(doc), doc_entities(doc), limit, model_alone_floor
        )

    def classify_texts(self, texts: Iterable[str]) -> list[Decision]:
        """Decisions for plain texts, in order."""
        return [self.decide_doc(d) for d in self.nlp.pipe(texts, batch_size=self.batch_size)]

    def classify_many(self, contacts: Sequence[Contact]) -> list[Decision]:
        """Decisions for many contacts in one batched pass, in order."""
        return self.classify_texts(c.text for c in contacts)

    def classify(self, contact: Contact) -> Decision:
        """The decision for one contact (a stricter model-alone floor for an answer to a
        report question, `decision_rules.ANSWERING_FLOOR`)."""
        floor = ANSWERING_FLOOR if contact.answering else MODEL_ALONE_FLOOR
        return self.decide_doc(self.nlp(contact.text), model_alone_floor=floor)
