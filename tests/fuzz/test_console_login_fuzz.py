"""Console sign-in under malformed input: any JSON, bytes, wrong content types, missing or
foreign origins, over-long names and passwords. Always a 4xx with a JSON sentence and the
security headers; never a session cookie; the right password still works afterwards."""

from __future__ import annotations

import json
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.console.auth import COOKIE

from .checks import check_answer
from .live import PASSWORD, LiveGateway

login_settings = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
REFUSALS = (400, 401, 403, 413, 415, 429)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
credentials = st.fixed_dictionaries(
    {},
    optional={
        "username": st.one_of(json_values, st.text(max_size=120), st.just("sup1")),
        "password": st.one_of(json_values, st.text(max_size=300), st.text(min_size=257)),
    },
)
bodies = st.one_of(
    credentials.map(lambda body: json.dumps(body).encode()),
    json_values.map(lambda body: json.dumps(body).encode()),
    st.binary(max_size=300),
    st.just(b"{" * 3000),
    st.just(b'{"username": "sup1", "password": "' + b"x" * 40000 + b'"}'),
)
content_types = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "", "text/html"]
)


def login(
    live: LiveGateway, body: bytes, content_type: str, origin: str | None
) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    if origin is not None:
        headers["Origin"] = origin
    return requests.post(
        f"{live.base_url}/console/api/login", data=body, headers=headers, timeout=10
    )


origins = st.sampled_from(["own", None, "null", "https://evil.example"])


@given(body=bodies, content_type=content_types, origin=origins)
@login_settings
def test_malformed_sign_ins_are_refused_clearly(
    live: LiveGateway, body: bytes, content_type: str, origin: str | None
) -> None:
    sent_origin = live.origin if origin == "own" else origin
    if _is_correct(body) and content_type == "application/json" and origin == "own":
        return
    resp = login(live, body, content_type, sent_origin)
    check_answer(resp.status_code, resp.headers, resp.content)
    assert resp.status_code in REFUSALS, (resp.status_code, resp.text)
    assert COOKIE not in resp.cookies
    if origin != "own":
        assert resp.status_code == 403  # refused before the body is read


def _is_correct(body: bytes) -> bool:
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("password") == PASSWORD


def test_the_right_password_still_works_after_the_fuzz(live: LiveGateway) -> None:
    body = json.dumps({"username": "op1", "password": PASSWORD}).encode()
    resp = login(live, body, "application/json", live.origin)
    assert resp.status_code == 200, resp.text
    assert COOKIE in resp.cookies
    check_answer(resp.status_code, resp.headers, resp.content)
