"""Security headers on every response; the demo page and widget are CSP-compatible."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

import pytest
from gateway_testing import Client

from channels.static import STATIC_DIR

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
)


def assert_security_headers(headers: Mapping[str, str]) -> None:
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/widget.js", 200),
        ("GET", "/widget.css", 200),
        ("GET", "/demo.css", 200),
        ("GET", "/health", 200),
        ("GET", "/no-such-page", 404),
        ("GET", "/webhooks/rest/webhook", 405),
        ("POST", "/webhooks/rest/webhook", 415),
        ("GET", "/ws", 400),
    ],
)
async def test_every_response_carries_the_security_headers(
    gateway: Client, method: str, path: str, status: int
) -> None:
    resp = await gateway.request(method, path)
    assert resp.status == status
    assert_security_headers(resp.headers)


async def test_websocket_upgrade_carries_the_security_headers(gateway: Client) -> None:
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
        "Sec-WebSocket-Version": "13",
    }
    resp = await gateway.get("/ws?conversation=c1", headers=headers)
    assert resp.status == 101
    assert_security_headers(resp.headers)
    resp.close()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html"),
        ("/widget.js", "text/javascript"),
        ("/widget.css", "text/css"),
        ("/demo.css", "text/css"),
    ],
)
async def test_static_files_are_served_whole_with_their_type(
    gateway: Client, path: str, content_type: str
) -> None:
    resp = await gateway.get(path)
    assert resp.content_type == content_type
    name = "demo.html" if path == "/" else path.lstrip("/")
    assert await resp.read() == (STATIC_DIR / name).read_bytes()


async def test_demo_page_hosts_the_widget_with_one_tag_and_nothing_inline(gateway: Client) -> None:
    html = await (await gateway.get("/")).text()
    assert "Northshire Police" in html
    assert html.count("<script") == 1
    assert '<script src="/widget.js" defer></script>' in html
    assert "999" in html and "101" in html
    assert not re.search(r"\sstyle=", html)  # inline styles would break under the CSP
    assert not re.search(r"\son[a-z]+=", html)  # so would inline event handlers
    assert "<style" not in html
    assert "http://" not in html and "cdn" not in html.lower()


def widget_code() -> str:
    """widget.js without comments, so the checks look at code only."""
    source = (STATIC_DIR / "widget.js").read_text()
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"^\s*//.*$", "", source, flags=re.M)


def test_widget_never_parses_text_as_html() -> None:
    code = widget_code()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code
    assert "textContent" in code
    assert ".style." not in code and 'setAttribute("style"' not in code


def test_widget_has_the_accessibility_and_safety_essentials() -> None:
    code = widget_code()
    for needle in (
        'setAttribute("role", "log")',
        'setAttribute("aria-live", "polite")',
        "In an emergency call 999",
        'htmlFor = "bl-input"',
        'setAttribute("aria-expanded"',
        '"Escape"',
        "localStorage",
        '{ type: "history" }',
        "transmit(p)",
        "dateTime",
    ):
        assert needle in code, needle


def test_widget_css_shows_focus() -> None:
    css = (STATIC_DIR / "widget.css").read_text()
    assert ":focus-visible" in css
    assert "outline: 3px solid" in css
