"""Debian's Chromium (headless, through Playwright) against the real stack: engine, action
server and gateway from `scripts/stack.py`, exactly as `make demo` runs them.

Chromium is the system package (`apt-get install chromium`; `.ci/run` installs it), never a
Playwright download. Screenshots and axe reports go to `results/browser/` as artefacts.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from browser.chat import Chat
from scripts.stack import ROOT, Stack

CHROMIUM = Path(os.environ.get("BLUELAMP_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = ROOT / "results" / "browser"
DESKTOP = {"width": 1280, "height": 800}

# Recorded from the first script on every page, before the widget runs.
RECORD_PROBLEMS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.effectiveDirective + " " + (e.blockedURI || "inline"));
});
"""


# Package scope, not session: Playwright's sync API keeps an event loop running in this
# thread, which the asyncio tests of other packages in the same run must not find there; and
# the stack's processes stop once the browser tests are done.
@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    assert (ROOT / "models" / "current.tar.gz").exists(), "no trained model: run `make train`"
    running = Stack.isolated(tmp_path_factory.mktemp("var"))
    with running.running(timeout=240):
        url = f"http://127.0.0.1:{running.gateway_port}/health"
        with urllib.request.urlopen(url, timeout=10) as response:
            checks = json.loads(response.read())["checks"]
        # Without the classifier the emergency tests would only see the bot's own advice.
        assert checks["triage"] == "ok", checks
        yield running


@pytest.fixture(scope="package")
def base_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.gateway_port}/"


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # A failure, not a skip: asking for the browser tests without a browser is a broken setup.
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's package (apt-get install chromium)")
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


def artefact_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")


@pytest.fixture
def viewport() -> dict[str, int]:
    """Overridden by tests that need another screen size."""
    return DESKTOP


@pytest.fixture
def context(browser: Browser, viewport: dict[str, int]) -> Iterator[BrowserContext]:
    scale = 4 if viewport["width"] <= 320 and viewport["height"] <= 256 else 1
    ctx = browser.new_context(viewport=viewport, device_scale_factor=scale, locale="en-GB")
    ctx.add_init_script(RECORD_PROBLEMS)
    yield ctx
    ctx.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught exceptions and console errors of the test's page (a test provoking some on
    purpose clears it)."""
    return []


@pytest.fixture
def page(
    context: BrowserContext,
    request: pytest.FixtureRequest,
    artefacts: Path,
    page_errors: list[str],
) -> Iterator[Page]:
    """A fresh visitor (new storage). Afterwards: a final screenshot, and the page must have
    broken no CSP rule and thrown nothing."""
    new_page = context.new_page()
    errors = page_errors
    new_page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    new_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield new_page
    name = artefact_name(request)
    new_page.screenshot(path=str(artefacts / f"{name}-final.png"))
    violations: Any = new_page.evaluate("window.__cspViolations || []")
    assert violations == [], f"CSP violations: {violations}"
    assert errors == [], f"errors in the page: {errors}"


@pytest.fixture
def chat(
    page: Page, stack: Stack, base_url: str, request: pytest.FixtureRequest, artefacts: Path
) -> Chat:
    return Chat(
        page, base_url, stack.rasa_port, artefacts, artefact_name(request), stack.rasa_token
    )
