"""Issue 7 end to end in two (and three) browsers at once: a member of the public in the web
chat widget asks for a person; an operator signs in to the console, claims the item, reads
the transcript, takes over, and they talk live both ways (typing shown, a canned response
used); the operator hands back and the bot answers the person again. A supervisor sees the
operator's load and the audit log of that session. Screenshots of every step go to
`results/browser/`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from browser.chat import Chat
from browser.console import (
    LIVE_TIMEOUT_MS,
    Console,
    StaffMember,
    add_staff,
    console_page,
)
from channels.messages import BACK_TO_ASSISTANT, STAFF_JOINED
from scripts.stack import Stack

pytestmark = pytest.mark.browser

OPERATOR = StaffMember("op-handover", "Alex Operator", "operator", "blue lamp handover 42")
SUPERVISOR = StaffMember("sup-handover", "Sam Supervisor", "supervisor", "blue lamp oversight 42")
FROM_OPERATOR = "Hello, my name is Alex from the contact centre. How can I help you today?"
FROM_PERSON = "my neighbour keeps shouting at me over the fence and I want advice"
AFTER_HANDBACK = "what time does the front counter at the station open"
LOOK_REASON = "quality check of live chat"
# Whether the widget ever showed that a member of staff is typing (recorded as it happens).
WATCH_STAFF_TYPING = """
() => {
  window.__staffTypingSeen = false;
  const typing = document.querySelector(".bl-typing--staff");
  if (!typing) { return; }
  new MutationObserver(() => { if (!typing.hidden) { window.__staffTypingSeen = true; } })
    .observe(typing, { attributes: true, attributeFilter: ["hidden"] });
}
"""


@pytest.fixture(scope="module")
def staff(stack: Stack) -> dict[str, StaffMember]:
    for member in (OPERATOR, SUPERVISOR):
        add_staff(stack, member)
    return {"operator": OPERATOR, "supervisor": SUPERVISOR}


@pytest.fixture
def operator(
    browser: Browser, base_url: str, artefacts: Path, request: pytest.FixtureRequest
) -> Iterator[Console]:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-") + "-operator"
    with console_page(browser, base_url, artefacts, name, None) as console:
        yield console


@pytest.fixture
def supervisor(
    browser: Browser, base_url: str, artefacts: Path, request: pytest.FixtureRequest
) -> Iterator[Console]:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-") + "-supervisor"
    with console_page(browser, base_url, artefacts, name, None) as console:
        yield console


def ask_for_a_person(chat: Chat) -> str:
    """The person opens the chat and chooses "Talk to a person"; their conversation id."""
    chat.open()
    chat.send("hello")
    expect(chat.quick_replies.filter(has_text="Talk to a person")).to_be_visible()
    chat.choose("Talk to a person")
    chat.screenshot("1-person-asked-for-a-person")
    return chat.conversation_id()


def person_writes(chat: Chat, text: str) -> None:
    """Send without waiting for a bot reply (a person talking to staff gets none)."""
    before = chat.messages.count()
    chat.input.fill(text)
    chat.input.press("Enter")
    mine = chat.messages.nth(before)
    expect(mine).to_contain_text(text)
    expect(mine.locator(".bl-state")).to_have_text("", timeout=LIVE_TIMEOUT_MS)  # stored


def test_person_and_operator_talk_live_then_the_bot_resumes(
    chat: Chat, operator: Console, supervisor: Console, staff: dict[str, StaffMember]
) -> None:
    cid = ask_for_a_person(chat)

    # The operator signs in and the request is in the live queue, with a timer and a target.
    operator.sign_in(staff["operator"])
    item = operator.queue_item(cid)
    expect(item).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(item.locator(".c-priority")).to_have_text("Priority P3")
    expect(item.locator(".c-timer")).to_contain_text(re.compile(r"Waited \d+:\d\d of 10:00"))
    expect(item.locator(".c-item-channel")).to_have_text("Web chat")
    operator.screenshot("2-queue")

    # Claim: the transcript so far, every line labelled with who said it.
    operator.claim(cid)
    expect(operator.queue_item(cid)).to_have_count(0)
    expect(operator.mine).to_have_count(1)
    expect(operator.entries("person").filter(has_text="hello")).to_have_count(1)
    expect(operator.entries("person").filter(has_text="Talk to a person")).to_have_count(1)
    assert operator.entries("bot").count() >= 2
    authors = operator.page.locator("#c-transcript .c-entry-author").all_inner_texts()
    assert {"Person", "Bot"} <= set(authors), authors
    expect(operator.page.get_by_role("button", name="Take over")).to_be_visible()
    expect(operator.reply).to_be_hidden()  # no replying while the bot has the conversation
    operator.screenshot("3-claimed")

    # A supervisor sees the operator online with one conversation.
    supervisor.sign_in(staff["supervisor"])
    supervisor.page.get_by_role("button", name="Supervisor").click()
    row = supervisor.page.locator(f'#c-operators-rows tr[data-username="{OPERATOR.username}"]')
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(row.locator(".c-load")).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
    expect(row).to_contain_text("Online")
    supervisor.screenshot("4-supervisor-load")

    # Take over: the person is told staff joined; the operator can now reply.
    operator.take_over()
    expect(chat.log).to_contain_text(STAFF_JOINED, timeout=LIVE_TIMEOUT_MS)
    expect(operator.entries("system").filter(has_text=STAFF_JOINED)).to_have_count(1)
    chat.screenshot("5-staff-joined")

    # Operator -> person, live; the operator's typing is shown in the widget first.
    chat.page.evaluate(WATCH_STAFF_TYPING)
    operator.reply.press_sequentially("Hello", delay=30)
    chat.page.wait_for_function("window.__staffTypingSeen === true", timeout=LIVE_TIMEOUT_MS)
    operator.reply.fill("")
    operator.send(FROM_OPERATOR)
    expect(chat.log).to_contain_text(FROM_OPERATOR, timeout=LIVE_TIMEOUT_MS)
    chat.screenshot("6-operator-message")

    # Person -> operator, live (no reload: the console watches the conversation).
    person_writes(chat, FROM_PERSON)
    expect(operator.entries("person").filter(has_text=FROM_PERSON)).to_have_count(
        1, timeout=LIVE_TIMEOUT_MS
    )
    operator.screenshot("7-person-message")

    # The supervisor looks in, giving a reason; the conversation is read only for them.
    sup = supervisor.page
    look = sup.get_by_label("Conversation to look at", exact=True)
    option = look.locator("option", has_text=cid)
    expect(option).to_be_attached(timeout=LIVE_TIMEOUT_MS)
    look.select_option(value=option.get_attribute("value"))
    sup.get_by_label("Reason (recorded in the audit log)", exact=True).fill(LOOK_REASON)
    sup.get_by_role("button", name="View", exact=True).click()
    expect(supervisor.entries("operator").filter(has_text=FROM_OPERATOR)).to_have_count(
        1, timeout=LIVE_TIMEOUT_MS
    )
    expect(sup.locator("#c-conv-mode")).to_contain_text("as a supervisor")
    expect(sup.get_by_role("button", name="Take over")).to_be_hidden()
    expect(supervisor.reply).to_be_hidden()
    supervisor.screenshot("7b-supervisor-looks")
    sup.get_by_role("button", name="Supervisor").click()

    # A canned response, as edited text in the reply box, sent like any other.
    canned = operator.insert_canned(1)
    operator.send(canned.strip())
    expect(chat.log).to_contain_text(canned.strip()[:60], timeout=LIVE_TIMEOUT_MS)
    chat.screenshot("8-canned")

    # Hand back: the person is back with the bot, which answers the next message.
    operator.hand_back()
    expect(chat.log).to_contain_text(BACK_TO_ASSISTANT.split(".")[0], timeout=LIVE_TIMEOUT_MS)
    expect(operator.mine).to_have_count(0)
    operator.screenshot("9-handed-back")
    replies = chat.send(AFTER_HANDBACK)
    assert replies, "the bot did not answer after the hand back"
    assert not any(FROM_OPERATOR in r for r in replies)
    chat.screenshot("10-bot-again")

    # The supervisor finds that session in the audit log.
    page = supervisor.page
    page.get_by_label("Actor (user name)", exact=True).fill(OPERATOR.username)
    page.get_by_label("Conversation ID", exact=True).fill(cid)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#c-audit-status")).to_contain_text("found", timeout=LIVE_TIMEOUT_MS)
    rows = page.locator("#c-audit-rows tr")
    expect(rows.first).to_be_visible()
    actions = " ".join(page.locator("#c-audit-rows .c-audit-action").all_inner_texts()).lower()
    for word in ("claim", "takeover", "handback"):
        assert word in actions.replace(" ", "").replace("_", "").replace("-", ""), actions
    texts = rows.all_inner_texts()
    assert all(OPERATOR.username in t and cid in t for t in texts), texts
    (operator.artefacts / f"{operator.name}-audit.json").write_text(json.dumps(texts, indent=1))
    supervisor.screenshot("11-audit")

    # The supervisor's own look is in the log too, with the reason given.
    page.get_by_label("Actor (user name)", exact=True).fill(SUPERVISOR.username)
    page.get_by_label("Action", exact=True).select_option("view_conversation")
    page.get_by_role("button", name="Search").click()
    expect(rows.first).to_contain_text(LOOK_REASON, timeout=LIVE_TIMEOUT_MS)
    expect(rows.first).to_contain_text(cid)


def test_supervisor_reassigns_a_waiting_item_to_an_operator(
    chat: Chat, operator: Console, supervisor: Console, staff: dict[str, StaffMember]
) -> None:
    operator.sign_in(staff["operator"])
    cid = ask_for_a_person(chat)
    supervisor.sign_in(staff["supervisor"])
    page = supervisor.page
    page.get_by_role("button", name="Supervisor").click()
    item = page.get_by_label("Item", exact=True)
    option = item.locator("option", has_text=cid)
    expect(option).to_be_attached(timeout=LIVE_TIMEOUT_MS)
    item.select_option(value=option.get_attribute("value"))
    to = page.get_by_label("To operator", exact=True)
    expect(to.locator(f'option[value="{OPERATOR.username}"]')).to_be_attached(
        timeout=LIVE_TIMEOUT_MS
    )
    to.select_option(OPERATOR.username)
    page.get_by_role("button", name="Reassign").click()
    expect(page.locator("#c-reassign-status")).to_have_text(f"Reassigned to {OPERATOR.username}.")
    supervisor.screenshot("reassigned")

    # The operator's console shows it as theirs at once (the live queue), and they can work it.
    mine = operator.mine.filter(has_text=cid[:16])
    expect(mine).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(operator.queue_item(cid)).to_have_count(0)
    mine.get_by_role("button", name=re.compile("^Open")).click()
    expect(operator.entries("person").filter(has_text="hello")).to_have_count(
        1, timeout=LIVE_TIMEOUT_MS
    )
    operator.page.get_by_label("Outcome", exact=True).select_option(index=1)
    operator.page.get_by_role("button", name="Close", exact=True).click()
    expect(operator.page.locator("#c-conv-status")).to_contain_text("Conversation closed")
    expect(chat.log).to_contain_text("This chat has ended", timeout=LIVE_TIMEOUT_MS)
    operator.screenshot("closed")


def test_an_ended_session_returns_to_sign_in(
    operator: Console, staff: dict[str, StaffMember]
) -> None:
    operator.sign_in(staff["operator"])
    page = operator.page
    # The session ends behind the console's back (expired, or ended by an administrator):
    # the next request is refused with 401 and the console says so at the sign-in form.
    page.context.clear_cookies()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#c-signin")).to_be_visible()
    expect(page.locator("#c-signin-notice")).to_have_text(
        "Your session has ended. Please sign in again."
    )
    expect(page.locator("#c-app")).to_be_hidden()
    expect(page.get_by_label("User name", exact=True)).to_be_focused()
    operator.screenshot("session-ended")
    # Signing in again works from there.
    operator.sign_in(staff["operator"])


def test_wrong_password_is_refused_politely(
    operator: Console, staff: dict[str, StaffMember]
) -> None:
    operator.visit()
    page = operator.page
    expect(page.get_by_label("User name", exact=True)).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute(
        "autocomplete", "current-password"
    )
    page.get_by_label("User name", exact=True).fill(OPERATOR.username)
    page.get_by_label("Password", exact=True).fill("not the right password")
    page.get_by_role("button", name="Sign in").click()
    # The server's own sentence, shown where the form is, and read out (role=alert).
    expect(page.locator("#c-signin-error")).to_have_attribute("role", "alert")
    expect(page.locator("#c-signin-error")).not_to_be_empty()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    expect(page.locator("#c-app")).to_be_hidden()
    operator.errors.clear()  # the 401 of the refused sign-in is logged by Chromium
    operator.screenshot("refused")
