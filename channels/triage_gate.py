"""Triage as a second opinion on every inbound message, independent of the Rasa engine.

The classifier runs in-process (well under a millisecond), the router turns its decision into
a plan, and the gateway acts on the person-facing part at once (the 999 guidance, whether the
bot is asked). The back-office part (operator alert, queue item, audit record) runs in
background tasks, so nothing the person is waiting for waits on Redis or the database, and
an outage there is logged instead of failing the conversation.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from triage.decisions import Channel, Contact, Decision, Priority
from triage.queue.alerts import Alert
from triage.queue.ports import QueueRequest, QueueUnavailable
from triage.redact import summarise
from triage.routing import (
    AlertOperators,
    QueueForOperator,
    QueueReason,
    Reply999,
    RouteContext,
    RoutePlan,
    ToBot,
    route,
)
from triage.routing.dispatch import BackOffice
from triage.routing.router import queue_priority
from triage.understanding import crime_family

log = structlog.get_logger(__name__)

NO_MODEL = "none"
"""The model version recorded when the classifier could not be loaded."""

RETRY_FOR_SECONDS = 600.0
"""How long an alert or queue item that met a Redis outage is retried in the background: a
restart or failover takes seconds; a P1 that waited this long is still better delivered late
(the conversation's transcript is kept) than dropped because Redis blinked."""
RETRY_FIRST_DELAY = 0.5
RETRY_MAX_DELAY = 5.0

_CHANNELS = {"webchat": Channel.WEBCHAT, "rest": Channel.WEBCHAT}


class Classifier(Protocol):
    """What the gateway needs of the triage classifier (`TriageClassifier` fits)."""

    def classify(self, contact: Contact) -> Decision: ...


@dataclass(frozen=True)
class TriageModel:
    """A loaded classifier and the version its decisions are recorded under."""

    classifier: Classifier
    version: str


def load_triage_model() -> TriageModel:
    """The cached classifier for the current training data, trained first when missing.

    Blocking (seconds to load, under a minute to train): call it off the event loop. spaCy is
    imported here, not at module level, so the gateway still starts (degraded, without the
    second opinion) if the classifier package cannot be imported.
    """
    from triage.nlp.classifier import TriageClassifier

    classifier = TriageClassifier.load_or_train()
    info = classifier.nlp.meta.get("bluelamp", {})
    fingerprint = info.get("fingerprint") if isinstance(info, dict) else None
    return TriageModel(classifier, f"triage-{fingerprint or 'unknown'}")


def triage_channel(channel: str) -> Channel:
    """Both gateway channels are private web conversations as far as triage is concerned."""
    return _CHANNELS.get(channel, Channel.WEBCHAT)


@dataclass(frozen=True)
class Screening:
    """What triage made of one inbound message; ``decision`` is None without a classifier."""

    contact: Contact
    context: RouteContext
    decision: Decision | None = None
    plan: RoutePlan | None = None

    @property
    def guidance(self) -> tuple[str, ...]:
        """The 999 messages to send at once (empty unless the message may be an emergency)."""
        reply = self.plan.first(Reply999) if self.plan is not None else None
        return reply.messages if reply is not None else ()

    @property
    def to_bot(self) -> bool:
        """Whether the engine is asked; never while a member of staff has the conversation."""
        if self.plan is None:
            return not self.context.with_operator
        return self.plan.has(ToBot)

    @property
    def alerted(self) -> bool:
        return self.plan is not None and self.plan.has(AlertOperators)

    def engine_metadata(self) -> dict[str, Any]:
        """`{"triage": ...}` for the engine's message metadata (docs/bot-contract.md).

        Flag names only: the evidence is the person's own words, which the engine already has.
        """
        if self.decision is None:
            return {}
        to_bot = self.plan.first(ToBot) if self.plan is not None else None
        return {
            "triage": {
                "category": self.decision.category.value,
                "priority": self.decision.priority.value,
                "flags": list(self.decision.flag_names),
                "guidance_sent": bool(to_bot.guidance_sent) if to_bot else bool(self.guidance),
                "family": crime_family(self.contact.text),
            }
        }


@dataclass(frozen=True)
class BotHandoff:
    """A request for a member of staff that an action sent as a custom payload."""

    reason: str
    priority: Priority


_REASONS = frozenset(reason.value for reason in QueueReason)
_DEFAULT_REASON = QueueReason.HUMAN_REQUESTED.value


def parse_bot_handoff(custom: Mapping[str, Any]) -> BotHandoff | None:
    """`{"bluelamp": {"handoff": {"reason", "priority"}}}`, or None for any other payload.

    An unknown reason or priority still queues the conversation (as a request for a person,
    at P3): a garbled request for help is better answered than dropped.
    """
    ours = custom.get("bluelamp")
    handoff = ours.get("handoff") if isinstance(ours, Mapping) else None
    if not isinstance(handoff, Mapping):
        return None
    reason = handoff.get("reason")
    priority = handoff.get("priority")
    return BotHandoff(
        reason=reason if isinstance(reason, str) and reason in _REASONS else _DEFAULT_REASON,
        priority=queue_priority(
            Priority(priority)
            if isinstance(priority, str) and priority in Priority.__members__
            else Priority.P3
        ),
    )


class TriageGate:
    """Classify and route each message; run its back-office work without blocking replies."""

    def __init__(self, model: TriageModel | None, back_office: BackOffice) -> None:
        self.model = model
        self.back_office = back_office
        self._tasks: set[asyncio.Task[None]] = set()

    def screen(self, contact: Contact, with_operator: bool) -> Screening:
        """The decision and plan for a message; the engine is assumed up until it fails."""
        context = RouteContext(channel=contact.channel, with_operator=with_operator)
        if self.model is None:
            return Screening(contact, context)
        try:
            decision = self.model.classifier.classify(contact)
        except Exception:  # the bot still answers; the engine has its own emergency rules
            log.exception("triage_failed", conversation_id=contact.conversation_id)
            return Screening(contact, context)
        plan = route(decision, context)
        log.info(
            "triage_decided",
            conversation_id=contact.conversation_id,
            message_id=contact.id,
            category=decision.category.value,
            priority=decision.priority.value,
            flags=list(decision.flag_names),
            actions=list(plan.names),
        )
        return Screening(contact, context, decision, plan)

    def dispatch(self, screening: Screening) -> None:
        """Alert, queue and record in the background (alert first, as BackOffice does)."""
        if screening.decision is not None and screening.plan is not None:
            self._spawn(self._dispatch(screening, screening.decision, screening.plan))

    def engine_down(self, screening: Screening) -> None:
        """Queue the conversation for staff because the bot could not answer.

        Not when triage's own dispatch already queues it at this priority or higher: the
        queue keeps the first reason at equal priority, and this enqueue can overtake the
        dispatch's (which publishes the alert first), so it would race to replace "emergency"
        with "engine_unavailable".
        """
        decision = screening.decision
        priority = queue_priority(decision.priority) if decision is not None else Priority.P3
        queued = screening.plan.first(QueueForOperator) if screening.plan is not None else None
        if queued is not None and queued.priority.rank <= priority.rank:
            log.info(
                "engine_down_already_queued",
                conversation_id=screening.contact.conversation_id,
                message_id=screening.contact.id,
                priority=queued.priority.value,
                reason=queued.reason.value,
            )
            return
        request = self._request(screening, priority, QueueReason.ENGINE_UNAVAILABLE.value)
        self._spawn(self._enqueue(request, screening.contact.id))

    def bot_handoff(self, screening: Screening, handoff: BotHandoff) -> None:
        """Queue a handoff the bot asked for; a P1 the classifier missed also alerts staff."""
        request = self._request(screening, handoff.priority, handoff.reason)
        alert = handoff.priority is Priority.P1 and not screening.alerted
        self._spawn(self._handoff(request, screening.contact.id, alert))

    async def drain(self, timeout: float) -> None:
        """Wait for back-office work still running (shutdown, tests); cancel what is late."""
        deadline = time.monotonic() + timeout
        while self._tasks:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                for task in tuple(self._tasks):
                    task.cancel()
                return
            await asyncio.wait(tuple(self._tasks), timeout=remaining)

    def _request(self, screening: Screening, priority: Priority, reason: str) -> QueueRequest:
        contact = screening.contact
        flags = screening.decision.flags if screening.decision is not None else ()
        return QueueRequest(
            conversation_id=contact.conversation_id or contact.id,
            channel=contact.channel,
            priority=priority,
            reason=reason,
            summary=summarise(contact.text),
            flags=flags,
        )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("back_office_task_failed", error=type(task.exception()).__name__)

    async def _dispatch(self, screening: Screening, decision: Decision, plan: RoutePlan) -> None:
        done = await self.back_office.dispatch(screening.contact, decision, plan)
        log.info(
            "triage_dispatched",
            conversation_id=screening.contact.conversation_id,
            message_id=screening.contact.id,
            alert_receivers=done.alert_receivers,
            queue_item=done.queue_item.id if done.queue_item is not None else None,
            failures=list(done.failures),
        )
        # Redis was down: the alert and the queue item are retried until it is back, alert
        # first, so a P1 raised during a restart still reaches staff (the audit record has
        # its own failure handling in the decision log).
        alert = plan.first(AlertOperators)
        queued = plan.first(QueueForOperator)
        if alert is not None and AlertOperators.name in done.failures:
            await self._retry(
                "alert",
                screening.contact.conversation_id,
                lambda: self.back_office.alerts.publish(
                    Alert(
                        screening.contact.conversation_id or screening.contact.id,
                        screening.contact.channel,
                        alert.priority,
                        summarise(screening.contact.text),
                        decision.flags,
                    )
                ),
            )
        if queued is not None and QueueForOperator.name in done.failures:
            request = self._request(screening, queued.priority, queued.reason.value)
            await self._retry(
                "enqueue",
                request.conversation_id,
                lambda: self.back_office.queue.enqueue(request),
            )

    async def _retry(
        self, step: str, conversation_id: str | None, work: Callable[[], Awaitable[object]]
    ) -> bool:
        """Try ``work`` again with growing pauses until Redis answers or time runs out."""
        delay = RETRY_FIRST_DELAY
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        attempts = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(delay)
            attempts += 1
            try:
                await work()
            except QueueUnavailable:
                delay = min(delay * 2, RETRY_MAX_DELAY)
                continue
            log.info(
                "back_office_recovered",
                step=step,
                conversation_id=conversation_id,
                attempts=attempts,
            )
            return True
        log.error("back_office_gave_up", step=step, conversation_id=conversation_id)
        return False

    async def _enqueue(self, request: QueueRequest, message_id: str) -> None:
        try:
            item = await self.back_office.queue.enqueue(request)
        except QueueUnavailable as exc:
            log.error(
                "enqueue_failed",
                conversation_id=request.conversation_id,
                message_id=message_id,
                reason=request.reason,
                error=str(exc),
            )
            # The person was told staff can see the message: keep trying until Redis is back.
            await self._retry(
                "enqueue", request.conversation_id, lambda: self.back_office.queue.enqueue(request)
            )
            return
        log.info(
            "queued_for_staff",
            conversation_id=request.conversation_id,
            message_id=message_id,
            queue_item=item.id,
            priority=item.priority.value,
            reason=request.reason,
        )

    async def _handoff(self, request: QueueRequest, message_id: str, alert: bool) -> None:
        if alert:
            published = Alert(
                request.conversation_id,
                request.channel,
                request.priority,
                request.summary,
                request.flags,
            )
            try:
                await self.back_office.alerts.publish(published)
            except QueueUnavailable as exc:
                log.error("alert_failed", conversation_id=request.conversation_id, error=str(exc))
                await self._retry(
                    "alert",
                    request.conversation_id,
                    lambda: self.back_office.alerts.publish(published),
                )
        await self._enqueue(request, message_id)
