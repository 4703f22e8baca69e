"""`CaseSystem` adapter for a force's external records system over HTTP.

The contract is docs/case-system.openapi.yaml. Every call is retried with exponential
backoff and full jitter on connection errors, timeouts, 408, 429, 5xx and malformed
bodies; each try has its own timeout, so the whole call is bounded (tries x timeout plus
the pauses) and a conversation never waits on a hung server. Retrying POSTs is safe
because each call sends one Idempotency-Key for all its tries.

The aiohttp session is opened on first use, in the running loop, and closed by `close()`.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import structlog

from triage.cases.ports import (
    CaseSystem,
    CaseSystemRejected,
    CaseSystemUnavailable,
    CaseView,
    ContactRecord,
    HandoffRequest,
    Receipt,
    ReportSubmission,
)
from triage.cases.processing_log import Access
from triage.cases.references import (
    is_valid_reference,
    normalise_receipt_code,
    normalise_reference,
)
from triage.cases.wire import MalformedBody, report_to_json, view_from_json

log = structlog.get_logger(__name__)
T = TypeVar("T")
_RETRY_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries, how long each may take, and how long to pause between them."""

    attempts: int = 3
    timeout_seconds: float = 2.0
    backoff_base_seconds: float = 0.2
    backoff_cap_seconds: float = 2.0
    retry_after_cap_seconds: float = 5.0

    def pause(self, attempt: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        """Full jitter (a random pause up to the exponential ceiling), or the server's wish."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_cap_seconds)
        ceiling = min(self.backoff_cap_seconds, self.backoff_base_seconds * 2 ** (attempt - 1))
        return ceiling * rand()


class _Retry(Exception):
    """One try failed in a way worth another try."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("Retry-After")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None  # an HTTP date: ignore it and use our own backoff


def _submit_result(data: Any) -> Receipt:
    if not isinstance(data, Mapping):
        raise MalformedBody("submit result must be an object")
    reference, created = data.get("reference"), data.get("created")
    if not isinstance(reference, str) or not is_valid_reference(reference):
        raise MalformedBody("reference missing or fails its check character")
    if not isinstance(created, bool):
        raise MalformedBody("created must be true or false")
    return Receipt(reference=reference, created=created)


def _handoff_id(data: Any) -> str:
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        raise MalformedBody("handoff result must carry an id")
    return str(data["id"])


def _added(data: Any) -> bool:
    if not isinstance(data, Mapping) or data.get("added") is not True:
        raise MalformedBody("information result must say added: true")
    return True


def _ignore(_data: Any) -> None:
    return None


class HttpCaseSystem(CaseSystem):
    """Cases kept by an external records system reached over HTTP."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        """``sleep`` and ``rand`` are injectable so tests can see the pauses chosen."""
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self._token = token
        self._sleep = sleep
        self._rand = rand
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {"Accept": "application/json"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            self._session = aiohttp.ClientSession(
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout_seconds),
                raise_for_status=False,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _try(
        self,
        path: str,
        body: Mapping[str, Any],
        headers: Mapping[str, str],
        parse: Callable[[Any], T],
        allow_not_found: bool,
    ) -> T | None:
        async with self._client().post(self.base_url + path, json=body, headers=headers) as resp:
            status = resp.status
            if status in _RETRY_STATUSES or status >= 500:
                raise _Retry(f"HTTP {status}", _retry_after(resp.headers))
            if status == 404 and allow_not_found:
                return None
            if status >= 400:
                raise CaseSystemRejected(f"HTTP {status}")
            try:
                return parse(await resp.json(content_type=None))
            except (ValueError, MalformedBody) as exc:  # JSONDecodeError is a ValueError
                raise _Retry(f"malformed body: {type(exc).__name__}") from exc

    async def _post(
        self,
        operation: str,
        path: str,
        body: Mapping[str, Any],
        parse: Callable[[Any], T],
        *,
        idempotency_key: str | None = None,
        allow_not_found: bool = False,
    ) -> T | None:
        """POST with retries; None only for a 404 when ``allow_not_found``."""
        headers = {"Idempotency-Key": idempotency_key or uuid.uuid4().hex}
        reason = "no attempt made"
        for attempt in range(1, self.policy.attempts + 1):
            retry_after: float | None = None
            try:
                return await self._try(path, body, headers, parse, allow_not_found)
            except _Retry as exc:
                reason, retry_after = exc.reason, exc.retry_after
            except (aiohttp.ClientError, TimeoutError) as exc:
                reason = type(exc).__name__
            log.warning(
                "case_system_try_failed", operation=operation, attempt=attempt, reason=reason
            )
            if attempt < self.policy.attempts:
                await self._sleep(self.policy.pause(attempt, retry_after, self._rand))
        raise CaseSystemUnavailable(
            f"{operation} failed after {self.policy.attempts} tries: {reason}"
        )

    @staticmethod
    def _path_code(reference: str) -> str | None:
        """The canonical reference or receipt code for a URL, or None for neither."""
        code = normalise_reference(reference) or normalise_receipt_code(reference)
        return None if code is None else quote(code, safe="")

    # --- the port -------------------------------------------------------------------------

    async def submit(self, report: ReportSubmission, *, access: Access | None = None) -> Receipt:
        """``access`` is not sent: the external contract has no actor (its system keeps its
        own processing log)."""
        if not report.idempotency_key or len(report.idempotency_key) > 255:
            raise ValueError("idempotency_key must be 1..255 characters")
        receipt = await self._post(
            "submit",
            "/v1/reports",
            report_to_json(report),
            _submit_result,
            idempotency_key=report.idempotency_key,
        )
        assert receipt is not None  # 404 is not allowed here, so _post returned a value
        return receipt

    async def lookup(
        self, reference: str, verify_detail: str, *, access: Access | None = None
    ) -> CaseView | None:
        """``access`` is not sent: the contract has no field for it yet, and the records
        system keeps its own processing log."""
        code = self._path_code(reference)
        if code is None:
            return None
        return await self._post(
            "lookup",
            f"/v1/cases/{code}/lookup",
            {"verify_detail": verify_detail},
            view_from_json,
            allow_not_found=True,
        )

    async def add_information(
        self, reference: str, verify_detail: str, text: str, *, access: Access | None = None
    ) -> bool:
        if not text.strip():
            raise ValueError("no information to add")
        code = self._path_code(reference)
        if code is None:
            return False
        added = await self._post(
            "add_information",
            f"/v1/cases/{code}/information",
            {"verify_detail": verify_detail, "text": text.strip()},
            _added,
            allow_not_found=True,
        )
        return bool(added)

    async def record_contact(self, contact: ContactRecord) -> None:
        body = {
            "conversation_id": contact.conversation_id,
            "channel": contact.channel,
            "kind": contact.kind,
            "summary": dict(contact.summary),
        }
        await self._post("record_contact", "/v1/contacts", body, _ignore)

    async def request_handoff(self, request: HandoffRequest) -> str:
        body = {
            "conversation_id": request.conversation_id,
            "channel": request.channel,
            "reason": request.reason,
            "priority": request.priority,
            "intent": request.intent,
            "summary": dict(request.summary),
        }
        handoff_id = await self._post("request_handoff", "/v1/handoff-requests", body, _handoff_id)
        assert handoff_id is not None
        return handoff_id
