"""Texts the gateway itself sends (the engine owns every other reply)."""

from __future__ import annotations

REPORT_ONLINE_URL = "https://www.northshire.police.uk/report"


def engine_unavailable(force_name: str) -> str:
    """Said when the engine is down or too slow: what to do instead, and that nothing is lost."""
    return (
        f"Sorry, {force_name} cannot answer you here right now. "
        "If this is an emergency, call 999 now. "
        f"Otherwise, call 101 or report online at {REPORT_ONLINE_URL}. "
        "We have saved your message so our team can see it."
    )


RATE_LIMITED = (
    "You are sending messages very quickly. Please wait a few seconds and try again. "
    "If this is an emergency, call 999."
)

NOT_SAVED = (
    "Sorry, we could not take your message right now. If this is an emergency, call 999 now. "
    f"Otherwise, call 101 or report online at {REPORT_ONLINE_URL}."
)
