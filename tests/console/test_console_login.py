"""Signing in and out: passwords, the cookie, CSRF and origin checks, limits, idle expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp.test_utils import TestServer

from channels.keys import console_key
from triage.settings import Settings
from triage.staff.ports import AuditAction, AuditQuery

from .conftest import GatewayFactory, StaffFactory
from .support import PASSWORD, StaffClient, error_of


async def audit_of(server: TestServer, **query: object) -> list[tuple[str, str, str | None]]:
    entries = await server.app[console_key].audit.search(AuditQuery(**query))  # type: ignore[arg-type]
    return [(e.actor, e.action.value, e.detail) for e in entries]


async def test_sign_in_gives_the_user_a_csrf_token_and_a_protected_cookie(
    staff: StaffFactory, gateway: TestServer
) -> None:
    client = await staff()
    resp = await client.login("OP1 ")  # user names are trimmed and case-insensitive
    assert resp.status == 200
    body = await resp.json()
    assert body["user"] == {"username": "op1", "display_name": "Operator One", "role": "operator"}
    assert len(body["csrf"]) >= 20 and body["idle_seconds"] == 900
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("bl_console=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "path", "samesite"} <= attributes
    assert "Path=/console" in cookie and "SameSite=Strict" in cookie
    assert "secure" not in attributes
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Referrer-Policy"] == "same-origin"

    me = await client.get("/console/api/me")
    assert me.status == 200
    assert (await me.json())["csrf"] == body["csrf"]
    assert ("op1", "sign_in", None) in await audit_of(gateway, actor="op1")


async def test_secure_cookie_when_configured(
    gateway_factory: GatewayFactory, make_settings: Callable[..., Settings]
) -> None:
    server = await gateway_factory(make_settings(console_secure_cookie=True))
    client = StaffClient(server.make_url(""))
    try:
        resp = await client.login("op1")
        assert resp.status == 200
        assert "Secure" in resp.headers["Set-Cookie"]
    finally:
        await client.close()


async def test_a_wrong_password_an_unknown_name_and_a_disabled_account_are_refused_alike(
    staff: StaffFactory, gateway: TestServer
) -> None:
    client = await staff()
    answers = [
        await client.login("op2", "not-the-password-at-all"),
        await client.login("nobody-here", PASSWORD),
        await client.login("gone1", PASSWORD),
    ]
    assert [r.status for r in answers] == [401, 401, 401]
    messages = {await error_of(r) for r in answers}
    assert len(messages) == 1  # nothing tells them apart
    assert client.cookie() is None
    assert (await client.get("/console/api/me")).status == 401
    failed = await audit_of(gateway, action=AuditAction.SIGN_IN_FAILED)
    assert ("op2", "sign_in_failed", "bad_password") in failed
    assert ("unknown", "sign_in_failed", "unknown_user") in failed
    assert ("gone1", "sign_in_failed", "disabled") in failed
    assert not any("nobody" in actor for actor, _, _ in failed)


async def test_failed_sign_ins_are_limited_per_name_and_the_right_password_waits_too(
    gateway_factory: GatewayFactory, make_settings: Callable[..., Settings]
) -> None:
    server = await gateway_factory(make_settings(console_login_limit="2 per 15 minutes"))
    client = StaffClient(server.make_url(""))
    try:
        for _ in range(2):
            assert (await client.login("op2", "wrong-password-123")).status == 401
        limited = await client.login("op2", PASSWORD)
        assert limited.status == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 15 * 60
        assert "minutes" in await error_of(limited)
        assert client.cookie() is None
    finally:
        await client.close()


async def test_failed_sign_ins_are_limited_per_address_across_names(
    gateway_factory: GatewayFactory, make_settings: Callable[..., Settings]
) -> None:
    server = await gateway_factory(make_settings(console_login_limit="3 per 15 minutes"))
    client = StaffClient(server.make_url(""))
    try:
        for name in ("a-name", "b-name", "c-name"):
            assert (await client.login(name, "wrong-password-123")).status == 401
        assert (await client.login("op1", PASSWORD)).status == 429  # same address
    finally:
        await client.close()


async def test_malformed_sign_in_requests_get_clear_answers(staff: StaffFactory) -> None:
    client = await staff()
    origin = {"Origin": client.origin}
    bad_json = await client.session.post(
        "/console/api/login",
        data=b"{not json",
        headers={**origin, "Content-Type": "application/json"},
    )
    assert bad_json.status == 400 and "JSON" in await error_of(bad_json)
    not_object = await client.session.post("/console/api/login", json=[1], headers=origin)
    assert not_object.status == 400
    no_name = await client.session.post(
        "/console/api/login", json={"password": "x"}, headers=origin
    )
    assert no_name.status == 400 and "user name" in await error_of(no_name)
    huge = await client.session.post(
        "/console/api/login",
        json={"username": "op1", "password": "x" * 100_000},
        headers=origin,
    )
    assert huge.status == 413
    form = await client.session.post("/console/api/login", data="a=b", headers=origin)
    assert form.status == 415


async def test_sign_in_from_another_origin_is_refused(staff: StaffFactory) -> None:
    client = await staff()
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {}):
        resp = await client.session.post(
            "/console/api/login", json={"username": "op1", "password": PASSWORD}, headers=headers
        )
        assert resp.status == 403
    assert client.cookie() is None


async def test_unsafe_requests_need_the_csrf_token_and_the_console_origin(
    staff: StaffFactory,
) -> None:
    client = await staff("op1")
    missing = await client.post("/console/api/logout", csrf="")
    assert missing.status == 403 and "security token" in await error_of(missing)
    wrong = await client.post("/console/api/logout", csrf=client.csrf[:-1] + "x")
    assert wrong.status == 403
    other_site = await client.post("/console/api/logout", origin="https://evil.example")
    assert other_site.status == 403
    no_origin = await client.session.post(
        "/console/api/logout", json={}, headers={"X-CSRF-Token": client.csrf}
    )
    assert no_origin.status == 403
    by_referer = await client.session.post(
        "/console/api/logout",
        json={},
        headers={"X-CSRF-Token": client.csrf, "Referer": f"{client.origin}/console"},
    )
    assert by_referer.status == 204  # a same-origin Referer stands in for Origin


async def test_sign_out_ends_the_session_everywhere_and_is_audited(
    staff: StaffFactory, gateway: TestServer
) -> None:
    client = await staff("op1")
    stolen = client.cookie()
    resp = await client.post("/console/api/logout")
    assert resp.status == 204
    assert (await client.get("/console/api/me")).status == 401
    other = await staff()
    other.session.cookie_jar.update_cookies({"bl_console": stolen or ""}, client.base)
    assert (await other.get("/console/api/me")).status == 401
    assert ("op1", "sign_out", None) in await audit_of(gateway, actor="op1")


async def test_signing_in_again_never_keeps_the_old_session(staff: StaffFactory) -> None:
    client = await staff("op1")
    first = client.cookie()
    assert (await client.login("op1")).status == 200
    assert client.cookie() not in (None, first)
    replay = await staff()
    replay.session.cookie_jar.update_cookies({"bl_console": first or ""}, client.base)
    assert (await replay.get("/console/api/me")).status == 401


async def test_an_idle_session_expires(
    gateway_factory: GatewayFactory, make_settings: Callable[..., Settings]
) -> None:
    server = await gateway_factory(make_settings(console_idle_seconds=1))
    client = StaffClient(server.make_url(""))
    try:
        assert (await client.login("op1")).status == 200
        assert (await client.get("/console/api/me")).status == 200
        await asyncio.sleep(2.2)  # waiting out the idle timeout, not timing anything
        expired = await client.get("/console/api/me")
        assert expired.status == 401
        assert "sign in again" in await error_of(expired)
    finally:
        await client.close()


async def test_not_signed_in_gets_401_on_every_api(staff: StaffFactory) -> None:
    client = await staff()
    for path in ("/console/api/me", "/console/api/queue", "/console/api/canned"):
        assert (await client.get(path)).status == 401


async def test_the_demo_without_redis_keeps_sessions_in_the_process(
    gateway_factory: GatewayFactory, make_settings: Callable[..., Settings]
) -> None:
    server = await gateway_factory(make_settings(redis_url=None))
    client = StaffClient(server.make_url(""))
    try:
        assert (await client.login("op1")).status == 200
        assert (await client.get("/console/api/queue")).status == 200
        assert (await client.post("/console/api/logout")).status == 204
        assert (await client.get("/console/api/me")).status == 401
    finally:
        await client.close()
