"""The console's live socket when the connection fails: it says so, reconnects by itself
(waiting longer each time), and an ended session (close code 4401) returns to sign-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, WebSocketRoute, expect

from browser.console import LIVE_TIMEOUT_MS, Console, StaffMember, add_staff, console_page
from scripts.stack import Stack

pytestmark = pytest.mark.browser

OPERATOR = StaffMember("op-socket", "Kim Operator", "operator", "blue lamp socket 4444")
CONSOLE_SOCKET = re.compile(r"/console/ws$")


@pytest.fixture(scope="module")
def staff(stack: Stack) -> StaffMember:
    add_staff(stack, OPERATOR)
    return OPERATOR


@pytest.fixture
def operator(
    browser: Browser, base_url: str, artefacts: Path, request: pytest.FixtureRequest
) -> Iterator[Console]:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-") + "-operator"
    with console_page(browser, base_url, artefacts, name, None) as console:
        yield console


def wait_for_sockets(console: Console, routes: list[WebSocketRoute], count: int) -> None:
    """Let the page run until it has opened ``count`` sockets through the route."""
    for _ in range(LIVE_TIMEOUT_MS // 100):
        if len(routes) >= count:
            break
        console.page.wait_for_timeout(100)
    assert len(routes) == count, f"{len(routes)} sockets, expected {count}"


def test_reconnects_after_the_connection_drops(operator: Console, staff: StaffMember) -> None:
    gateway = {"up": True}
    routes: list[WebSocketRoute] = []

    def route(ws: WebSocketRoute) -> None:
        if not gateway["up"]:
            ws.close(code=1011, reason="gateway down")
            return
        ws.connect_to_server()
        routes.append(ws)

    operator.page.route_web_socket(CONSOLE_SOCKET, route)
    operator.sign_in(staff)
    wait_for_sockets(operator, routes, 1)
    status = operator.page.locator("#c-connection")

    gateway["up"] = False
    routes[0].close(code=1001, reason="going away")
    expect(status).to_have_text("Connection lost. Reconnecting…")
    expect(status).to_have_class(re.compile("c-connection--lost"))
    operator.screenshot("connection-lost")
    # Refused while "down": it keeps trying (the second wait is longer than the first).
    operator.page.wait_for_timeout(2_500)
    gateway["up"] = True
    wait_for_sockets(operator, routes, 2)
    expect(status).to_be_empty(timeout=LIVE_TIMEOUT_MS)  # connected again
    expect(operator.page.locator("#c-app")).to_be_visible()  # still signed in
    operator.screenshot("reconnected")


def test_an_ended_session_closes_the_socket_and_returns_to_sign_in(
    operator: Console, staff: StaffMember
) -> None:
    routes: list[WebSocketRoute] = []

    def route(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        routes.append(ws)

    operator.page.route_web_socket(CONSOLE_SOCKET, route)
    operator.sign_in(staff)
    wait_for_sockets(operator, routes, 1)
    # What the gateway does when the session ends while the console is open.
    routes[-1].close(code=4401, reason="session ended")
    expect(operator.page.locator("#c-signin")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(operator.page.locator("#c-signin-notice")).to_have_text(
        "Your session has ended. Please sign in again."
    )
    operator.screenshot("session-ended")
