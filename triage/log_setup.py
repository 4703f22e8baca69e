"""structlog set-up for every long-running process (gateway, action server, outbox worker):
JSON lines, ids and codes only, redacted.

Called by entry points only; tests and importers keep structlog's defaults.
"""

from __future__ import annotations

import logging

import structlog

from triage.log_redaction import install_stdlib_redaction, redact_event


def configure_structlog(level: int = logging.INFO) -> None:
    """structlog's events as redacted JSON lines through the standard library's handlers'
    stream; tracebacks are formatted into the event and redacted with everything else."""
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


def configure_logging(level: int = logging.INFO) -> None:
    """The standard library's records (aiohttp's access log, asyncio, rasa-sdk) pass the same
    redaction as structlog's events."""
    logging.basicConfig(format="%(message)s", level=level)
    install_stdlib_redaction()
    configure_structlog(level)
