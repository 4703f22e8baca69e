"""The triage vocabulary shared by the classifier, the router, the queues and the audit log.

Plain dataclasses so the gateway, the action server and the command line can pass
decisions around without knowing how they were made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """The four contact categories, the same as `nlu_data/categories.yml`."""

    EMERGENCY = "emergency"
    CRIME_REPORT = "crime_report"
    ENQUIRY = "enquiry"
    OTHER = "other"


class Priority(StrEnum):
    """P1 immediate, P2 urgent, P3 standard, P4 no action needed (sorts most urgent first)."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """1 for P1 ... 4 for P4; lower is more urgent."""
        return int(self.value[1])


class RiskFlag(StrEnum):
    """THRIVE-style risk flags; each is raised with the words that raised it."""

    WEAPON = "weapon"
    VIOLENCE = "violence"
    INJURY = "injury"
    THREAT_TO_LIFE = "threat_to_life"
    IN_PROGRESS = "in_progress"
    VULNERABLE = "vulnerable"
    DOMESTIC_ABUSE = "domestic_abuse"
    SELF_HARM = "self_harm"
    HATE = "hate"
    FIRE = "fire"
    ROAD_DANGER = "road_danger"


class Channel(StrEnum):
    WEBCHAT = "webchat"
    X = "x"


@dataclass(frozen=True)
class Flag:
    """A raised risk flag and the exact words of the message that raised it."""

    flag: RiskFlag
    evidence: str

    def as_dict(self) -> dict[str, str]:
        return {"flag": self.flag.value, "evidence": self.evidence}


@dataclass(frozen=True)
class Entity:
    """A span the rules recognised (postcode, vehicle registration, crime reference)."""

    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Contact:
    """One inbound message as triage sees it."""

    id: str
    text: str
    channel: Channel = Channel.WEBCHAT
    conversation_id: str | None = None
    public: bool = False
    """True for a public post (an X mention): replies must never repeat personal details."""
    answering: str | None = None
    """The report question (form slot) this message answers, when the gateway knows the
    assistant's last words asked one: "who did it?" answered with a description of people
    is not an emergency on the model's word alone."""


@dataclass(frozen=True)
class Decision:
    """What triage concluded about one contact, with the reasons an operator can read."""

    category: Category
    priority: Priority
    confidence: float
    flags: tuple[Flag, ...] = ()
    entities: tuple[Entity, ...] = ()
    scores: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    """Why the category or priority was raised above the model's own answer."""

    @property
    def flag_names(self) -> tuple[str, ...]:
        return tuple(sorted({f.flag.value for f in self.flags}))

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category.value,
            "priority": self.priority.value,
            "flags": [f.as_dict() for f in self.flags],
            "confidence": round(self.confidence, 4),
        }
