"""A member of contact-centre staff using the operator console, as the browser tests drive it.

Accounts are made the way a deployment makes them: `python -m triage staff add ...
--password-stdin` with the stack's own environment, so the command writes to the database the
stack's gateway reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from scripts.stack import Stack

LIVE_TIMEOUT_MS = 30_000
DESKTOP = {"width": 1280, "height": 800}

# As conftest.RECORD_PROBLEMS: CSP reports collected from the first script on.
RECORD_PROBLEMS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.effectiveDirective + " " + (e.blockedURI || "inline"));
});
"""
# Chromium logs every 4xx answer as a console error; the console asks /me before sign-in and
# expects 401 then. Anything else logged as an error is a fault of the page.
EXPECTED_NETWORK = "Failed to load resource: the server responded with a status of 401"


@dataclass(frozen=True)
class StaffMember:
    username: str
    display_name: str
    role: str
    password: str


def add_staff(stack: Stack, member: StaffMember) -> None:
    """Create the account with the CLI against the stack's database."""
    result = stack.add_staff(member.username, member.display_name, member.role, member.password)
    assert result.returncode == 0, f"staff add failed: {result.stdout}\n{result.stderr}"


class Console:
    """One console in its own browser context (its own cookies: a separate member of staff)."""

    def __init__(self, page: Page, base_url: str, artefacts: Path, name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.artefacts = artefacts
        self.name = name
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("console", self._console_message)

    def _console_message(self, msg: Any) -> None:
        if msg.type == "error" and not msg.text.startswith(EXPECTED_NETWORK):
            self.errors.append(msg.text)

    # ---------- page ----------
    def visit(self) -> None:
        self.page.goto(self.base_url + "console")
        expect(self.page.locator("#c-signin:visible, #c-app:visible")).to_have_count(1)

    def sign_in(self, member: StaffMember) -> None:
        self.visit()
        self.page.get_by_label("User name", exact=True).fill(member.username)
        self.page.get_by_label("Password", exact=True).fill(member.password)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.locator("#c-app")).to_be_visible()
        expect(self.page.locator("#c-user-name")).to_contain_text(member.display_name)

    def screenshot(self, step: str) -> None:
        self.page.screenshot(path=str(self.artefacts / f"{self.name}-{step}.png"), full_page=True)

    def problems(self) -> tuple[list[str], list[str]]:
        """(CSP violations, page errors) seen so far."""
        violations: list[str] = self.page.evaluate("window.__cspViolations || []")
        return violations, list(self.errors)

    # ---------- queue ----------
    def queue_item(self, conversation_id: str) -> Locator:
        return self.page.locator(f'#c-queue li[data-conversation="{conversation_id}"]')

    def claim(self, conversation_id: str) -> None:
        item = self.queue_item(conversation_id)
        expect(item).to_be_visible(timeout=LIVE_TIMEOUT_MS)
        item.get_by_role("button", name="Claim").click()
        expect(self.transcript).to_be_visible(timeout=LIVE_TIMEOUT_MS)

    @property
    def mine(self) -> Locator:
        return self.page.locator("#c-mine li")

    # ---------- conversation ----------
    @property
    def transcript(self) -> Locator:
        return self.page.locator("#c-transcript-box")

    def entries(self, author: str) -> Locator:
        return self.page.locator(f"#c-transcript .c-entry--{author} .c-entry-text")

    @property
    def reply(self) -> Locator:
        return self.page.locator("#c-reply")

    def take_over(self) -> None:
        self.page.get_by_role("button", name="Take over").click()
        expect(self.reply).to_be_visible(timeout=LIVE_TIMEOUT_MS)

    def send(self, text: str) -> None:
        self.reply.fill(text)
        self.reply.press("Enter")
        expect(self.entries("operator").filter(has_text=text).first).to_be_visible(
            timeout=LIVE_TIMEOUT_MS
        )
        expect(self.reply).to_have_value("")

    def insert_canned(self, index: int = 1) -> str:
        """Choose the canned response at ``index`` (0 is the placeholder), insert it; its text."""
        select = self.page.get_by_label("Canned response", exact=True)
        expect(select.locator("option").nth(index)).to_be_attached()
        select.select_option(index=index)
        self.page.get_by_role("button", name="Insert").click()
        text = self.reply.input_value()
        assert text.strip(), "the canned response inserted nothing"
        return text

    def hand_back(self) -> None:
        self.page.get_by_role("button", name="Hand back").click()
        expect(self.page.locator("#c-conv-status")).to_contain_text(
            "Handed back", timeout=LIVE_TIMEOUT_MS
        )


@contextmanager
def console_page(
    browser: Browser, base_url: str, artefacts: Path, name: str, viewport: dict[str, int] | None
) -> Iterator[Console]:
    """A console in a fresh context; afterwards a screenshot, and no CSP reports or errors."""
    size = viewport or DESKTOP
    context = browser.new_context(
        viewport=ViewportSize(width=size["width"], height=size["height"]), locale="en-GB"
    )
    context.add_init_script(RECORD_PROBLEMS)
    try:
        console = Console(context.new_page(), base_url, artefacts, name)
        yield console
        console.screenshot("final")
        violations, errors = console.problems()
        assert violations == [], f"CSP violations in the console: {violations}"
        assert errors == [], f"errors in the console: {errors}"
    finally:
        context.close()
