"""Schemathesis against the live gateway, driven by docs/gateway.openapi.yaml: generated
valid and invalid requests (bodies, query and path values, unicode) to every operation,
once without a session and once signed in as a supervisor (cookie, CSRF token and the
gateway's own origin). Every answer: no 5xx, conforming to the description (status,
content type, body schema, documented headers), the security headers, JSON errors.

Bounded and reproducible: ``max_examples`` per operation with ``derandomize``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from channels.openapi import OPENAPI_PATH

from .checks import check_answer
from .live import PASSWORD, LiveGateway

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = 40

schema = schemathesis.openapi.from_path(OPENAPI_PATH)
signed_in_schema = schema.include(path_regex=r"^/console/").exclude(
    path_regex=r"^/console/api/(login|logout)$"
)


@dataclass(frozen=True)
class Staff:
    cookies: dict[str, str]
    headers: dict[str, str]


@pytest.fixture(scope="module")
def supervisor(live: LiveGateway) -> Iterator[Staff]:
    with requests.Session() as session:
        resp = session.post(
            f"{live.base_url}/console/api/login",
            json={"username": "sup1", "password": PASSWORD},
            headers={"Origin": live.origin},
        )
        assert resp.status_code == 200, resp.text
        yield Staff(
            cookies={"bl_console": str(session.cookies["bl_console"])},
            headers={"Origin": live.origin, "X-CSRF-Token": resp.json()["csrf"]},
        )


fuzz_settings = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@fuzz_settings
def test_anonymous_requests(case: schemathesis.Case, live: LiveGateway) -> None:
    response = case.call_and_validate(base_url=live.base_url, checks=CHECKS, timeout=10)
    check_answer(response.status_code, response.headers, response.content)


@signed_in_schema.parametrize()
@fuzz_settings
def test_signed_in_supervisor_requests(
    case: schemathesis.Case, live: LiveGateway, supervisor: Staff
) -> None:
    response = case.call_and_validate(
        base_url=live.base_url,
        checks=CHECKS,
        headers=supervisor.headers,
        cookies=supervisor.cookies,
        timeout=10,
    )
    check_answer(response.status_code, response.headers, response.content)
    assert response.status_code != 401, "the fuzz must not end the supervisor's session"
