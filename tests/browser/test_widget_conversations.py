"""The public's door, end to end in a real browser: a theft reported to a reference, an
emergency in the middle of a report, and a reload that restores the conversation."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import WebSocketRoute, expect

from browser.chat import Chat
from triage.cases.references import is_valid_reference

pytestmark = pytest.mark.browser

ANSWERS = {
    "incident_description": "someone cut the lock and took my bike from the rack",
    "incident_when": "yesterday about 3pm",
    "incident_where": "outside the library on Front Street, NE1 4ST",
    "property_details": "a black Trek mountain bike",
    "property_value": "about £450",
    "suspect_description": "a man in a grey hoodie, about 20",
    "evidence": "there is a CCTV camera above the library door",
    "reporter_name": "Sam Patel",
    "reporter_contact": "sam.patel@example.com",
    "contact_consent": "yes",
}
REFERENCE = re.compile(r"BL-[0-9A-Z]{4}-[0-9A-Z]{4}")
EMERGENCY = "he's back and he's trying to get in the house right now help"
CALL_999_NOW = "If you or anyone else is in immediate danger, call 999 now."
RED = "rgb(164, 0, 15)"


def test_theft_reported_to_completion_shows_the_reference(chat: Chat) -> None:
    chat.visit()
    chat.screenshot("1-page")
    chat.open()
    expect(chat.page.locator(".bl-emergency")).to_have_text(
        "In an emergency call 999 (do not wait for a reply here)"
    )
    replies = chat.send("my bike got nicked from outside the library yesterday")
    assert replies, "the bot said nothing"
    asked = []
    for _ in range(len(ANSWERS) + 2):
        slot = chat.requested_slot()
        if slot is None:
            break
        asked.append(slot)
        replies = chat.send(ANSWERS[slot])
    # the opening told what happened, when, where and what was taken: never asked
    given = {"incident_description", "incident_when", "incident_where", "property_details"}
    assert set(asked) == set(ANSWERS) - given, f"asked {asked}"
    summary = "\n".join(replies)
    assert "outside the library" in summary and "Sam Patel" in summary, replies
    expect(chat.quick_replies.filter(has_text="Yes, send it")).to_be_visible()
    chat.screenshot("2-summary")

    replies = chat.choose("Yes, send it")
    match = REFERENCE.search("\n".join(replies))
    assert match, f"no reference in {replies}"
    assert is_valid_reference(match.group(0))
    expect(chat.log).to_contain_text(match.group(0))
    # The quick reply shows its title, not the payload it sent.
    assert "Yes, send it" in chat.transcript() and "/affirm" not in chat.transcript()
    assert chat.typing_was_seen(), "no typing indicator while the engine worked"
    stamps = chat.page.locator(".bl-log time").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('datetime') && n.textContent)"
    )
    assert len(stamps) == chat.messages.count() and all(
        re.fullmatch(r"\d\d:\d\d", s or "") for s in stamps
    ), stamps
    chat.screenshot("3-reference")


def test_emergency_mid_form_gets_the_999_guidance_first_and_prominently(chat: Chat) -> None:
    chat.open()
    chat.send("I want to report a burglary")
    assert chat.requested_slot() == "incident_description"
    chat.send(ANSWERS["incident_description"])
    before = chat.messages.count()

    started = time.monotonic()
    chat.input.fill(EMERGENCY)
    chat.input.press("Enter")
    urgent = chat.page.locator(".bl-log .bl-msg--emergency")
    expect(urgent.first).to_be_visible()
    guidance_seconds = time.monotonic() - started
    replies = chat.wait_for_replies(before + 1)
    chat.screenshot("guidance")
    # The bot's answers that follow do not push the guidance out of sight.
    expect(urgent.first.locator(".bl-msg-flag")).to_be_in_viewport()

    # First after the person's message: the gateway's guidance, before any answer of the bot.
    assert replies[0].startswith(CALL_999_NOW), replies
    classes = chat.messages.evaluate_all("nodes => nodes.map(n => n.className)")
    run = classes[before + 1 :]
    n_urgent = urgent.count()
    assert n_urgent >= 3 and all("bl-msg--emergency" in c for c in run[:n_urgent]), classes
    assert len(run) > n_urgent, "the bot's own answer should follow the guidance"
    assert guidance_seconds < 5, guidance_seconds

    # Shown prominently: a flag, red frame, bold, and the 999 line turns red.
    flag = urgent.first.locator(".bl-msg-flag")
    expect(flag).to_have_text("Emergency: call 999 now")
    expect(flag).to_have_css("color", RED)
    expect(urgent.first).to_have_css("border-top-color", RED)
    expect(urgent.first).to_have_css("font-weight", "700")
    assert chat.page.locator(".bl-msg-flag").count() == 1, "one flag for one run of guidance"
    line = chat.page.locator(".bl-emergency")
    expect(line).to_have_class(re.compile(r"\bbl-emergency--active\b"))
    expect(line).to_have_css("background-color", RED)
    expect(line).to_be_in_viewport()
    # Announced to screen readers at once, outside the polite log.
    expect(chat.page.locator(".bl-alert[role=alert]")).to_have_text(
        re.compile(r"^Emergency: " + re.escape(CALL_999_NOW))
    )
    # The emergency interrupted the form and paused it (the bot's side of the contract).
    slots = chat.tracker()["slots"]
    assert slots["paused_form"] == "theft_form"


def test_reload_restores_the_transcript_and_keeps_text_as_text(chat: Chat) -> None:
    chat.open()
    chat.send("hello")
    expect(chat.quick_replies.first).to_be_visible()
    markup = '<img src=x onerror="window.__pwned=1"> <b>bold?</b>'
    chat.send(markup)
    chat.send("A man with a knife is breaking into my house right now")
    expect(chat.page.locator(".bl-msg--emergency").first).to_be_visible()
    before = chat.transcript()
    urgent_before = chat.page.locator(".bl-msg--emergency").count()
    quick_before = chat.quick_replies.all_inner_texts()
    conversation = chat.conversation_id()
    chat.screenshot("1-before-reload")

    chat.page.reload()
    expect(chat.panel).to_be_visible()  # still open after the reload
    expect(chat.messages).to_have_count(len(before))
    assert chat.transcript() == before
    assert chat.conversation_id() == conversation
    assert chat.page.locator(".bl-msg--emergency").count() == urgent_before > 0
    expect(chat.page.locator(".bl-emergency")).to_have_class(
        re.compile(r"\bbl-emergency--active\b")
    )
    assert chat.quick_replies.all_inner_texts() == quick_before
    # Markup typed by the person stays text, live and restored: no element, no script run.
    assert markup in chat.transcript()
    assert chat.page.locator(".bl-log img, .bl-log b").count() == 0
    assert chat.page.evaluate("window.__pwned === undefined")
    chat.screenshot("2-after-reload")

    # Still the same conversation with the engine: it carries on.
    replies = chat.send("thanks")
    assert replies


def test_message_typed_while_disconnected_is_sent_once_on_reconnect(chat: Chat) -> None:
    """The socket drops and stays down (the routes refuse it); what the person types meanwhile
    is kept and sent once the widget is back, exactly once."""
    page = chat.page
    gateway = {"up": True}
    routes: list[WebSocketRoute] = []

    def route(ws: WebSocketRoute) -> None:
        if not gateway["up"]:
            ws.close(code=1011, reason="gateway down")
            return
        ws.connect_to_server()
        routes.append(ws)

    page.route_web_socket(re.compile(r"/ws\?conversation="), route)
    chat.open()
    chat.send("hello")

    gateway["up"] = False
    for ws in routes:
        ws.close(code=1001, reason="going away")
    expect(page.locator(".bl-status")).to_contain_text("Reconnecting")
    text = "what time does the front counter at the station open"
    before = chat.messages.count()
    chat.input.fill(text)
    chat.input.press("Enter")
    mine = chat.messages.nth(before)
    expect(mine.locator(".bl-state")).to_have_text(" · Sending…")
    pending = page.evaluate("JSON.parse(localStorage.getItem('bluelamp.pending'))")
    assert [p["text"] for p in pending] == [text]
    page.wait_for_timeout(1500)  # at least one reconnection attempt is refused
    assert len(routes) == 1
    chat.screenshot("offline")

    gateway["up"] = True
    expect(mine.locator(".bl-state")).to_have_text("", timeout=20_000)  # resent and acked
    replies = chat.wait_for_replies(before + 1)
    assert replies, "no answer after the resend"
    expect(page.locator(".bl-status")).to_have_text("")
    assert chat.transcript().count(text) == 1
    assert page.evaluate("localStorage.getItem('bluelamp.pending')") == "[]"
    # The gateway stored it once: a reload shows it once, answered.
    page.reload()
    expect(chat.messages).to_have_count(before + 1 + len(replies))
    assert chat.transcript().count(text) == 1
