"""Every decision is stored redacted, with its reasons and route, on every adapter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from triage.audit.ports import DecisionEntry, DecisionLog, redacted_entry
from triage.audit.sql_log import SqlDecisionLog
from triage.decisions import Category, Channel, Contact, Decision, Flag, Priority, RiskFlag
from triage.routing import RouteContext, route

PHONE = "07700 900123"
EMAIL = "jo.bloggs@example.com"


def contact(n: int = 1, text: str | None = None, channel: Channel = Channel.WEBCHAT) -> Contact:
    return Contact(
        id=f"m{n}",
        text=text or f"my name is Jo Bloggs, call {PHONE}, a man has a knife at 12 High Street",
        channel=channel,
        conversation_id=f"conv-{n}",
    )


def same_but_id(read_back: DecisionEntry, stored: DecisionEntry) -> bool:
    """What was read back is what ``record`` returned; a buffered log returns id 0 (the id is
    assigned when the batch is written), every other log the stored id."""
    return stored.id in (0, read_back.id) and replace(read_back, id=stored.id) == stored


EMERGENCY = Decision(
    category=Category.EMERGENCY,
    priority=Priority.P1,
    confidence=0.8731,
    flags=(Flag(RiskFlag.WEAPON, "knife"), Flag(RiskFlag.THREAT_TO_LIFE, f"ring {PHONE}")),
    reasons=(f"rule: weapon words near '{EMAIL}'",),
)


async def test_record_stores_every_field_redacted(decision_log: DecisionLog) -> None:
    plan = route(EMERGENCY, RouteContext())
    stored = await decision_log.record(contact(), EMERGENCY, plan, "triage-2026.03-abc123")
    assert (stored.contact_id, stored.conversation_id, stored.channel) == (
        "m1",
        "conv-1",
        Channel.WEBCHAT,
    )
    assert (stored.category, stored.priority) == (Category.EMERGENCY, Priority.P1)
    assert stored.confidence == pytest.approx(0.8731)
    assert stored.model_version == "triage-2026.03-abc123"
    assert stored.redacted_text == (
        "my name is [name], call [phone], a man has a knife at [address]"
    )
    assert stored.flags == (
        Flag(RiskFlag.WEAPON, "knife"),
        Flag(RiskFlag.THREAT_TO_LIFE, "ring [phone]"),
    )
    [reason] = stored.reasons
    assert reason.startswith("rule: weapon words near ") and "[email]" in reason
    assert EMAIL not in reason
    assert [a["action"] for a in stored.route_actions] == [
        "reply_999",
        "alert_operators",
        "queue_for_operator",
        "to_bot",
    ]
    assert stored.route_actions[2] == {
        "action": "queue_for_operator",
        "priority": "P1",
        "reason": "emergency",
    }
    assert stored.created_at.tzinfo is not None
    assert abs(stored.created_at - datetime.now(UTC)) < timedelta(minutes=1)
    [read_back] = await decision_log.recent(1)
    assert read_back.id > 0
    assert same_but_id(read_back, stored)


async def test_nothing_personal_reaches_the_log(decision_log: DecisionLog) -> None:
    await decision_log.record(contact(), EMERGENCY, route(EMERGENCY, RouteContext()), "v1")
    [entry] = await decision_log.recent()
    everything = repr(entry)
    for detail in (PHONE, EMAIL, "Jo Bloggs", "12 High Street"):
        assert detail not in everything


async def test_recent_is_newest_first_and_limited(decision_log: DecisionLog) -> None:
    routine = Decision(Category.ENQUIRY, Priority.P3, 0.95)
    for n in range(1, 6):
        plan = route(routine, RouteContext(channel=Channel.X, public=True))
        await decision_log.record(
            contact(n, "what are your opening hours", Channel.X), routine, plan, "v1"
        )
    recent = await decision_log.recent(3)
    assert [entry.contact_id for entry in recent] == ["m5", "m4", "m3"]
    assert recent[0].route_actions == (
        {"action": "auto_answer", "kind": "public_pointer", "public": True},
    )
    assert await decision_log.recent(0) == []
    assert len(await decision_log.recent(50)) == 5


async def test_a_contact_without_a_conversation_is_stored(decision_log: DecisionLog) -> None:
    post = Contact(id="x:123", text="spam spam", channel=Channel.X, public=True)
    noise = Decision(Category.OTHER, Priority.P4, 0.99)
    plan = route(noise, RouteContext(channel=Channel.X, public=True))
    stored = await decision_log.record(post, noise, plan, "v1")
    assert stored.conversation_id is None
    assert stored.route_actions == ({"action": "record_only", "reason": "no_action_needed"},)
    assert same_but_id((await decision_log.recent(1))[0], stored)


def test_redacted_entry_is_the_one_place_text_is_cleaned() -> None:
    entry = redacted_entry(contact(), EMERGENCY, route(EMERGENCY, RouteContext()), "v1")
    assert entry.id == 0
    assert PHONE not in entry.redacted_text and PHONE not in repr(entry.flags)


async def test_the_database_refuses_an_unknown_priority(tmp_path: object) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from triage.cases.models import TriageDecisionRecord

    log = SqlDecisionLog.from_url(f"sqlite+aiosqlite:///{tmp_path}/d.db")
    await log.create_schema()
    try:
        async with log.engine.begin() as connection:
            with pytest.raises(IntegrityError):
                await connection.execute(
                    insert(TriageDecisionRecord).values(
                        contact_id="m1",
                        channel="webchat",
                        category="emergency",
                        priority="P9",
                        confidence=1.0,
                        flags=[],
                        reasons=[],
                        route_actions=[],
                        model_version="v1",
                        redacted_text="",
                        created_at=datetime.now(UTC),
                    )
                )
    finally:
        await log.aclose()
