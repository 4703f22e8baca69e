"""Unsent report drafts from the action server's side: best effort, never in the way.

While a crime-report form runs, `keep_draft` stores what the person has answered so far
(one row per conversation, replaced on every call: `triage.cases.drafts`), so that if they
leave mid-report staff still see it in the console. `discard_draft` removes it when the
report is submitted (it is then a case) or the person cancels.

Both are called from form validation and the report actions. Neither may fail or slow the
turn: each is bounded by `DRAFT_TIMEOUT_SECONDS`, and any failure (the database down or
slow, a malformed draft) is logged as an error event with the kind of failure and a digest
of the conversation id only, never the answers, and swallowed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping

import structlog
from rasa_sdk import Tracker

from actions import case_access
from actions.conversation import input_channel
from triage.cases.ports import ReportDraft
from triage.cases.processing_log import public_actor

log = structlog.get_logger(__name__)

DRAFT_TIMEOUT_SECONDS = 1.5
"""How long a turn waits for the draft store at most (the engine waits longer in all)."""


async def _best_effort(step: str, conversation_id: str, call: Awaitable[object]) -> bool:
    try:
        await asyncio.wait_for(call, DRAFT_TIMEOUT_SECONDS)
    except Exception as exc:  # an outage, a timeout or a bug: the turn goes on regardless
        log.error(
            "report_draft_not_saved" if step == "keep" else "report_draft_not_discarded",
            step=step,
            conversation=public_actor(conversation_id),
            error=type(exc).__name__,
        )
        return False
    return True


async def keep_draft(
    tracker: Tracker, answers: Mapping[str, str], crime_type: str, asking: str | None
) -> None:
    """Keep (insert or replace) the conversation's unsent draft.

    ``answers``: slot -> the answer as shown back to the person; ``asking``: the slot being
    asked for now (None at the summary).
    """
    conversation_id = tracker.sender_id
    draft = ReportDraft(
        conversation_id=conversation_id,
        channel=input_channel(tracker),
        crime_type=crime_type,
        answers=dict(answers),
        asking=asking,
    )

    async def keep() -> None:
        await case_access.drafts().keep_draft(draft)

    await _best_effort("keep", conversation_id, keep())


async def discard_draft(tracker: Tracker) -> None:
    """Remove the conversation's draft (submitted or cancelled); nothing to remove is fine."""
    conversation_id = tracker.sender_id

    async def discard() -> None:
        await case_access.drafts().discard_draft(conversation_id)

    await _best_effort("discard", conversation_id, discard())
