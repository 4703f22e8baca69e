"""Cases from the console: a draft prefilled from what the bot collected (and from the
person's unsent report draft, if they left one), creating the case (idempotent, so a double
click makes one case; the unsent draft is then removed), and attaching the conversation to an
existing case. Every call to the case store says who is acting (`Access.staff`)."""

from __future__ import annotations

import structlog
from aiohttp import web

from channels.console.access import held_item, path_id
from channels.console.auth import console_api, record
from channels.console.case_draft import (
    draft_from_collected,
    parse_draft,
    parse_draft_number,
    submission,
)
from channels.console.http import ConsoleError, read_object
from channels.keys import console_key, handover_key
from triage.cases.ports import CaseSystemRejected, CaseSystemUnavailable
from triage.cases.processing_log import Access
from triage.cases.references import normalise_reference
from triage.staff.ports import AuditAction, AuditQuery, StaffSession

log = structlog.get_logger(__name__)

ATTACH_REASON = "conversation attached from the operator console"


async def cases_made(request: web.Request, conversation_id: str) -> int:
    """How many cases staff have created from this conversation: the next draft's number."""
    entries = await request.app[console_key].audit.search(
        AuditQuery(action=AuditAction.CREATE_CASE, conversation_id=conversation_id, limit=500)
    )
    return len({entry.case_reference for entry in entries if entry.case_reference})


async def unsent_answers(request: web.Request, conversation_id: str) -> dict[str, str]:
    """What the person answered of a report they did not send (`channels.console.drafts_api`),
    with its crime type; {} without one. Under what the engine still holds, which wins."""
    drafts = request.app[console_key].drafts
    if drafts is None:
        return {}
    stored = await drafts.draft_for(conversation_id)
    if stored is None:
        return {}
    return {"crime_type": stored.crime_type, **stored.answers}


async def discard_unsent(request: web.Request, conversation_id: str) -> None:
    """The conversation's unsent draft has become a case: remove it (best effort, the case
    exists; retention removes a draft left behind)."""
    drafts = request.app[console_key].drafts
    if drafts is None:
        return
    try:
        await drafts.discard_draft(conversation_id)
    except CaseSystemUnavailable:
        log.warning("console_draft_not_discarded", conversation_id=conversation_id)


@console_api()
async def case_draft(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """The draft (recorded as a view: it shows what the person told the bot) and ``n``, the
    number to send back with it."""
    cid = path_id(request, "cid", "conversation")
    item = await held_item(request, session, cid)
    await record(
        request,
        session,
        AuditAction.VIEW_CONVERSATION,
        conversation_id=cid,
        item_id=item.id,
        detail="case_draft",
    )
    collected = await request.app[handover_key].collected(cid)
    draft = draft_from_collected({**await unsent_answers(request, cid), **collected})
    return web.json_response({**draft.to_json(), "n": await cases_made(request, cid)})


@console_api()
async def create_case(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """201 with the new reference; 200 with the same one for a repeat of the same draft.

    The case store's own submission is idempotent, so it comes first: if recording it
    fails, the operator is told nothing was confirmed and a retry records the same case.
    """
    cid = path_id(request, "cid", "conversation")
    body = await read_object(request)
    draft = parse_draft(body)
    number = parse_draft_number(body)
    item = await held_item(request, session, cid)
    channel = await request.app[handover_key].channel_of(cid)
    report = submission(draft, item, channel, number)
    try:
        receipt = await request.app[console_key].cases.submit(
            report, access=Access.staff(session.username, "case created from a live chat")
        )
    except (CaseSystemRejected, ValueError) as exc:
        log.warning("console_case_refused", conversation_id=cid, error=type(exc).__name__)
        raise ConsoleError(400, "The case system did not accept this case; check it.") from exc
    await record(
        request,
        session,
        AuditAction.CREATE_CASE,
        conversation_id=cid,
        item_id=item.id,
        case_reference=receipt.reference,
        detail=f"n={number} created={'yes' if receipt.created else 'no'}",
    )
    await discard_unsent(request, cid)
    log.info(
        "console_case_created",
        actor=session.username,
        conversation_id=cid,
        reference=receipt.reference,
        created=receipt.created,
    )
    return web.json_response(
        {"reference": receipt.reference, "created": receipt.created},
        status=201 if receipt.created else 200,
    )


@console_api()
async def attach_case(request: web.Request, session: StaffSession) -> web.StreamResponse:
    """Link the conversation to an existing case; 404 for a reference no case has."""
    cid = path_id(request, "cid", "conversation")
    body = await read_object(request)
    raw = body.get("reference")
    if not isinstance(raw, str) or len(raw) > 40:
        raise ConsoleError(400, "Give the case reference ('reference'), like BL-4F7K-2MQ9.")
    reference = normalise_reference(raw)
    if reference is None:
        raise ConsoleError(400, "That is not a case reference; they look like BL-4F7K-2MQ9.")
    item = await held_item(request, session, cid)
    console = request.app[console_key].case_console
    if console is None:
        raise ConsoleError(
            409, "Conversations cannot be attached to cases in the external case system here."
        )
    linked = await console.link_conversation(
        reference, cid, access=Access.staff(session.username, ATTACH_REASON)
    )
    if not linked:
        raise ConsoleError(404, f"No case has the reference {reference}.")
    await record(
        request,
        session,
        AuditAction.ATTACH_CASE,
        conversation_id=cid,
        item_id=item.id,
        case_reference=reference,
    )
    return web.json_response({"reference": reference})
