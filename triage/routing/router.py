"""Turn a triage decision into a route plan: a pure function, so every rule is a table row.

Rules, in order:
1. An emergency (P1, or the emergency category whatever its priority: nothing lowers an
   emergency) gets the 999 guidance at once, an operator alert and a P1 queue item, even in
   a conversation a member of staff already has; then the message goes on to that member of
   staff, or to the bot for a private conversation whose engine is up.
2. A conversation a member of staff has: the message goes to them, never the bot.
3. A public post: P4 is recorded only (unless it asks for a person); anything else gets a
   fixed public answer (an invitation to a direct message for reports, risks and requests for
   a person), and urgent posts and requests for a person are queued as well. Public posts
   never start a bot conversation.
4. A private conversation goes to the bot when the engine is up; it is also queued when it is
   urgent (P2), the person asked for a human, the bot keeps falling back, or the engine is
   down (the person is then told so). With the engine down, P4 is told so and recorded, but
   not queued.
"""

from __future__ import annotations

from triage.decisions import Category, Decision, Priority
from triage.routing.plan import (
    MAX_FALLBACKS,
    AlertOperators,
    AnswerKind,
    AutoAnswer,
    QueueForOperator,
    QueueReason,
    RecordOnly,
    Reply999,
    RouteAction,
    RouteContext,
    RoutePlan,
    ToBot,
    ToOperator,
)
from triage.routing.texts import ANSWERS, guidance_messages


def is_emergency(decision: Decision) -> bool:
    return decision.priority is Priority.P1 or decision.category is Category.EMERGENCY


def queue_priority(priority: Priority) -> Priority:
    """Anything a person waits on is at least P3, whatever triage thought of the words."""
    return priority if priority.rank <= Priority.P3.rank else Priority.P3


def _queue_reason(decision: Decision, context: RouteContext) -> QueueReason | None:
    """The most serious reason to queue a non-emergency, or None."""
    if decision.priority is Priority.P2:
        return QueueReason.URGENT_RISK
    if context.human_requested:
        return QueueReason.HUMAN_REQUESTED
    if not context.public and not context.engine_available:
        return QueueReason.ENGINE_UNAVAILABLE
    if not context.public and context.fallback_count >= MAX_FALLBACKS:
        return QueueReason.REPEATED_FALLBACK
    return None


def _emergency(decision: Decision, context: RouteContext) -> list[RouteAction]:
    actions: list[RouteAction] = [
        Reply999(guidance_messages(decision.flags, context.public), public=context.public),
        AlertOperators(Priority.P1),
        QueueForOperator(Priority.P1, QueueReason.EMERGENCY),
    ]
    if context.public:
        return actions
    if context.with_operator:
        actions.append(ToOperator())
    elif context.engine_available:
        actions.append(ToBot(Priority.P1, guidance_sent=True))
    return actions


def _public(decision: Decision, context: RouteContext) -> list[RouteAction]:
    if decision.priority is Priority.P4 and not context.human_requested:
        return [RecordOnly()]
    routine = (
        decision.category in (Category.ENQUIRY, Category.OTHER)
        and decision.priority is not Priority.P2
        and not context.human_requested
    )
    kind = AnswerKind.PUBLIC_POINTER if routine else AnswerKind.INVITE_DM
    actions: list[RouteAction] = [AutoAnswer(kind, ANSWERS[kind], public=True)]
    reason = _queue_reason(decision, context)
    if reason is not None:
        actions.append(QueueForOperator(queue_priority(decision.priority), reason))
    return actions


def _conversation(decision: Decision, context: RouteContext) -> list[RouteAction]:
    reason = _queue_reason(decision, context)
    nothing_for_staff = reason in (None, QueueReason.ENGINE_UNAVAILABLE)
    if not context.engine_available and decision.priority is Priority.P4 and nothing_for_staff:
        kind = AnswerKind.ENGINE_UNAVAILABLE
        return [AutoAnswer(kind, ANSWERS[kind]), RecordOnly()]
    actions: list[RouteAction] = []
    if reason is not None:
        actions.append(QueueForOperator(queue_priority(decision.priority), reason))
    if context.engine_available:
        actions.append(ToBot(decision.priority))
    else:
        kind = AnswerKind.ENGINE_UNAVAILABLE
        actions.append(AutoAnswer(kind, ANSWERS[kind]))
    return actions


def route(decision: Decision, context: RouteContext) -> RoutePlan:
    """The actions for one message, most urgent first."""
    if is_emergency(decision):
        return RoutePlan(tuple(_emergency(decision, context)))
    if context.with_operator and not context.public:
        return RoutePlan((ToOperator(),))
    if context.public:
        return RoutePlan(tuple(_public(decision, context)))
    return RoutePlan(tuple(_conversation(decision, context)))
