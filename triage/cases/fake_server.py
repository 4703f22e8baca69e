"""A small external records system implementing docs/case-system.openapi.yaml.

It stands in for a force's records management system in tests and demos: the HTTP
adapter is exercised against a real server over real sockets, including the failures
such a system has (5xx, slow answers, malformed bodies, answers lost after the work was
done). Cases are kept in a `SqlCaseSystem`, so verification and idempotency behave as
in the local store.

Run by hand: ``python -m triage.cases.fake_server --port 8099`` then point bluelamp at it
with ``BLUELAMP_CASE_SYSTEM=http BLUELAMP_CASE_SYSTEM_URL=http://127.0.0.1:8099``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from triage.cases.ports import ContactRecord, HandoffRequest
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.wire import MalformedBody, report_from_json, view_to_json

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Faults:
    """Failures the next requests meet, each counter used up one request at a time.

    Order per request: ``delay`` (sleep before answering, so a client times out),
    ``fail`` (answer ``fail_status`` without doing anything), then the real work, then
    ``lose`` (the work is done but the answer is a 500) or ``malformed`` (the work is
    done but the body is not JSON).
    """

    delay: int = 0
    delay_seconds: float = 5.0
    fail: int = 0
    fail_status: int = 503
    retry_after: int | None = None
    lose: int = 0
    malformed: int = 0


@dataclass
class Traffic:
    """What reached the server, for tests: (path, idempotency key) per request."""

    requests: list[tuple[str, str | None]] = field(default_factory=list)

    def count(self, path: str) -> int:
        return sum(1 for seen, _ in self.requests if seen == path)


FAULTS = web.AppKey("faults", Faults)
TRAFFIC = web.AppKey("traffic", Traffic)
STORE = web.AppKey("store", SqlCaseSystem)
TOKEN = web.AppKey("token", str)
REPLAYS = web.AppKey("replays", dict)


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": code}, status=status, headers=headers)


@web.middleware
async def _auth_and_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == "/v1/health":
        return await handler(request)
    app = request.app
    token = app[TOKEN]
    if token and request.headers.get("Authorization") != f"Bearer {token}":
        return _error(401, "unauthorised")
    app[TRAFFIC].requests.append((request.path, request.headers.get("Idempotency-Key")))
    faults = app[FAULTS]
    if faults.delay > 0:
        faults.delay -= 1
        await asyncio.sleep(faults.delay_seconds)
    if faults.fail > 0:
        faults.fail -= 1
        headers = {} if faults.retry_after is None else {"Retry-After": str(faults.retry_after)}
        return _error(faults.fail_status, "busy", headers)
    response = await handler(request)
    if faults.lose > 0:
        faults.lose -= 1
        return _error(500, "lost")
    if faults.malformed > 0 and response.status < 300:
        faults.malformed -= 1
        return web.Response(
            status=response.status, text='{"reference": ', content_type="application/json"
        )
    return response


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedBody("body is not JSON") from exc


async def _replayed(
    request: web.Request, act: Callable[[], Awaitable[web.Response]]
) -> web.Response:
    """Answer a repeated Idempotency-Key with the first answer, without acting again."""
    key = request.headers.get("Idempotency-Key")
    replays: dict[tuple[str, str], tuple[int, Any]] = request.app[REPLAYS]
    if key is not None and (request.path, key) in replays:
        status, body = replays[(request.path, key)]
        return web.json_response(body, status=status)
    response = await act()
    if key is not None and response.status < 300:
        replays[(request.path, key)] = (response.status, json.loads(response.text or "null"))
    return response


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def submit_report(request: web.Request) -> web.Response:
    try:
        report = report_from_json(await _json_body(request))
    except MalformedBody as exc:
        return _error(400, f"malformed_body: {exc}")
    if request.headers.get("Idempotency-Key") != report.idempotency_key:
        return _error(400, "idempotency_key_header_must_match_body")
    try:
        receipt = await request.app[STORE].submit(report)
    except ValueError as exc:
        return _error(400, f"rejected: {exc}")
    body = {"reference": receipt.reference, "created": receipt.created}
    return web.json_response(body, status=201 if receipt.created else 200)


def _detail(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("verify_detail"), str):
        raise MalformedBody("verify_detail must be a string")
    return str(body["verify_detail"])


async def lookup_case(request: web.Request) -> web.Response:
    try:
        detail = _detail(await _json_body(request))
    except MalformedBody as exc:
        return _error(400, f"malformed_body: {exc}")
    view = await request.app[STORE].lookup(request.match_info["reference"], detail)
    if view is None:
        return _error(404, "not_found")
    return web.json_response(view_to_json(view))


async def add_information(request: web.Request) -> web.Response:
    async def act() -> web.Response:
        try:
            body = await _json_body(request)
            detail = _detail(body)
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                raise MalformedBody("text must be a non-empty string")
        except MalformedBody as exc:
            return _error(400, f"malformed_body: {exc}")
        added = await request.app[STORE].add_information(
            request.match_info["reference"], detail, text
        )
        return web.json_response({"added": True}, status=201) if added else _error(404, "not_found")

    return await _replayed(request, act)


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


async def record_contact(request: web.Request) -> web.Response:
    async def act() -> web.Response:
        try:
            body = await _json_body(request)
            contact = ContactRecord(
                conversation_id=str(body["conversation_id"]),
                channel=str(body["channel"]),
                kind=str(body["kind"]),
                summary=_strings(body.get("summary")),
            )
        except (MalformedBody, KeyError, TypeError) as exc:
            return _error(400, f"malformed_body: {type(exc).__name__}")
        await request.app[STORE].record_contact(contact)
        return web.json_response({}, status=201)

    return await _replayed(request, act)


async def request_handoff(request: web.Request) -> web.Response:
    async def act() -> web.Response:
        try:
            body = await _json_body(request)
            handoff = HandoffRequest(
                conversation_id=str(body["conversation_id"]),
                channel=str(body["channel"]),
                reason=str(body["reason"]),
                priority=str(body["priority"]),
                intent=body.get("intent") if isinstance(body.get("intent"), str) else None,
                summary=_strings(body.get("summary")),
            )
        except (MalformedBody, KeyError, TypeError) as exc:
            return _error(400, f"malformed_body: {type(exc).__name__}")
        handoff_id = await request.app[STORE].request_handoff(handoff)
        return web.json_response({"id": handoff_id}, status=201)

    return await _replayed(request, act)


def create_app(
    store: SqlCaseSystem, *, token: str = "", faults: Faults | None = None
) -> web.Application:
    """The records system's web app over ``store`` (closed with the app)."""
    app = web.Application(middlewares=[_auth_and_faults])
    app[STORE] = store
    app[TOKEN] = token
    app[FAULTS] = faults or Faults()
    app[TRAFFIC] = Traffic()
    app[REPLAYS] = {}
    app.router.add_get("/v1/health", health)
    app.router.add_post("/v1/reports", submit_report)
    app.router.add_post("/v1/cases/{reference}/lookup", lookup_case)
    app.router.add_post("/v1/cases/{reference}/information", add_information)
    app.router.add_post("/v1/contacts", record_contact)
    app.router.add_post("/v1/handoff-requests", request_handoff)

    async def close_store(_app: web.Application) -> None:
        await store.close()

    app.on_cleanup.append(close_store)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the fake external records system")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--database", type=Path, default=Path("var/fake-records.db"))
    parser.add_argument("--token", default="")
    args = parser.parse_args(argv)
    args.database.parent.mkdir(parents=True, exist_ok=True)
    store = SqlCaseSystem.from_url(f"sqlite+aiosqlite:///{args.database}")

    async def build() -> web.Application:
        await store.create_schema()
        return create_app(store, token=args.token)

    web.run_app(build(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
