"""structlog set-up for `python -m channels`: JSON lines, ids and codes only, redacted."""

from __future__ import annotations

import logging

import structlog

from triage.log_redaction import install_stdlib_redaction, redact_event


def configure_logging(level: int = logging.INFO) -> None:
    """Called by the entry point only; tests and importers keep structlog's defaults.

    Tracebacks are formatted into the event and redacted with everything else, and the
    standard library's records (aiohttp's access log, asyncio) pass the same redaction.
    """
    logging.basicConfig(format="%(message)s", level=level)
    install_stdlib_redaction()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_event,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
