"""Every answer carries the security headers, errors included; what a person or client
sends is never given back as HTML: injection payloads in paths, queries, bodies and
headers come back (if at all) only inside JSON, under ``nosniff`` and the strict CSP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from channels.json_errors import INTERNAL, json_errors
from channels.openapi import OPENAPI_PATH
from channels.security import CSP, add_security_headers

from .checks import check_answer, header
from .live import PASSWORD, LiveGateway

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)//\u202e<b>",
)


@pytest.fixture(scope="module")
def staff(live: LiveGateway) -> Iterator[requests.Session]:
    with requests.Session() as session:
        resp = session.post(
            f"{live.base_url}/console/api/login",
            json={"username": "sup1", "password": PASSWORD},
            headers={"Origin": live.origin},
        )
        assert resp.status_code == 200
        session.headers.update({"Origin": live.origin, "X-CSRF-Token": resp.json()["csrf"]})
        yield session


def requests_with(
    live: LiveGateway, staff: requests.Session, payload: str
) -> Iterator[requests.Response]:
    base = live.base_url
    quoted = quote(payload, safe="")
    yield requests.get(f"{base}/{quoted}")
    yield requests.get(f"{base}/", params={"q": payload})
    yield requests.get(f"{base}/console", params={"q": payload})
    yield requests.get(f"{base}/ws", params={"conversation": payload})
    yield requests.get(f"{base}/webhooks/x", params={"crc_token": payload})
    yield requests.post(f"{base}/webhooks/rest/webhook", json={"sender": payload, "message": "hi"})
    yield requests.post(f"{base}/webhooks/rest/webhook", json={"sender": "s1", "message": payload})
    yield requests.post(
        f"{base}/webhooks/rest/webhook", json={"sender": "s1", "metadata": payload, "message": "x"}
    )
    yield requests.post(
        f"{base}/webhooks/rest/webhook", data=payload, headers={"Content-Type": "text/html"}
    )
    yield requests.post(
        f"{base}/console/api/login",
        json={"username": payload, "password": payload},
        headers={"Origin": live.origin},
    )
    yield staff.get(f"{base}/console/api/conversations/{quoted}")
    yield staff.get(f"{base}/console/api/audit", params={"action": payload, "actor": payload})
    yield staff.get(f"{base}/console/api/audit", params={"since": payload})
    yield staff.post(f"{base}/console/api/items/item-1/reassign", json={"to": payload})
    yield staff.post(f"{base}/console/api/conversations/c1/close", json={"outcome": payload})
    yield staff.post(f"{base}/console/api/conversations/c1/attach", json={"reference": payload})


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injected_text_is_never_served_as_html(
    live: LiveGateway, staff: requests.Session, payload: str
) -> None:
    for resp in requests_with(live, staff, payload):
        check_answer(resp.status_code, resp.headers, resp.content)
        content_type = resp.headers.get("Content-Type", "")
        if payload in resp.text or payload.encode() in resp.content:
            assert content_type.startswith("application/json"), (resp.url, content_type)
        if content_type.startswith("text/html"):
            assert "<script>alert" not in resp.text and "onerror=" not in resp.text
            assert "onload=" not in resp.text


def test_every_kind_of_answer_carries_the_security_headers(live: LiveGateway) -> None:
    base = live.base_url
    answers = [
        requests.get(f"{base}/"),
        requests.get(f"{base}/widget.js"),
        requests.get(f"{base}/console"),
        requests.get(f"{base}/health"),
        requests.get(f"{base}/openapi.yaml"),
        requests.get(f"{base}/no/such/page"),  # 404
        requests.delete(f"{base}/health"),  # 405
        requests.post(
            f"{base}/webhooks/rest/webhook",
            data=b"x" * 70_000,
            headers={"Content-Type": "application/json"},
        ),  # 413
        requests.post(
            f"{base}/webhooks/rest/webhook", data=b"{}", headers={"Content-Type": "text/plain"}
        ),
        requests.post(
            f"{base}/webhooks/rest/webhook", data=b"{", headers={"Content-Type": "application/json"}
        ),
        requests.get(f"{base}/console/api/me"),  # 401
        requests.post(f"{base}/console/api/logout"),  # 403 (no origin)
        requests.post(f"{base}/webhooks/x", data=b"{}"),  # 401
        requests.get(f"{base}/ws", params={"conversation": "c1"}),  # 400: no upgrade
    ]
    statuses = set()
    for resp in answers:
        check_answer(resp.status_code, resp.headers, resp.content)
        assert header(resp.headers, "Content-Security-Policy") == CSP
        statuses.add(resp.status_code)
    assert {200, 400, 401, 403, 404, 405, 413, 415} <= statuses


def test_405_keeps_allow_and_unknown_paths_answer_json(live: LiveGateway) -> None:
    resp = requests.put(f"{live.base_url}/webhooks/rest/webhook", data=b"{}")
    assert resp.status_code == 405
    assert "POST" in resp.headers["Allow"]
    assert "PUT" in resp.json()["error"]


async def test_an_unexpected_crash_is_a_json_500_without_a_traceback() -> None:
    async def broken(request: web.Request) -> web.Response:
        raise KeyError("secret-internal-detail")

    app = web.Application(middlewares=[json_errors])
    app.on_response_prepare.append(add_security_headers)
    app.router.add_get("/broken", broken)
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/broken")
        body = await resp.read()
    assert resp.status == 500
    assert json.loads(body) == {"error": INTERNAL}
    assert b"secret-internal-detail" not in body and b"Traceback" not in body
    assert resp.headers["Content-Security-Policy"] == CSP


def test_the_description_is_served_and_covers_every_route(live: LiveGateway) -> None:
    resp = requests.get(f"{live.base_url}/openapi.yaml")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/yaml")
    served = yaml.safe_load(resp.text)
    assert served == yaml.safe_load(OPENAPI_PATH.read_text())
    assert served["openapi"].startswith("3.1")
    routes = {
        (route.method.lower(), route.resource.canonical)
        for route in live.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    described = {
        (method, path)
        for path, operations in served["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert routes == described
