"""Personal data never reaches a log line: every process's logging passes through here.

Log calls should only carry ids, codes and lengths, but a mistake (an exception message that
quotes a postcode, a library logging a request body) must not leak what the person said. So
every string in a structlog event, and every stdlib record (rasa-sdk and aiohttp log through
the standard library), is redacted with `triage.redact.redact` before it is rendered, except
the values of keys that hold our own identifiers and codes, which must stay intact for the
logs to be joined up.

`redact` finds only names people give in so many words ("my name is ..."). A name the
process already knows (the action server knows the reporter's from the tracker) is declared
with `known_names` for the work of one request, and every whole-word occurrence of it, or of
each of its words, in any case, is replaced by the same ``[name]`` too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from triage.redact import redact

NAME_PLACEHOLDER = "[name]"
MIN_KNOWN_NAME_CHARS = 2
_known: ContextVar[re.Pattern[str] | None] = ContextVar("bluelamp_known_names", default=None)

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


def known_name_pattern(names: Iterable[str | None]) -> re.Pattern[str] | None:
    """One pattern for the names and each of their words (at least two characters), longest
    first, matched case-insensitively as whole words; None when there is nothing to match.
    Words inside an existing placeholder (``[name]``) are left alone."""
    words: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        whole = " ".join(name.split())
        for word in (whole, *re.split(r"[\s\-]+", whole)):
            word = word.strip(" ,.!'’")
            if len(word) >= MIN_KNOWN_NAME_CHARS:
                words.add(word.lower())
    if not words:
        return None
    alternatives = "|".join(
        r"\s+".join(re.escape(part) for part in word.split())
        for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w\[])(?:{alternatives})(?![\w\]])", re.IGNORECASE)


def set_known_names(names: Iterable[str | None]) -> Token[re.Pattern[str] | None]:
    """Declare the names known in the current context (until `reset_known_names`)."""
    return _known.set(known_name_pattern(names))


def reset_known_names(token: Token[re.Pattern[str] | None]) -> None:
    _known.reset(token)


@contextmanager
def known_names(names: Iterable[str | None]) -> Iterator[None]:
    """Redact these names too in whatever is logged inside the block (this task only)."""
    token = set_known_names(names)
    try:
        yield
    finally:
        reset_known_names(token)


def redact_log_text(text: str) -> str:
    """`redact`, then the names known in this context. In that order, so that an email
    address holding a known name is still recognised (and replaced) as a whole."""
    text = redact(text)
    pattern = _known.get()
    return pattern.sub(NAME_PLACEHOLDER, text) if pattern is not None else text


def _kept(key: str) -> bool:
    return key in KEPT_KEYS or key == "id" or key.endswith(("_id", "_ids", "_key", "_code"))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact_log_text(value)
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
        record.msg = redact_log_text(message)
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = redact_log_text(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact_log_text(record.stack_info)
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
