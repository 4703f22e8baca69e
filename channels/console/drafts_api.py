"""Unsent report drafts: what people answered of a crime report before they left.

The action server keeps a draft per conversation while a report form runs and removes it
when the report is sent or cancelled (`actions.drafts`, `triage.cases.drafts`). Here staff
(operators and supervisors) see the drafts left idle, open one, and take it up:

- the list holds no answers, only which questions were answered (labels), so like the
  queue it is not recorded;
- opening one shows the answers, so it is recorded first as a view of the conversation
  (detail ``report_draft``), as the case draft is;
- following one up puts the conversation in the operator queue (if it is not there) and
  claims it for this member of staff, recorded first as a claim (detail
  ``from=report_draft``); the existing case flow then prefills from the draft
  (`channels.console.case_api`), and creating the case removes the draft.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from aiohttp import web

from channels.console.access import check_reason, held_elsewhere, path_id
from channels.console.auth import console_api, record, record_refusal
from channels.console.board import item_json, read_board
from channels.console.canned import CRIME_TYPE_LABELS
from channels.console.http import ConsoleError
from channels.handover import X_DM, X_POST, channel_by_id
from channels.keys import back_office_key, console_key, settings_key, store_key
from triage.cases.ports import DraftStore, ReportDraft
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueItem, QueueRequest, utcnow
from triage.staff.ports import AuditAction, StaffSession

log = structlog.get_logger(__name__)

LIST_LIMIT = 100
MAX_IDLE_MINUTES = 60 * 24 * 90
FOLLOW_UP_REASON = "report_draft"
FOLLOW_UP_PRIORITY = Priority.P3
NO_DRAFT = "There is no unsent report draft for this conversation (sent, cancelled or erased)."
NO_DRAFTS_HERE = "Report drafts are not available on this gateway."

QUESTION_LABELS: dict[str, str] = {
    "incident_description": "What happened",
    "incident_when": "When",
    "incident_where": "Where",
    "property_details": "Property",
    "property_value": "Value",
    "vehicle_reg": "Vehicle registration",
    "injuries": "Injuries",
    "hate_motivation": "Why they think it was a hate crime",
    "suspect_description": "Who did it",
    "evidence": "Evidence",
    "reporter_name": "Reporter's name",
    "reporter_contact": "Reporter's contact details",
    "contact_consent": "Agrees to be contacted",
}
"""The report forms' questions as staff read them (docs/bot-contract.md); written out here so
the gateway never loads the action server's package."""


def question_label(slot: str) -> str:
    return QUESTION_LABELS.get(slot, slot.replace("_", " ").capitalize())


def crime_label(crime_type: str) -> str:
    return CRIME_TYPE_LABELS.get(crime_type, crime_type.replace("_", " ").capitalize())


def _drafts(request: web.Request) -> DraftStore:
    drafts = request.app[console_key].drafts
    if drafts is None:
        raise ConsoleError(409, NO_DRAFTS_HERE)
    return drafts


def _queue_json(item: QueueItem | None) -> dict[str, Any]:
    """Whether the conversation is in the queue: ``waiting``, ``held`` (by whom) or not."""
    if item is None:
        return {"state": None, "item_id": None, "claimed_by": None}
    return {
        "state": "waiting" if item.waiting else "held",
        "item_id": item.id,
        "claimed_by": item.claimed_by,
    }


def summary_json(draft: ReportDraft, item: QueueItem | None) -> dict[str, Any]:
    """A draft without its answers: which questions were answered, by label."""
    updated = draft.updated_at
    return {
        "conversation_id": draft.conversation_id,
        "channel": draft.channel,
        "crime_type": draft.crime_type,
        "crime_label": crime_label(draft.crime_type),
        "answered": [{"slot": slot, "label": question_label(slot)} for slot in draft.answers],
        "asking": draft.asking,
        "asking_label": question_label(draft.asking) if draft.asking else None,
        "status": draft.status,
        "created_at": draft.created_at.isoformat() if draft.created_at else None,
        "updated_at": updated.isoformat() if updated else None,
        "idle_seconds": int((utcnow() - updated).total_seconds()) if updated else None,
        "queue": _queue_json(item),
    }


def _idle_minutes(request: web.Request) -> int:
    raw = request.query.get("idle_minutes")
    if raw is None or raw == "":
        return int(request.app[settings_key].console_draft_idle_minutes)
    if not raw.isdigit() or not 0 <= int(raw) <= MAX_IDLE_MINUTES:
        raise ConsoleError(
            400, f"'idle_minutes' must be a whole number from 0 to {MAX_IDLE_MINUTES}."
        )
    return int(raw)


@console_api()
async def list_drafts(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Drafts idle for at least ``idle_minutes`` (default: the setting), newest first, with
    whether each conversation is in the queue. No answers: not recorded, like the queue."""
    minutes = _idle_minutes(request)
    drafts = await _drafts(request).unsent_drafts(timedelta(minutes=minutes), LIST_LIMIT)
    board = await read_board(request.app[back_office_key].queue, request.app[store_key])
    return web.json_response(
        {
            "idle_minutes": minutes,
            "drafts": [summary_json(d, board.open_item(d.conversation_id)) for d in drafts],
            "now": utcnow().isoformat(),
        }
    )


@console_api()
async def view_draft(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """One draft with its answers; recorded first as a view of the conversation (with the
    optional ``reason``). 404 when there is none."""
    cid = path_id(request, "cid", "conversation")
    raw_reason = request.query.get("reason")
    reason = check_reason(raw_reason) if raw_reason is not None else None
    drafts = _drafts(request)
    draft = await drafts.draft_for(cid)
    if draft is None:
        raise ConsoleError(404, NO_DRAFT)
    item = await request.app[back_office_key].queue.item_for(cid)
    await record(
        request,
        session,
        AuditAction.VIEW_CONVERSATION,
        conversation_id=cid,
        item_id=item.id if item is not None else None,
        reason=reason,
        detail="report_draft",
    )
    answers = [
        {"slot": slot, "label": question_label(slot), "value": value}
        for slot, value in draft.answers.items()
    ]
    return web.json_response({**summary_json(draft, item), "answers": answers})


def _queue_channel(conversation_id: str) -> Channel:
    return Channel.X if channel_by_id(conversation_id) in (X_DM, X_POST) else Channel.WEBCHAT


@console_api()
async def follow_up(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Queue the conversation (unless it is queued) and claim it for this member of staff.

    200 ``{"item"}`` (also when already theirs); 404 no draft; 409 someone else holds it.
    """
    cid = path_id(request, "cid", "conversation")
    drafts = _drafts(request)
    draft = await drafts.draft_for(cid)
    if draft is None:
        raise ConsoleError(404, NO_DRAFT)
    queue = request.app[back_office_key].queue
    item = await queue.item_for(cid)
    if item is not None and item.claimed_by == session.username:
        return await _answer(request, item)
    if item is not None and not item.waiting:
        raise held_elsewhere(item)
    ids: dict[str, str | None] = {"conversation_id": cid, "item_id": item.id if item else None}
    await record(request, session, AuditAction.CLAIM, detail="from=report_draft", **ids)
    if item is None:
        answered = len(draft.answers)
        item = await queue.enqueue(
            QueueRequest(
                conversation_id=cid,
                channel=_queue_channel(cid),
                priority=FOLLOW_UP_PRIORITY,
                reason=FOLLOW_UP_REASON,
                summary=f"Unsent {crime_label(draft.crime_type).lower()} report: "
                f"{answered} answer{'' if answered == 1 else 's'} given",
            )
        )
    claimed = await queue.claim(item.id, session.username)
    if claimed is None:
        await record_refusal(
            request, session, AuditAction.CLAIM, "taken", conversation_id=cid, item_id=item.id
        )
        current = await queue.get(item.id)
        if current is None:
            raise ConsoleError(404, "This item is no longer in the queue.")
        raise held_elsewhere(current)
    await drafts.mark_following_up(cid)
    log.info("console_draft_followed_up", actor=session.username, item_id=claimed.id)
    return await _answer(request, claimed)


async def _answer(request: web.Request, item: QueueItem) -> web.Response:
    mode = await request.app[store_key].get_mode(item.conversation_id)
    request.app[console_key].board.invalidate()
    return web.json_response({"item": item_json(item, utcnow(), mode)})
