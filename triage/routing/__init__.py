"""Routing: from a triage decision to what happens next (see `router` for the rules)."""

from triage.routing.plan import (
    MAX_FALLBACKS,
    AlertOperators,
    AnswerKind,
    AutoAnswer,
    QueueForOperator,
    QueueReason,
    RecordOnly,
    RecordReason,
    Reply999,
    RouteAction,
    RouteContext,
    RoutePlan,
    ToBot,
    ToOperator,
)
from triage.routing.router import is_emergency, route

__all__ = [
    "MAX_FALLBACKS",
    "AlertOperators",
    "AnswerKind",
    "AutoAnswer",
    "QueueForOperator",
    "QueueReason",
    "RecordOnly",
    "RecordReason",
    "Reply999",
    "RouteAction",
    "RouteContext",
    "RoutePlan",
    "ToBot",
    "ToOperator",
    "is_emergency",
    "route",
]
