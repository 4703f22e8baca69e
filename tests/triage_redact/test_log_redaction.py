"""Logs keep our ids and codes and lose whatever personal data slipped into them."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import sys
from collections.abc import Callable

from triage.log_redaction import (
    RedactingFilter,
    install_stdlib_redaction,
    known_names,
    redact_event,
    redact_log_text,
)


def test_structlog_values_are_redacted_but_identifiers_kept() -> None:
    event = redact_event(
        None,
        "info",
        {
            "event": "store_unavailable",
            "conversation_id": "web-0a1b2c3d-4444444-5555",
            "message_id": "m-12345678901",
            "priority": "P2",
            "error": "could not save jane@example.com at SW1A 1AA",
            "details": {"note": "call 07700 900123", "case_id": "BL-AB12-CD34"},
            "attempts": 3,
        },
    )
    assert event["conversation_id"] == "web-0a1b2c3d-4444444-5555"
    assert event["message_id"] == "m-12345678901"
    assert event["priority"] == "P2"
    assert event["attempts"] == 3
    assert "jane@example.com" not in event["error"] and "[email]" in event["error"]
    assert "SW1A 1AA" not in event["error"] and "[postcode]" in event["error"]
    assert event["details"] == {"note": "call [phone]", "case_id": "BL-AB12-CD34"}


def test_stdlib_record_and_traceback_are_redacted() -> None:
    def fail(logger: logging.Logger) -> None:
        try:
            raise ValueError("bad postcode LS1 4AP for reg AB12 CDE")
        except ValueError:
            logger.exception("request from %s failed", "bob@example.org")

    text = _stdlib_lines(fail)
    assert "bob@example.org" not in text and "[email]" in text
    assert "LS1 4AP" not in text and "AB12 CDE" not in text
    assert "ValueError" in text  # the traceback is still there, only redacted


def test_install_covers_named_loggers_with_their_own_handlers() -> None:
    logger = logging.getLogger("bluelamp.test.named")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        install_stdlib_redaction()
        install_stdlib_redaction()
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)


def test_gateway_logging_renders_redacted_json_lines() -> None:
    """The gateway's real configuration, in a fresh interpreter (it configures globally)."""
    code = (
        "import structlog\n"
        "from triage.log_setup import configure_logging\n"
        "configure_logging()\n"
        "log = structlog.get_logger('t')\n"
        "try:\n"
        "    raise RuntimeError('flat 2, 10 Acacia Avenue, call 07700 900123')\n"
        "except RuntimeError:\n"
        "    log.exception('boom', conversation_id='web-1', note='my name is Sam Smith')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, result.stdout + result.stderr
    line = lines[0]
    assert line["conversation_id"] == "web-1"
    assert "Sam Smith" not in line["note"]
    assert "Acacia Avenue" not in line["exception"] and "07700" not in line["exception"]
    assert "RuntimeError" in line["exception"]


def _stdlib_lines(emit: Callable[[logging.Logger], None]) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("bluelamp.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def _fail_for(logger: logging.Logger) -> None:
    try:
        raise LookupError("no case for JO BLOGGS (Bloggs, Jo)")
    except LookupError:
        logger.exception("lookup for %s failed; jo.bloggs@example.com told", "Jo")


def test_a_known_name_is_redacted_inside_the_context_only() -> None:
    with known_names(["Jo Bloggs"]):
        inside = _stdlib_lines(_fail_for)
    outside = _stdlib_lines(_fail_for)
    assert "LookupError" in inside
    assert "Bloggs" not in inside.replace("[email]", "") and "BLOGGS" not in inside
    assert "lookup for [name] failed; [email] told" in inside
    assert "no case for [name] ([name], [name])" in inside
    assert "no case for JO BLOGGS (Bloggs, Jo)" in outside  # nothing known out here
    assert "lookup for Jo failed" in outside


def test_known_names_match_whole_words_and_leave_placeholders_alone() -> None:
    with known_names(["Al", "Name", "X", None, "  "]):
        assert redact_log_text("Al called; Alan and Sally did not") == (
            "[name] called; Alan and Sally did not"
        )
        # "Sam" is a self-given name, replaced first; the known "Name" spares the placeholder
        assert redact_log_text("my name is Sam") == "my [name] is [name]"
        assert redact_log_text("x marks the spot") == "x marks the spot"  # one letter: kept


def test_structlog_free_text_loses_a_known_name() -> None:
    with known_names(["Sam Smith"]):
        event = redact_event(
            None,
            "error",
            {
                "event": "submit_failed",
                "conversation_id": "web-1",
                "error": "could not store answers for sam smith",
                "details": ["Smith"],
            },
        )
    assert event["error"] == "could not store answers for [name]"
    assert event["details"] == ["[name]"]
    assert event["conversation_id"] == "web-1"


async def test_known_names_belong_to_one_task() -> None:
    """Concurrent requests: one request's names never redact (or leak into) another's."""
    seen: dict[str, str] = {}
    started = asyncio.Event()

    async def request(name: str, text: str) -> None:
        with known_names([name]):
            if name == "Ann":
                started.set()
            else:
                await started.wait()  # both inside their blocks at once
            await asyncio.sleep(0)
            seen[name] = redact_log_text(text)

    await asyncio.gather(request("Ann", "Ann and Bob"), request("Bob", "Ann and Bob"))
    assert seen == {"Ann": "[name] and Bob", "Bob": "Ann and [name]"}


def test_action_server_structlog_events_are_redacted_json_lines() -> None:
    """`python -m rasa_sdk` imports the actions package as its ``__main__`` package: then, and
    only then, our structlog events are configured (a fresh interpreter stands in for it)."""
    code = (
        "import sys, structlog\n"
        "sys.modules['__main__'].__package__ = 'rasa_sdk'\n"
        "import actions\n"
        "structlog.get_logger('t').warning('report_not_submitted', detail='mail bob@example.org')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines] == ["report_not_submitted"], result.stdout
    assert lines[0]["detail"] == "mail [email]"


def test_importing_the_actions_leaves_structlog_alone() -> None:
    code = (
        "import structlog\n"
        "before = structlog.get_config()['processors']\n"
        "import actions\n"
        "assert structlog.get_config()['processors'] == before\n"
    )
    subprocess.run([sys.executable, "-c", code], timeout=120, check=True)
