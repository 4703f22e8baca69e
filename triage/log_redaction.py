"""Personal data never reaches a log line: every process's logging passes through here.

Log calls should only carry ids, codes and lengths, but a mistake (an exception message that
quotes a postcode, a library logging a request body) must not leak what the person said. So
every string in a structlog event, and every stdlib record (rasa-sdk and aiohttp log through
the standard library), is redacted with `triage.redact.redact` before it is rendered, except
the values of keys that hold our own identifiers and codes, which must stay intact for the
logs to be joined up.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from triage.redact import redact

# Values under these keys are ours (ids, enum values, counts), not what a person wrote.
KEPT_KEYS = frozenset(
    {
        "event",
        "level",
        "timestamp",
        "logger",
        "channel",
        "category",
        "priority",
        "reason",
        "step",
        "status",
        "mode",
        "kind",
        "action",
        "outcome",
        "role",
        "model",
        "version",
        "flags",
        "actions",
        "failures",
        "method",
        "path",
        "route",
    }
)


def _kept(key: str) -> bool:
    return key in KEPT_KEYS or key == "id" or key.endswith(("_id", "_ids", "_key", "_code"))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return type(value)(_clean(item) for item in value)
    if isinstance(value, dict):
        return {key: value[key] if _kept(str(key)) else _clean(value[key]) for key in value}
    return value


def redact_event(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor; put it after `format_exc_info` so tracebacks are redacted too."""
    for key, value in list(event_dict.items()):
        if not _kept(key):
            event_dict[key] = _clean(value)
    return event_dict


class RedactingFilter(logging.Filter):
    """For stdlib handlers: the formatted message and any traceback, redacted in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log what we can, redacted
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_stdlib_redaction() -> None:
    """Add the filter to every handler configured so far, the root logger's and those of
    named loggers such as rasa-sdk's file log and sanic's access log (idempotent)."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
