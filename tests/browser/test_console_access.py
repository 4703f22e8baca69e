"""The console's own checks in the browser: axe-core (WCAG 2.2 AA, no serious or critical
violations) on the sign-in form, the operator's working view and the supervisor's view, at a
desktop size and narrower; keyboard sign-in with visible focus; a P1 alert as a banner with
text and a sound; the case panel (create, attach) and closing with an outcome. The page
fixtures also fail on any CSP report or page error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from browser.chat import Chat
from browser.console import LIVE_TIMEOUT_MS, Console, StaffMember, add_staff, console_page
from browser.test_widget_access import P1_TEXT, run_axe, serious
from scripts.stack import Stack

pytestmark = pytest.mark.browser

OPERATOR = StaffMember("op-access", "Jo Operator", "operator", "blue lamp access 4242")
SUPERVISOR = StaffMember("sup-access", "Lee Supervisor", "supervisor", "blue lamp access 4343")
NARROW = {"width": 760, "height": 800}
PHONE = {"width": 400, "height": 800}
REFERENCE = re.compile(r"BL-[0-9A-Z]{4}-[0-9A-Z]{4}")

# Counts the oscillators the page starts: the alert's sound, without an audio file.
COUNT_OSCILLATORS = """
window.__oscillators = 0;
(function () {
  const Ctx = window.AudioContext;
  if (!Ctx) { return; }
  const create = Ctx.prototype.createOscillator;
  Ctx.prototype.createOscillator = function () {
    window.__oscillators += 1;
    return create.apply(this, arguments);
  };
})();
"""
NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth"
FOCUS_STYLE = """() => { const s = getComputedStyle(document.activeElement);
  return s.outlineStyle + " " + s.outlineWidth; }"""


@pytest.fixture(scope="module")
def staff(stack: Stack) -> dict[str, StaffMember]:
    for member in (OPERATOR, SUPERVISOR):
        add_staff(stack, member)
    return {"operator": OPERATOR, "supervisor": SUPERVISOR}


def _name(request: pytest.FixtureRequest, who: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-") + "-" + who


@pytest.fixture
def operator(
    browser: Browser,
    base_url: str,
    artefacts: Path,
    request: pytest.FixtureRequest,
    viewport: dict[str, int],
) -> Iterator[Console]:
    with console_page(browser, base_url, artefacts, _name(request, "operator"), viewport) as c:
        yield c


@pytest.fixture
def supervisor(
    browser: Browser,
    base_url: str,
    artefacts: Path,
    request: pytest.FixtureRequest,
    viewport: dict[str, int],
) -> Iterator[Console]:
    with console_page(browser, base_url, artefacts, _name(request, "supervisor"), viewport) as c:
        yield c


def axe_clean(console: Console, step: str) -> dict[str, Any]:
    results = run_axe(console.page, console.artefacts, f"{console.name}-{step}")
    assert serious(results) == [], f"{step}: {serious(results)}"
    return results


def ask_for_a_person(chat: Chat) -> str:
    chat.open()
    chat.send("hello")
    chat.choose("Talk to a person")
    return chat.conversation_id()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, NARROW, PHONE], ids=["1280", "760", "400"]
)
def test_axe_finds_no_serious_violations(
    chat: Chat,
    operator: Console,
    supervisor: Console,
    staff: dict[str, StaffMember],
    viewport: dict[str, int],
) -> None:
    operator.visit()
    axe_clean(operator, "sign-in")
    assert operator.page.evaluate(NO_SIDEWAYS)

    cid = ask_for_a_person(chat)
    operator.sign_in(staff["operator"])
    operator.claim(cid)
    operator.take_over()
    operator.send("Hello, this is Jo from the contact centre.")
    operator.page.locator("#c-case-create summary").click()
    operator.screenshot("working")
    results = axe_clean(operator, "working")
    checked = {rule["id"] for rule in results["passes"] + results["incomplete"]}
    wanted = {"color-contrast", "label", "button-name", "aria-required-attr", "list"}
    assert wanted <= checked, checked
    assert operator.page.evaluate(NO_SIDEWAYS), "the console scrolls sideways"
    # Landmarks and live regions a screen reader user relies on.
    page = operator.page
    expect(page.locator("header")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.locator("#c-transcript-box")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#c-alerts")).to_have_attribute("role", "alert")

    supervisor.sign_in(staff["supervisor"])
    supervisor.page.get_by_role("button", name="Supervisor").click()
    expect(supervisor.page.locator("#c-operators-rows tr").first).to_be_visible(
        timeout=LIVE_TIMEOUT_MS
    )
    supervisor.page.get_by_label("Actor (user name)", exact=True).fill(OPERATOR.username)
    supervisor.page.get_by_role("button", name="Search").click()
    expect(supervisor.page.locator("#c-audit-rows tr").first).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    supervisor.screenshot("supervisor")
    axe_clean(supervisor, "supervisor")
    assert supervisor.page.evaluate(NO_SIDEWAYS), "the supervisor view scrolls sideways"

    operator.hand_back()


def test_sign_in_by_keyboard_with_visible_focus(
    operator: Console, staff: dict[str, StaffMember]
) -> None:
    operator.visit()
    page: Page = operator.page
    expect(page.get_by_label("User name", exact=True)).to_be_focused()
    assert page.evaluate(FOCUS_STYLE) == "solid 3px"
    page.keyboard.type(OPERATOR.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(OPERATOR.password)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    assert page.evaluate(FOCUS_STYLE) == "solid 3px"
    page.keyboard.press("Enter")
    expect(page.locator("#c-app")).to_be_visible()
    # Focus moves to the console's main content; Sign out is one step back, in the header.
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Sign out")).to_be_focused()
    assert page.evaluate(FOCUS_STYLE) == "solid 3px"
    operator.screenshot("keyboard")


def test_p1_alert_shows_a_banner_with_text_and_plays_a_sound(
    chat: Chat, operator: Console, staff: dict[str, StaffMember]
) -> None:
    operator.page.add_init_script(COUNT_OSCILLATORS)
    operator.sign_in(staff["operator"])  # clicks and key presses: sound is allowed from now
    chat.open()
    chat.send(P1_TEXT)
    cid = chat.conversation_id()
    page = operator.page
    banner = page.locator("#c-alerts .c-alert").first
    expect(banner).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(banner).to_contain_text("P1 alert: answer now")
    expect(banner.locator(".c-flag").first).to_be_visible()  # flags with their evidence
    item = operator.queue_item(cid)
    expect(item.locator(".c-priority")).to_have_text("Priority P1", timeout=LIVE_TIMEOUT_MS)
    expect(item.locator(".c-timer")).to_contain_text("Target missed", timeout=5_000)
    expect(item.locator(".c-timer")).to_have_class(re.compile("c-timer--breached"))
    page.wait_for_function("window.__oscillators >= 1", timeout=5_000)
    operator.screenshot("p1-alert")
    banner.get_by_role("button", name="Dismiss alert").click()
    expect(page.locator("#c-alerts .c-alert")).to_have_count(0)


def test_case_created_and_attached_then_closed_with_an_outcome(
    chat: Chat, operator: Console, staff: dict[str, StaffMember]
) -> None:
    cid = ask_for_a_person(chat)
    operator.sign_in(staff["operator"])
    operator.claim(cid)
    page = operator.page
    page.locator("#c-case-create summary").click()
    crime = page.get_by_label("Crime type", exact=True)
    expect(crime.locator("option").nth(1)).to_be_attached()
    crime.select_option(index=1)
    page.get_by_label("What happened", exact=True).fill(
        "Reported to the contact centre by web chat."
    )
    page.get_by_role("button", name="Create case").last.click()
    result = page.locator("#c-case-result")
    expect(result).to_contain_text(REFERENCE, timeout=LIVE_TIMEOUT_MS)
    match = REFERENCE.search(result.inner_text())
    assert match
    operator.screenshot("case-created")

    page.get_by_label("Attach to existing case (reference)", exact=True).fill(match.group(0))
    page.get_by_role("button", name="Attach").click()
    expect(result).to_have_text(f"Attached to case {match.group(0)}", timeout=LIVE_TIMEOUT_MS)

    outcome = page.get_by_label("Outcome", exact=True)
    expect(outcome.locator("option").nth(1)).to_be_attached()
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator("#c-conv-error")).to_contain_text("Choose an outcome")
    outcome.select_option(index=1)
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator("#c-conv-status")).to_contain_text(
        "Conversation closed", timeout=LIVE_TIMEOUT_MS
    )
    expect(chat.log).to_contain_text("This chat has ended", timeout=LIVE_TIMEOUT_MS)
    expect(operator.mine).to_have_count(0)
    operator.screenshot("closed")
