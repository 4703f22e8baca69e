"""Carry out a plan's back-office actions: alert operators, queue for staff, record.

The person-facing actions (the 999 reply, the bot, the operator's chat, fixed answers) belong
to the channel that holds the person and are not done here. Each back-office step is tried
even if an earlier one failed, so a Redis outage still leaves an audit record and a database
outage still leaves the alert; failures are reported, never raised, so the caller can fall
back without losing what did work.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy.exc import SQLAlchemyError

from triage.audit.ports import DecisionEntry, DecisionLog
from triage.decisions import Contact, Decision
from triage.queue.alerts import Alert, AlertBus
from triage.queue.ports import OperatorQueue, QueueItem, QueueRequest, QueueUnavailable
from triage.redact import summarise
from triage.routing.plan import AlertOperators, QueueForOperator, RoutePlan

log = structlog.get_logger(__name__)

RECORD = "record"


@dataclass(frozen=True)
class Dispatched:
    """What the back office did; ``failures`` names the steps that could not be done."""

    alert_receivers: int | None = None
    queue_item: QueueItem | None = None
    entry: DecisionEntry | None = None
    failures: tuple[str, ...] = ()


class BackOffice:
    """The queue, the alert bus and the decision log, used together for each message."""

    def __init__(
        self, queue: OperatorQueue, alerts: AlertBus, decisions: DecisionLog, model_version: str
    ) -> None:
        self.queue = queue
        self.alerts = alerts
        self.decisions = decisions
        self.model_version = model_version

    async def dispatch(
        self,
        contact: Contact,
        decision: Decision,
        plan: RoutePlan,
        *,
        link: str | None = None,
        author: str | None = None,
    ) -> Dispatched:
        """Alert first (at once), then queue, then record.

        ``link`` and ``author`` (a public handle only) go on the alert and the queue item so
        the operator can open the source; web chat leaves them None.
        """
        conversation_id = contact.conversation_id or contact.id
        summary = summarise(contact.text)
        failures: list[str] = []
        receivers: int | None = None
        item: QueueItem | None = None
        entry: DecisionEntry | None = None
        alert = plan.first(AlertOperators)
        if alert is not None:
            try:
                receivers = await self.alerts.publish(
                    Alert(
                        conversation_id,
                        contact.channel,
                        alert.priority,
                        summary,
                        decision.flags,
                        link=link,
                        author=author,
                    )
                )
            except QueueUnavailable as exc:
                failures.append(alert.name)
                log.error("alert_failed", conversation_id=conversation_id, error=str(exc))
        queued = plan.first(QueueForOperator)
        if queued is not None:
            request = QueueRequest(
                conversation_id=conversation_id,
                channel=contact.channel,
                priority=queued.priority,
                reason=queued.reason.value,
                summary=summary,
                flags=decision.flags,
                link=link,
                author=author,
            )
            try:
                item = await self.queue.enqueue(request)
            except QueueUnavailable as exc:
                failures.append(queued.name)
                log.error("enqueue_failed", conversation_id=conversation_id, error=str(exc))
        try:
            entry = await self.decisions.record(contact, decision, plan, self.model_version)
        except (SQLAlchemyError, OSError) as exc:
            failures.append(RECORD)
            log.error("decision_record_failed", contact_id=contact.id, error=type(exc).__name__)
        return Dispatched(receivers, item, entry, tuple(failures))

    async def aclose(self) -> None:
        """Close all three, even if one fails to close."""
        try:
            await self.queue.aclose()
        finally:
            try:
                await self.alerts.aclose()
            finally:
                await self.decisions.aclose()
