"""What the router may decide: plain dataclasses the gateway, X intake and audit log act on.

A plan is a tuple of actions in the order they should be carried out; the most urgent
(the 999 reply) always comes first so nothing in front of it can delay it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from triage.decisions import Channel, Priority

MAX_FALLBACKS = 2
"""After this many fallbacks in a row the bot is not coping: queue the conversation."""


class QueueReason(StrEnum):
    """Why a conversation is waiting for a member of staff (most serious first)."""

    EMERGENCY = "emergency"
    URGENT_RISK = "urgent_risk"
    HUMAN_REQUESTED = "human_requested"
    ENGINE_UNAVAILABLE = "engine_unavailable"
    REPEATED_FALLBACK = "repeated_fallback"


class AnswerKind(StrEnum):
    """Which fixed answer to send; channels may render their own wording for a kind."""

    PUBLIC_POINTER = "public_pointer"
    INVITE_DM = "invite_dm"
    ENGINE_UNAVAILABLE = "engine_unavailable"


class RecordReason(StrEnum):
    NO_ACTION_NEEDED = "no_action_needed"


@dataclass(frozen=True)
class RouteContext:
    """What the router needs to know about the conversation, beyond the message itself."""

    channel: Channel = Channel.WEBCHAT
    public: bool = False
    """A public post (an X mention): replies are public and never repeat personal details."""
    with_operator: bool = False
    """A member of staff has the conversation: messages go to them, the bot stays paused."""
    human_requested: bool = False
    engine_available: bool = True
    fallback_count: int = 0
    """Fallbacks in a row in this conversation, including the one just seen if any."""


@dataclass(frozen=True)
class RouteAction:
    """Base of every action; ``name`` is what the audit log stores."""

    name: ClassVar[str] = "action"

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.name}


@dataclass(frozen=True)
class Reply999(RouteAction):
    """Send the 999 guidance at once, before anything else happens."""

    name: ClassVar[str] = "reply_999"
    messages: tuple[str, ...]
    public: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.name, "public": self.public, "messages": len(self.messages)}


@dataclass(frozen=True)
class AlertOperators(RouteAction):
    """Publish an alert to every console now (P1)."""

    name: ClassVar[str] = "alert_operators"
    priority: Priority = Priority.P1

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.name, "priority": self.priority.value}


@dataclass(frozen=True)
class QueueForOperator(RouteAction):
    """Put (or keep) the conversation in the operator queue."""

    name: ClassVar[str] = "queue_for_operator"
    priority: Priority
    reason: QueueReason

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.name, "priority": self.priority.value, "reason": self.reason.value}


@dataclass(frozen=True)
class ToBot(RouteAction):
    """Start or continue the bot conversation; the engine is told what triage saw."""

    name: ClassVar[str] = "to_bot"
    priority: Priority = Priority.P3
    guidance_sent: bool = False
    """True when the 999 guidance already went out, so the bot need not repeat it first."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.name,
            "priority": self.priority.value,
            "guidance_sent": self.guidance_sent,
        }


@dataclass(frozen=True)
class ToOperator(RouteAction):
    """Deliver the message to the member of staff who has the conversation."""

    name: ClassVar[str] = "to_operator"


@dataclass(frozen=True)
class AutoAnswer(RouteAction):
    """Send a fixed answer (public when the post was); never personal details."""

    name: ClassVar[str] = "auto_answer"
    kind: AnswerKind
    text: str
    public: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.name, "kind": self.kind.value, "public": self.public}


@dataclass(frozen=True)
class RecordOnly(RouteAction):
    """Nothing to do beyond the audit record (P4 noise, spam or abuse in public)."""

    name: ClassVar[str] = "record_only"
    reason: RecordReason = RecordReason.NO_ACTION_NEEDED

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.name, "reason": self.reason.value}


A = TypeVar("A", bound=RouteAction)


@dataclass(frozen=True)
class RoutePlan:
    """The actions for one message, in the order to carry them out."""

    actions: tuple[RouteAction, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(action.name for action in self.actions)

    def first(self, kind: type[A]) -> A | None:
        """The first action of a kind, or None."""
        for action in self.actions:
            if isinstance(action, kind):
                return action
        return None

    def has(self, kind: type[RouteAction]) -> bool:
        return self.first(kind) is not None

    def as_list(self) -> list[dict[str, Any]]:
        """The audit form: one small dict per action, no message text."""
        return [action.as_dict() for action in self.actions]
