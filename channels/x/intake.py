"""What happens to one public mention or one direct message, exactly once.

A mention is claimed by its post id (`XState.claim`), triaged as a public contact (or handed
its decision by the poller, which classifies a whole batch first), routed with
``RouteContext(public=True)`` and then, at the same time: the public reply (the 999 guidance,
an invitation to DM, a pointer, or a thank-you) and the back office (alert and queue item
carrying the post's link and the author's public handle, decision record). Each step has its
own marker, so a retry after a failure or a crash repeats only what did not finish, and a
reply is never sent twice.

Replies are fixed texts from `triage.routing.texts` and the thank-you templates below: they
never quote the post, so nothing personal in it can be repeated in public.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import structlog

from channels.x.api import XApi, XRateLimited, XRejected, XUnavailable
from channels.x.models import DirectMessage, Post, public_handle
from channels.x.state import DONE, XState
from triage.decisions import Category, Channel, Contact, Decision, Priority
from triage.queue.alerts import Alert
from triage.queue.ports import QueueRequest, QueueUnavailable
from triage.redact import summarise
from triage.routing import (
    AlertOperators,
    AutoAnswer,
    QueueForOperator,
    RecordOnly,
    Reply999,
    RouteContext,
    RoutePlan,
    route,
)
from triage.routing.dispatch import BackOffice

if TYPE_CHECKING:
    from channels.conversation import ConversationService
    from channels.triage_gate import TriageModel

log = structlog.get_logger(__name__)

LEASE_SECONDS = 120.0
"""How long a claim on a post protects it; a crashed poller's posts are retried after this."""
SEND_ATTEMPTS = 4
SEND_BACKOFF_SECONDS = 0.5
MAX_RATE_WAIT_SECONDS = 900.0
DM_CHANNEL = "x_dm"
CLASSIFY_CHUNK = 256
"""Posts classified in one batched pass before yielding to the event loop, so a big backlog
does not stall web chat, DMs or alerts for seconds."""

THANKS = (
    "Thank you, that's kind of you to say. We'll pass it on to the team.",
    "Thanks so much for taking the time to say this. It means a lot to the officers involved.",
    "Thank you! We'll make sure the team hears this.",
)
_PRAISE = re.compile(
    r"\b(thank(s| you)|thx|cheers|well done|great (job|work)|brilliant|amazing|legends?|"
    r"heroes|appreciate|grateful|fantastic|top job|good work|proud)\b|👏|🙏|❤️|💙",
    re.IGNORECASE,
)
_HOSTILE = re.compile(
    r"\b(f+u+c+k|shit|pigs?|scum|useless|acab|disgrace|crap|joke|idiots?|bent|corrupt)\b",
    re.IGNORECASE,
)


class Outcome(StrEnum):
    """What became of one post or DM on this try."""

    DONE = "done"
    DUPLICATE = "duplicate"
    """Already done, or another process holds it right now."""
    FAILED = "failed"


@dataclass(frozen=True)
class PostResult:
    outcome: Outcome
    decision: Decision | None = None
    plan: RoutePlan | None = None
    reply: str | None = None


def is_praise(text: str) -> bool:
    """Thanks without hostility (a sarcastic "thanks for nothing, pigs" gets no thank-you)."""
    return bool(_PRAISE.search(text)) and not _HOSTILE.search(text)


def public_reply(post: Post, plan: RoutePlan, praise_allowed: bool) -> str | None:
    """The reply text for a plan: fixed wording only, never anything taken from the post."""
    urgent = plan.first(Reply999)
    if urgent is not None:
        return " ".join(urgent.messages)
    answer = plan.first(AutoAnswer)
    if answer is not None:
        return answer.text
    if plan.has(RecordOnly) and praise_allowed:
        return THANKS[int(post.id[-3:] or "0") % len(THANKS)] if post.id.isdigit() else THANKS[0]
    return None


def operator_summary(post: Post) -> str:
    """The redacted text; the link and the author travel in fields of their own."""
    return summarise(post.text, limit=200)


@runtime_checkable
class BatchClassifier(Protocol):
    """A classifier that can take many contacts in one pass (`TriageClassifier` can)."""

    def classify_many(self, contacts: Sequence[Contact]) -> list[Decision]: ...


NO_CLASSIFIER = Decision(Category.OTHER, Priority.P3, 0.0, reasons=("no_classifier",))
"""Without a classifier a post is something a person should read, never noise."""


def post_contact(post: Post) -> Contact:
    return Contact(
        id=post.id,
        text=post.text,
        channel=Channel.X,
        conversation_id=f"x:post:{post.id}",
        public=True,
    )


T = TypeVar("T")


async def send_with_retry(send: Callable[[], Awaitable[T]], what: str) -> T:
    """Retry X being down or rate limited; a refusal is not retried (it would be refused again)."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await send()
        except XRateLimited as exc:
            if attempt == SEND_ATTEMPTS:
                raise
            wait = min(exc.wait_seconds(default=SEND_BACKOFF_SECONDS), MAX_RATE_WAIT_SECONDS)
            log.warning("x_send_rate_limited", what=what, wait_seconds=round(wait, 2))
            await asyncio.sleep(wait)
        except XUnavailable as exc:
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("x_send_retry", what=what, attempt=attempt, error=str(exc))
            await asyncio.sleep(SEND_BACKOFF_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


class XIntake:
    """Mentions and DMs in, triage, replies and operator work out; safe to run in parallel."""

    def __init__(
        self,
        api: XApi,
        state: XState,
        model: TriageModel | None,
        back_office: BackOffice,
        conversations: ConversationService | None = None,
        *,
        today: Callable[[], str] = lambda: datetime.now(UTC).date().isoformat(),
    ) -> None:
        self.api = api
        self.state = state
        self.model = model
        self.back_office = back_office
        self.conversations = conversations
        self._today = today
        self.alert_times: dict[str, float] = {}
        """Post id → monotonic time its alert was published (for the bench and tests)."""

    # --- mentions ------------------------------------------------------------------------
    async def handle_post(self, post: Post, decision: Decision | None = None) -> PostResult:
        """Process the post once; ``decision`` is its triage when already classified."""
        key = f"post:{post.id}"
        if not await self.state.claim(key, LEASE_SECONDS):
            log.info("x_post_duplicate", post_id=post.id)
            return PostResult(Outcome.DUPLICATE)
        try:
            result = await self._process_post(post, decision)
        except Exception as exc:
            await self.state.release(key)  # the next poll retries what did not finish
            log.error("x_post_failed", post_id=post.id, error=type(exc).__name__)
            return PostResult(Outcome.FAILED)
        await self.state.mark(key, DONE)
        return result

    async def is_done(self, post_id: str) -> bool:
        return await self.state.get(f"post:{post_id}") == DONE

    def _classify(self, post: Post) -> Decision:
        if self.model is None:
            return NO_CLASSIFIER
        return self.model.classifier.classify(post_contact(post))

    async def classify_posts(self, posts: Sequence[Post]) -> list[Decision]:
        """Every post's decision, in order, in batched passes (so the poller can put P1 first).

        Runs on the event loop like every other classification (the spaCy pipeline is shared
        and not made for threads), yielding between chunks.
        """
        if self.model is None:
            return [NO_CLASSIFIER] * len(posts)
        classifier = self.model.classifier
        decisions: list[Decision] = []
        for start in range(0, len(posts), CLASSIFY_CHUNK):
            chunk = [post_contact(post) for post in posts[start : start + CLASSIFY_CHUNK]]
            if isinstance(classifier, BatchClassifier):
                decisions.extend(classifier.classify_many(chunk))
            else:
                decisions.extend(classifier.classify(contact) for contact in chunk)
            await asyncio.sleep(0)
        return decisions

    async def _process_post(self, post: Post, decision: Decision | None = None) -> PostResult:
        if decision is None:
            decision = self._classify(post)
        plan = route(decision, RouteContext(channel=Channel.X, public=True))
        praise_allowed = False
        if plan.has(RecordOnly) and is_praise(post.text) and post.author_id:
            praise_allowed = await self._praise_slot(post)
        text = public_reply(post, plan, praise_allowed)
        log.info(
            "x_post_decided",
            post_id=post.id,
            category=decision.category.value,
            priority=decision.priority.value,
            flags=list(decision.flag_names),
            actions=list(plan.names),
            reply=text is not None,
        )
        work = [self._back_office(post, decision, plan)]
        if text is not None:
            work.insert(0, self._reply_once(post, text, decision.priority))
        results = await asyncio.gather(*work, return_exceptions=True)
        for outcome in results:
            if isinstance(outcome, BaseException):
                raise outcome
        return PostResult(Outcome.DONE, decision, plan, text)

    async def _praise_slot(self, post: Post) -> bool:
        """At most one thank-you per author per day, across every process."""
        return await self.state.claim(f"praise:{post.author_id}:{self._today()}", 2 * 86400)

    async def _reply_once(self, post: Post, text: str, priority: Priority) -> None:
        key = f"reply:{post.id}"
        marker = await self.state.get(key)
        if marker is not None and marker.startswith("sent"):
            return
        if marker == "sending" and priority is not Priority.P1:
            # A crash between sending and recording: a second public reply is worse than none,
            # except for the 999 guidance.
            log.warning("x_reply_ambiguous", post_id=post.id)
            return
        await self.state.mark(key, "sending")
        try:
            reply_id = await send_with_retry(lambda: self.api.reply(post.id, text), "reply")
        except XRejected as exc:
            await self.state.mark(key, f"rejected:{exc.status}")
            log.error("x_reply_refused", post_id=post.id, status=exc.status)
            return
        except BaseException:
            await self.state.release(key)  # definitely not sent: the retry may send it
            raise
        await self.state.mark(key, f"sent:{reply_id}")
        log.info("x_replied", post_id=post.id, reply_id=reply_id, priority=priority.value)

    async def _back_office(self, post: Post, decision: Decision, plan: RoutePlan) -> None:
        """Alert, queue and record, each once; alert and item carry the link and the handle."""
        conversation_id = f"x:post:{post.id}"
        summary = operator_summary(post)
        author = public_handle(post.author_handle)
        alert = plan.first(AlertOperators)
        if alert is not None and await self.state.get(f"alert:{post.id}") is None:
            try:
                await self.back_office.alerts.publish(
                    Alert(
                        conversation_id,
                        Channel.X,
                        alert.priority,
                        summary,
                        decision.flags,
                        link=post.link,
                        author=author,
                    )
                )
            except QueueUnavailable as exc:
                log.error("x_alert_failed", post_id=post.id, error=str(exc))
                raise
            self.alert_times[post.id] = time.monotonic()
            await self.state.mark(f"alert:{post.id}")
            log.info("x_alerted", post_id=post.id, priority=alert.priority.value)
        queued = plan.first(QueueForOperator)
        if queued is not None and await self.state.get(f"queue:{post.id}") is None:
            request = QueueRequest(
                conversation_id=conversation_id,
                channel=Channel.X,
                priority=queued.priority,
                reason=queued.reason.value,
                summary=summary,
                flags=decision.flags,
                link=post.link,
                author=author,
            )
            await self.back_office.queue.enqueue(request)
            await self.state.mark(f"queue:{post.id}")
        if await self.state.get(f"record:{post.id}") is None:
            contact = Contact(post.id, post.text, Channel.X, conversation_id, public=True)
            try:
                await self.back_office.decisions.record(
                    contact, decision, plan, self.back_office.model_version
                )
            except Exception as exc:  # the audit row is retried by the next try of this post
                log.error("x_record_failed", post_id=post.id, error=type(exc).__name__)
                raise
            await self.state.mark(f"record:{post.id}")

    # --- direct messages -----------------------------------------------------------------
    async def handle_dm(self, dm: DirectMessage) -> Outcome:
        """A DM is a web-chat-like conversation: recorded, screened, answered by the bot."""
        if self.conversations is None:
            return Outcome.FAILED
        key = f"dm:{dm.id}"
        if not await self.state.claim(key, LEASE_SECONDS):
            return Outcome.DUPLICATE
        try:
            await self._process_dm(dm, self.conversations)
        except Exception as exc:
            await self.state.release(key)
            log.error("x_dm_failed", dm_event_id=dm.id, error=type(exc).__name__)
            return Outcome.FAILED
        await self.state.mark(key, DONE)
        return Outcome.DONE

    async def _process_dm(self, dm: DirectMessage, service: ConversationService) -> None:
        conversation_id = dm_conversation_key(dm.dm_conversation_id)
        # Who to write to when a member of staff answers this conversation (an id only).
        await self.state.mark(f"dmpeer:{dm.dm_conversation_id}", dm.sender_id)
        if await service.record_inbound(conversation_id, DM_CHANNEL, dm.id, dm.text):
            turn = await service.screen(conversation_id, DM_CHANNEL, dm.id, dm.text)
            texts = [reply.text for reply in turn.immediate]
            await self._send_dms(dm, texts, start=0)
            replies = await service.answer(turn, {"x_dm_conversation_id": dm.dm_conversation_id})
            texts.extend(
                render_dm(reply.text, [b.title for b in reply.buttons]) for reply in replies
            )
            await self.state.mark(f"dmtexts:{dm.id}", "\x1f".join(texts), LEASE_SECONDS * 10)
        else:  # recorded by an earlier try that failed while sending: finish sending
            stored = await self.state.get(f"dmtexts:{dm.id}")
            texts = stored.split("\x1f") if stored else []
        await self._send_dms(dm, texts, start=0)

    async def _send_dms(self, dm: DirectMessage, texts: list[str], start: int) -> None:
        for index, text in enumerate(texts[start:], start=start):
            key = f"dmsend:{dm.id}:{index}"
            if await self.state.get(key) is not None:
                continue
            event_id = await send_with_retry(partial(self.api.send_dm, dm.sender_id, text), "dm")
            await self.state.mark(key, f"sent:{event_id}")

    async def send_operator_dm(self, conversation_id: str, text: str) -> str:
        """Send a member of staff's message (or a notice about them) into a DM conversation;
        the DM event id. Raises LookupError for a conversation no DM was received on, and
        the X errors of `send_with_retry`."""
        dm_conversation_id = conversation_id.removeprefix(DM_PREFIX)
        participant = await self.state.get(f"dmpeer:{dm_conversation_id}")
        if not participant or not conversation_id.startswith(DM_PREFIX):
            raise LookupError("no direct message has been received in this conversation")
        event_id = await send_with_retry(partial(self.api.send_dm, participant, text), "dm")
        log.info("x_operator_dm_sent", conversation_id=conversation_id, dm_event_id=event_id)
        return event_id


DM_PREFIX = "x-dm-"


def dm_conversation_key(dm_conversation_id: str) -> str:
    """The gateway conversation id for a DM conversation (stable across DMs and restarts)."""
    return f"{DM_PREFIX}{dm_conversation_id}"


def render_dm(text: str, buttons: list[str]) -> str:
    """DMs have no buttons here: list the choices so the person can type one."""
    if not buttons:
        return text
    return f"{text}\n" + "\n".join(f"• {title}" for title in buttons)
