"""What every answer of the gateway must be, whatever was sent: no 5xx, the security
headers, and errors as JSON ``{"error": <a sentence>}`` (never aiohttp's plain text)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from channels.security import HEADERS

SECURITY_HEADERS = tuple(HEADERS)


def header(headers: Mapping[str, object], name: str) -> str | None:
    """A header from requests (str values) or schemathesis (lists of values)."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            if isinstance(value, list):
                return str(value[0]) if value else None
            return str(value)
    return None


def check_answer(status: int, headers: Mapping[str, object], body: bytes) -> None:
    assert status < 500, f"server error {status}: {body[:300]!r}"
    for name in SECURITY_HEADERS:
        assert header(headers, name), f"{status} answer without {name}"
    assert header(headers, "X-Content-Type-Options") == "nosniff"
    if status >= 400:
        content_type = header(headers, "Content-Type") or ""
        assert content_type.startswith("application/json"), (status, content_type, body[:200])
        error = json.loads(body)
        assert set(error) == {"error"}, error
        assert isinstance(error["error"], str) and error["error"].strip()
    if status == 429:
        retry = header(headers, "Retry-After")
        assert retry is not None and retry.isdigit() and int(retry) >= 1
