"""WCAG 2.2 AA in the browser: keyboard only, 400% zoom and a phone-width screen, axe-core, and
the Content-Security-Policy as Chromium enforces it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from browser.chat import Chat
from scripts.stack import ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ZOOM_400 = {"width": 320, "height": 256}  # a 1280x1024 screen at 400%
PHONE = {"width": 320, "height": 568}
P1_TEXT = "A man with a knife is breaking into my house right now"

FOCUSED = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return { cls: e.className || e.tagName, text: (e.textContent || "").trim(),
           inPanel: !!e.closest(".bl-panel"), outline: s.outlineStyle + " " + s.outlineWidth };
}"""


def focused(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(FOCUSED))


def tab_until(page: Page, wanted: str, key: str = "Tab", limit: int = 20) -> list[dict[str, Any]]:
    """Press `key` until an element with class `wanted` has focus; every stop on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        seen.append(now)
        if wanted in str(now["cls"]).split():
            return seen
    raise AssertionError(f"never reached .{wanted}: {seen}")


def test_keyboard_only(chat: Chat) -> None:
    page = chat.page
    chat.visit()
    stops = tab_until(page, "bl-launcher")
    assert stops[0]["cls"] == "skip-link", stops  # the page's own first stop is kept
    assert not any(s["inPanel"] for s in stops), "hidden chat controls took focus"
    assert stops[-1]["outline"] == "solid 3px", "focus on the launcher is not visible"

    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    assert focused(page)["outline"] == "solid 3px"
    page.keyboard.type("hello")
    chat.submit_and_wait(lambda: page.keyboard.press("Enter"))
    expect(chat.quick_replies.first).to_be_visible()
    expect(chat.input).to_be_focused()

    # Back from the input to the quick replies, and choose one with the keyboard.
    stop = tab_until(page, "bl-quick-btn", key="Shift+Tab")[-1]
    while stop["text"] != "Report a theft":
        page.keyboard.press("Shift+Tab")
        stop = focused(page)
        assert "bl-quick-btn" in stop["cls"], stop
    assert stop["outline"] == "solid 3px"
    chat.screenshot("quick-reply-focused")
    chat.submit_and_wait(lambda: page.keyboard.press("Enter"))
    assert "Report a theft" in chat.transcript()
    expect(chat.input).to_be_focused()
    assert chat.requested_slot() == "incident_description"
    page.keyboard.type("someone took my bike from the rack")
    chat.submit_and_wait(lambda: page.keyboard.press("Enter"))
    assert chat.requested_slot() == "incident_when"

    # Tab reaches Send; Escape closes and gives focus back; Enter reopens with the transcript.
    page.keyboard.press("Tab")
    assert "bl-send" in focused(page)["cls"]
    messages = chat.transcript()
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    assert chat.transcript() == messages
    # The Close button, reached by keyboard, also hands focus back to the launcher.
    tab_until(page, "bl-close", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()


@pytest.mark.parametrize("viewport", [ZOOM_400, PHONE], ids=["zoom-400", "phone-320"])
def test_usable_at_400_percent_zoom_and_phone_width(chat: Chat, viewport: dict[str, int]) -> None:
    page = chat.page
    width, height = viewport["width"], viewport["height"]
    chat.visit()
    no_sideways = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways), "the page scrolls sideways"
    expect(chat.launcher).to_be_in_viewport()
    chat.launcher.click()
    box = chat.panel.bounding_box()
    assert box is not None
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, width, height), box
    line = page.locator(".bl-emergency")
    expect(line).to_be_in_viewport()
    expect(line).to_contain_text("In an emergency call 999")

    chat.send("hello")
    expect(line).to_be_in_viewport()  # stays visible while the conversation scrolls
    for button in chat.quick_replies.all():
        b = button.bounding_box()
        assert b is not None and b["x"] >= 0 and b["x"] + b["width"] <= width, b
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('.bl-panel, .bl-panel *')]
             .filter(e => !e.closest('.bl-visually-hidden'))
             .filter(e => (e.scrollWidth > e.clientWidth + 1
                           && getComputedStyle(e).overflowX !== 'visible')
                          || e.getBoundingClientRect().right > window.innerWidth + 1)
             .map(e => e.className || e.tagName)"""
    )
    assert overflow == [], f"cut off or sideways scrolling: {overflow}"
    assert page.evaluate(no_sideways)
    chat.screenshot("conversation")

    # Everything needed is reachable by scrolling the chat alone: type, Send, Close.
    chat.input.fill("what time does the front counter at the station open")
    send = page.locator(".bl-send")
    send.scroll_into_view_if_needed()
    expect(send).to_be_in_viewport()
    replies = chat.submit_and_wait(lambda: send.click())
    assert replies
    expect(line).to_be_in_viewport()
    chat.screenshot("after-send")
    close = page.locator(".bl-close")
    close.scroll_into_view_if_needed()
    close.click()
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_in_viewport()


def run_axe(page: Page, artefacts: Path, name: str) -> dict[str, Any]:
    """axe-core from node_modules (never a CDN), evaluated in the page; the report is saved."""
    assert AXE.exists(), "axe-core is missing: run `npm ci`"
    page.evaluate(AXE.read_text())
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    (artefacts / f"axe-{name}.json").write_text(
        json.dumps({k: results[k] for k in ("violations", "incomplete")}, indent=1)
    )
    return results


def serious(results: dict[str, Any]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, ZOOM_400], ids=["desktop", "zoom-400"]
)
def test_axe_finds_no_serious_violations(
    chat: Chat, artefacts: Path, viewport: dict[str, int]
) -> None:
    page = chat.page
    chat.visit()
    closed = run_axe(page, artefacts, f"{chat.name}-closed")
    assert serious(closed) == []

    # Open, with everything the widget can show: quick replies, guidance, an input error.
    chat.launcher.click()
    chat.send("hello")
    expect(chat.quick_replies.first).to_be_visible()
    chat.send(P1_TEXT)
    expect(page.locator(".bl-msg--emergency").first).to_be_visible()
    chat.input.fill("x" * 2100)
    chat.input.press("Enter")
    expect(page.locator("#bl-error")).to_contain_text("Your message is too long")
    chat.screenshot("axe-state")
    results = run_axe(page, artefacts, f"{chat.name}-open")
    assert serious(results) == []
    checked = {rule["id"] for rule in results["passes"] + results["incomplete"]}
    wanted = {"color-contrast", "label", "button-name", "target-size", "aria-required-attr"}
    assert wanted <= checked, checked

    # Control: the same harness reports a real problem when there is one.
    page.evaluate(
        """() => { const i = document.createElement('img'); i.src = 'data:,'; i.id = 'axe-probe';
                   document.querySelector('.bl-log').appendChild(i); }"""
    )
    probe = run_axe(page, artefacts, f"{chat.name}-probe")
    assert any(v.startswith("image-alt") for v in serious(probe)), probe["violations"]


def test_strict_csp_is_served_and_enforced(
    chat: Chat, base_url: str, page_errors: list[str]
) -> None:
    page = chat.page
    for path in ("", "widget.js", "widget.css"):
        csp = page.request.get(base_url + path).headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", csp
        assert directives["default-src"] == "'self'" and "unsafe" not in csp, csp
        assert directives["require-trusted-types-for"] == "'script'", csp
    chat.open()
    chat.send("hello")  # the widget works under the policy (the page fixture checks no reports)

    refused = page.evaluate(
        """async () => {
          const out = {};
          try { document.body.innerHTML = '<b>x</b>'; out.innerHTML = 'allowed'; }
          catch (e) { out.innerHTML = e.name; }
          const style = document.createElement('style');
          style.textContent = 'body { background: rgb(1, 2, 3) !important; }';
          document.head.appendChild(style);
          out.inlineStyle = getComputedStyle(document.body).backgroundColor;
          try { await fetch('http://example.invalid/'); out.fetch = 'allowed'; }
          catch (e) { out.fetch = e.name; }
          await new Promise(r => setTimeout(r, 100));
          out.reports = window.__cspViolations.map(v => v.split(' ')[0]);
          window.__cspViolations = [];
          return out;
        }"""
    )
    assert refused["innerHTML"] == "TypeError", refused  # Trusted Types: no HTML sinks
    assert refused["inlineStyle"] != "rgb(1, 2, 3)", refused
    assert refused["fetch"] == "TypeError", refused
    assert {"style-src-elem", "connect-src", "require-trusted-types-for"} <= set(
        refused["reports"]
    ), refused
    page_errors.clear()  # the refusals above were logged on purpose
