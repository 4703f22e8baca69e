"""A person using the widget on the demo page, as the browser tests drive it.

Replies are waited for the way a person would: the message is acknowledged (no "Sending…"),
something new appears in the log, and the log stays still for a moment (the gateway sends a
turn's messages back to back).
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

REPLY_TIMEOUT_MS = 30_000
QUIET_SECONDS = 0.4

# Whether the typing indicator was ever shown, recorded in the page as it happens.
WATCH_TYPING = """
() => {
  window.__typingSeen = false;
  const typing = document.querySelector(".bl-typing");
  new MutationObserver(() => { if (!typing.hidden) { window.__typingSeen = true; } })
    .observe(typing, { attributes: true, attributeFilter: ["hidden"] });
}
"""


class Chat:
    def __init__(
        self,
        page: Page,
        base_url: str,
        rasa_port: int,
        artefacts: Path,
        name: str,
        rasa_token: str = "",
    ) -> None:
        self.page = page
        self.base_url = base_url
        self.rasa_port = rasa_port
        self.rasa_token = rasa_token
        self.artefacts = artefacts
        self.name = name

    # ---------- the page and the widget ----------
    def visit(self) -> None:
        self.page.goto(self.base_url)
        expect(self.launcher).to_be_visible()

    def open(self) -> None:
        self.visit()
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()
        self.page.evaluate(WATCH_TYPING)

    @property
    def launcher(self) -> Locator:
        return self.page.locator(".bl-launcher")

    @property
    def panel(self) -> Locator:
        return self.page.locator(".bl-panel")

    @property
    def input(self) -> Locator:
        return self.page.locator("#bl-input")

    @property
    def log(self) -> Locator:
        return self.page.locator(".bl-log")

    @property
    def messages(self) -> Locator:
        return self.page.locator(".bl-log .bl-msg")

    @property
    def quick_replies(self) -> Locator:
        return self.page.locator(".bl-quick-btn")

    def conversation_id(self) -> str:
        return str(self.page.evaluate("localStorage.getItem('bluelamp.conversation')"))

    def transcript(self) -> list[str]:
        """Every message's text as shown, oldest first."""
        return [t.strip() for t in self.page.locator(".bl-log .bl-msg .bl-text").all_inner_texts()]

    def bot_texts(self) -> list[str]:
        return [
            t.strip() for t in self.page.locator(".bl-log .bl-msg--out .bl-text").all_inner_texts()
        ]

    def screenshot(self, step: str) -> None:
        self.page.screenshot(path=str(self.artefacts / f"{self.name}-{step}.png"))

    # ---------- talking ----------
    def send(self, text: str) -> list[str]:
        """Type and press Enter; the texts of the messages that came back."""
        self.input.fill(text)
        return self.submit_and_wait(lambda: self.input.press("Enter"))

    def choose(self, title: str) -> list[str]:
        """Click a quick reply; the texts of the messages that came back."""
        button = self.quick_replies.filter(has_text=title)
        return self.submit_and_wait(lambda: button.click())

    def submit_and_wait(self, act: Any) -> list[str]:
        before = self.messages.count()
        act()
        mine = self.messages.nth(before)  # the person's own message, shown at once
        expect(mine).to_have_class("bl-msg bl-msg--in")
        expect(mine.locator(".bl-state")).to_have_text("", timeout=REPLY_TIMEOUT_MS)  # acked
        return self.wait_for_replies(before + 1)

    def wait_for_replies(self, after: int) -> list[str]:
        """Wait for a reply after message number `after`, then for the log to be still."""
        expect(self.messages.nth(after)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        count = self.messages.count()
        quiet_since = time.monotonic()
        deadline = quiet_since + REPLY_TIMEOUT_MS / 1000
        while time.monotonic() - quiet_since < QUIET_SECONDS or self.typing_shown():
            assert time.monotonic() < deadline, "the log never settled"
            self.page.wait_for_timeout(100)
            now = self.messages.count()
            if now != count:
                count, quiet_since = now, time.monotonic()
        texts = self.messages.locator(".bl-text").all_inner_texts()
        return [t.strip() for t in texts[after:]]

    def typing_shown(self) -> bool:
        # The assistant's or (staff taking part) a member of staff's indicator.
        return self.page.locator(".bl-typing:visible").count() > 0

    def typing_was_seen(self) -> bool:
        return bool(self.page.evaluate("window.__typingSeen === true"))

    # ---------- the engine's view, to know which question is being asked ----------
    def tracker(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.rasa_port}/conversations/{self.conversation_id()}/tracker"
        if self.rasa_token:
            url += f"?token={self.rasa_token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return dict(json.loads(response.read()))

    def requested_slot(self) -> str | None:
        slot = self.tracker()["slots"].get("requested_slot")
        return None if slot is None else str(slot)
