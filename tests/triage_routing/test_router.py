"""The router's rules, as a table of cases and as invariants over every combination."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from triage.decisions import Category, Channel, Decision, Flag, Priority, RiskFlag
from triage.guidance import CALL_999_NOW, CANNOT_SPEAK, SITUATION_ADVICE, emergency_guidance
from triage.routing import (
    MAX_FALLBACKS,
    AlertOperators,
    AnswerKind,
    AutoAnswer,
    QueueForOperator,
    QueueReason,
    RecordOnly,
    Reply999,
    RouteContext,
    RoutePlan,
    ToBot,
    ToOperator,
    route,
)
from triage.routing.texts import ANSWERS

P1, P2, P3, P4 = Priority.P1, Priority.P2, Priority.P3, Priority.P4
EMERGENCY, CRIME, ENQUIRY, OTHER = (
    Category.EMERGENCY,
    Category.CRIME_REPORT,
    Category.ENQUIRY,
    Category.OTHER,
)
KNIFE = Flag(RiskFlag.WEAPON, "knife")


def decision(category: Category, priority: Priority, flags: tuple[Flag, ...] = ()) -> Decision:
    return Decision(category=category, priority=priority, confidence=0.9, flags=flags)


def summary(plan: RoutePlan) -> list[tuple[Any, ...]]:
    """Each action as (name, its deciding fields), so a table row can say exactly what it wants."""
    rows: list[tuple[Any, ...]] = []
    for action in plan.actions:
        if isinstance(action, Reply999):
            rows.append(("reply_999", "public" if action.public else "private"))
        elif isinstance(action, QueueForOperator):
            rows.append(("queue", action.priority, action.reason))
        elif isinstance(action, AutoAnswer):
            rows.append(("answer", action.kind, "public" if action.public else "private"))
        elif isinstance(action, ToBot):
            rows.append(("bot", action.priority, action.guidance_sent))
        else:
            rows.append((action.name,))
    return rows


@dataclass(frozen=True)
class Row:
    id: str
    category: Category
    priority: Priority
    context: RouteContext
    expected: list[tuple[Any, ...]]


WEB = RouteContext()
X_POST = RouteContext(channel=Channel.X, public=True)
X_DM = RouteContext(channel=Channel.X)
REPLY_PRIVATE = ("reply_999", "private")
REPLY_PUBLIC = ("reply_999", "public")
ALERT = ("alert_operators",)
QUEUE_P1 = ("queue", P1, QueueReason.EMERGENCY)
ENGINE_DOWN = ("answer", AnswerKind.ENGINE_UNAVAILABLE, "private")

TABLE = [
    # emergencies: 999 first, alert, P1 queue item; then the bot or the operator
    Row("web P1", EMERGENCY, P1, WEB, [REPLY_PRIVATE, ALERT, QUEUE_P1, ("bot", P1, True)]),
    Row("x dm P1", EMERGENCY, P1, X_DM, [REPLY_PRIVATE, ALERT, QUEUE_P1, ("bot", P1, True)]),
    Row("x post P1", EMERGENCY, P1, X_POST, [REPLY_PUBLIC, ALERT, QUEUE_P1]),
    Row(
        "P1 with operator",
        EMERGENCY,
        P1,
        RouteContext(with_operator=True),
        [REPLY_PRIVATE, ALERT, QUEUE_P1, ("to_operator",)],
    ),
    Row(
        "P1 engine down",
        EMERGENCY,
        P1,
        RouteContext(engine_available=False),
        [REPLY_PRIVATE, ALERT, QUEUE_P1],
    ),
    Row("P1 crime category", CRIME, P1, WEB, [REPLY_PRIVATE, ALERT, QUEUE_P1, ("bot", P1, True)]),
    Row(
        "emergency category at P3 is still an emergency",
        EMERGENCY,
        P3,
        WEB,
        [REPLY_PRIVATE, ALERT, QUEUE_P1, ("bot", P1, True)],
    ),
    Row(
        "P1 asking for a human",
        EMERGENCY,
        P1,
        RouteContext(human_requested=True, fallback_count=5),
        [REPLY_PRIVATE, ALERT, QUEUE_P1, ("bot", P1, True)],
    ),
    # private conversations
    Row("web P2", CRIME, P2, WEB, [("queue", P2, QueueReason.URGENT_RISK), ("bot", P2, False)]),
    Row("web P3 crime", CRIME, P3, WEB, [("bot", P3, False)]),
    Row("web P3 enquiry", ENQUIRY, P3, WEB, [("bot", P3, False)]),
    Row("web P4 chit-chat goes to the bot", OTHER, P4, WEB, [("bot", P4, False)]),
    Row("x dm P3", ENQUIRY, P3, X_DM, [("bot", P3, False)]),
    Row(
        "asked for a human",
        ENQUIRY,
        P3,
        RouteContext(human_requested=True),
        [("queue", P3, QueueReason.HUMAN_REQUESTED), ("bot", P3, False)],
    ),
    Row(
        "asked for a human at P4 waits at P3",
        OTHER,
        P4,
        RouteContext(human_requested=True),
        [("queue", P3, QueueReason.HUMAN_REQUESTED), ("bot", P4, False)],
    ),
    Row(
        "P2 and asked for a human: urgent wins",
        CRIME,
        P2,
        RouteContext(human_requested=True),
        [("queue", P2, QueueReason.URGENT_RISK), ("bot", P2, False)],
    ),
    Row(
        "one fallback is the bot's to handle",
        ENQUIRY,
        P3,
        RouteContext(fallback_count=MAX_FALLBACKS - 1),
        [("bot", P3, False)],
    ),
    Row(
        "repeated fallbacks",
        ENQUIRY,
        P3,
        RouteContext(fallback_count=MAX_FALLBACKS),
        [("queue", P3, QueueReason.REPEATED_FALLBACK), ("bot", P3, False)],
    ),
    Row(
        "engine down",
        CRIME,
        P3,
        RouteContext(engine_available=False),
        [("queue", P3, QueueReason.ENGINE_UNAVAILABLE), ENGINE_DOWN],
    ),
    Row(
        "engine down at P2",
        CRIME,
        P2,
        RouteContext(engine_available=False),
        [("queue", P2, QueueReason.URGENT_RISK), ENGINE_DOWN],
    ),
    Row(
        "engine down, P4: told, nothing for staff",
        OTHER,
        P4,
        RouteContext(engine_available=False, fallback_count=3),
        [ENGINE_DOWN, ("record_only",)],
    ),
    Row(
        "engine down, P4, asked for a human",
        OTHER,
        P4,
        RouteContext(engine_available=False, human_requested=True),
        [("queue", P3, QueueReason.HUMAN_REQUESTED), ENGINE_DOWN],
    ),
    # a member of staff has the conversation
    Row("with operator P3", CRIME, P3, RouteContext(with_operator=True), [("to_operator",)]),
    Row(
        "with operator P2, asked for a human, engine down",
        CRIME,
        P2,
        RouteContext(with_operator=True, human_requested=True, engine_available=False),
        [("to_operator",)],
    ),
    # public posts
    Row(
        "public enquiry",
        ENQUIRY,
        P3,
        X_POST,
        [("answer", AnswerKind.PUBLIC_POINTER, "public")],
    ),
    Row("public other", OTHER, P3, X_POST, [("answer", AnswerKind.PUBLIC_POINTER, "public")]),
    Row("public crime report", CRIME, P3, X_POST, [("answer", AnswerKind.INVITE_DM, "public")]),
    Row(
        "public P2",
        CRIME,
        P2,
        X_POST,
        [("answer", AnswerKind.INVITE_DM, "public"), ("queue", P2, QueueReason.URGENT_RISK)],
    ),
    Row(
        "public P2 enquiry is invited to DM too",
        ENQUIRY,
        P2,
        X_POST,
        [("answer", AnswerKind.INVITE_DM, "public"), ("queue", P2, QueueReason.URGENT_RISK)],
    ),
    Row("public P4 noise", OTHER, P4, X_POST, [("record_only",)]),
    Row("public P4 abuse about a crime", CRIME, P4, X_POST, [("record_only",)]),
    Row(
        "public asking for a human",
        ENQUIRY,
        P4,
        RouteContext(channel=Channel.X, public=True, human_requested=True),
        [("answer", AnswerKind.INVITE_DM, "public"), ("queue", P3, QueueReason.HUMAN_REQUESTED)],
    ),
    Row(
        "public post is not a chat even with an operator on the person's DM",
        ENQUIRY,
        P3,
        RouteContext(channel=Channel.X, public=True, with_operator=True, engine_available=False),
        [("answer", AnswerKind.PUBLIC_POINTER, "public")],
    ),
]


@pytest.mark.parametrize("row", TABLE, ids=[row.id for row in TABLE])
def test_route_table(row: Row) -> None:
    plan = route(decision(row.category, row.priority), row.context)
    assert summary(plan) == row.expected


def test_private_999_reply_is_the_full_guidance_for_the_situation() -> None:
    plan = route(decision(EMERGENCY, P1, (KNIFE,)), WEB)
    reply = plan.first(Reply999)
    assert reply is not None
    assert list(reply.messages) == emergency_guidance("emergency_violence")
    assert reply.messages[1] == SITUATION_ADVICE["emergency_violence"][0]


@pytest.mark.parametrize(
    ("flags", "situation"),
    [
        ((Flag(RiskFlag.FIRE, "flames"), KNIFE), "emergency_fire"),
        ((Flag(RiskFlag.SELF_HARM, "end it"),), "emergency_suicide_risk"),
        ((Flag(RiskFlag.DOMESTIC_ABUSE, "partner"), KNIFE), "emergency_domestic_abuse"),
        (
            (Flag(RiskFlag.ROAD_DANGER, "crash"), Flag(RiskFlag.INJURY, "bleeding")),
            "emergency_road_collision",
        ),
        ((Flag(RiskFlag.INJURY, "bleeding"),), "emergency_medical"),
        ((Flag(RiskFlag.IN_PROGRESS, "right now"),), "emergency_crime_in_progress"),
        ((Flag(RiskFlag.THREAT_TO_LIFE, "kill"),), "emergency_threat_to_life"),
    ],
)
def test_guidance_follows_the_most_telling_flag(flags: tuple[Flag, ...], situation: str) -> None:
    reply = route(decision(EMERGENCY, P1, flags), WEB).first(Reply999)
    assert reply is not None and list(reply.messages) == emergency_guidance(situation)


def test_without_flags_the_general_advice_is_given() -> None:
    reply = route(decision(EMERGENCY, P1), WEB).first(Reply999)
    assert reply is not None and list(reply.messages) == emergency_guidance(None)


def test_public_999_reply_fits_one_post_and_says_how_to_call_silently() -> None:
    reply = route(decision(EMERGENCY, P1, (KNIFE,)), X_POST).first(Reply999)
    assert reply is not None and reply.public
    assert reply.messages == (CALL_999_NOW, CANNOT_SPEAK[1])
    assert len(" ".join(reply.messages)) <= 280


def test_fixed_answers_fit_one_post_and_warn_about_personal_details() -> None:
    for kind, text in ANSWERS.items():
        assert len(text) <= 280, kind
    assert "personal details" in ANSWERS[AnswerKind.PUBLIC_POINTER]
    assert "personal details" in ANSWERS[AnswerKind.INVITE_DM]
    assert "999" in ANSWERS[AnswerKind.ENGINE_UNAVAILABLE]


def test_plan_audit_form_names_each_action_without_text() -> None:
    plan = route(decision(EMERGENCY, P1, (KNIFE,)), WEB)
    assert plan.names == ("reply_999", "alert_operators", "queue_for_operator", "to_bot")
    assert plan.as_list() == [
        {"action": "reply_999", "public": False, "messages": len(emergency_guidance(None)) + 1},
        {"action": "alert_operators", "priority": "P1"},
        {"action": "queue_for_operator", "priority": "P1", "reason": "emergency"},
        {"action": "to_bot", "priority": "P1", "guidance_sent": True},
    ]


# --- every combination --------------------------------------------------------------------

CONTEXTS = [
    RouteContext(
        channel=channel,
        public=public,
        with_operator=with_operator,
        human_requested=human,
        engine_available=engine,
        fallback_count=fallbacks,
    )
    for channel, public, with_operator, human, engine, fallbacks in itertools.product(
        Channel, (False, True), (False, True), (False, True), (False, True), (0, 1, 2, 5)
    )
    if not (public and channel is Channel.WEBCHAT)  # web chat has no public posts
]
DECISIONS = [
    decision(category, priority, flags)
    for category, priority, flags in itertools.product(Category, Priority, ((), (KNIFE,)))
]
EVERY_CASE = list(itertools.product(DECISIONS, CONTEXTS))


def test_every_combination_is_covered() -> None:
    web_chat, x = 2 * 2 * 2 * 4, 2 * 2 * 2 * 2 * 4  # X has private DMs and public posts
    assert len(EVERY_CASE) == len(Category) * len(Priority) * 2 * (web_chat + x)


@pytest.mark.parametrize("case", [pytest.param(c, id=str(n)) for n, c in enumerate(EVERY_CASE)])
def test_invariants(case: tuple[Decision, RouteContext]) -> None:
    made, context = case
    plan = route(made, context)
    names = plan.names
    emergency = made.priority is P1 or made.category is EMERGENCY
    queued = plan.first(QueueForOperator)

    assert names, "every message gets a plan"
    assert len(set(names)) == len(names), "no action twice"
    if emergency:
        assert isinstance(plan.actions[0], Reply999), "999 guidance goes first"
        assert plan.actions[0].public is context.public
        assert AlertOperators(P1) in plan.actions
        assert queued == QueueForOperator(P1, QueueReason.EMERGENCY), "P1 is never only an alert"
    else:
        assert not plan.has(Reply999) and not plan.has(AlertOperators)
        assert queued is None or queued.priority in (P2, P3)
    if context.public:
        assert not plan.has(ToBot) and not plan.has(ToOperator), "public posts are not chats"
        answer = plan.first(AutoAnswer)
        assert answer is None or answer.public
    else:
        if context.with_operator:
            assert not plan.has(ToBot) and plan.has(ToOperator), "the bot stays paused"
        elif context.engine_available:
            assert plan.has(ToBot)
        assert not (plan.has(ToBot) and not context.engine_available)
        answer = plan.first(AutoAnswer)
        assert answer is None or not answer.public
        heard = plan.has(ToBot) or plan.has(ToOperator) or plan.has(Reply999) or answer
        assert heard, "nobody is left in silence"
    if plan.has(RecordOnly):
        assert made.priority is P4 and not emergency
        assert queued is None and not plan.has(ToBot) and not plan.has(ToOperator)
    for answer in (a for a in plan.actions if isinstance(a, AutoAnswer)):
        assert answer.text == ANSWERS[answer.kind], "fixed texts only: nothing personal"
    if not emergency and not (context.with_operator and not context.public):
        if made.priority is P2:
            assert queued == QueueForOperator(P2, QueueReason.URGENT_RISK)
        if context.human_requested:
            assert queued is not None
    bot = plan.first(ToBot)
    if bot is not None:
        assert bot.guidance_sent is emergency
        assert bot.priority is (P1 if emergency else made.priority), "nothing lowers an emergency"
