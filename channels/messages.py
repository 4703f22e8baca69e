"""Texts the gateway itself sends (the engine owns every other reply)."""

from __future__ import annotations

REPORT_ONLINE_URL = "https://www.northshire.police.uk/report"


def engine_unavailable(force_name: str, wait: str = "") -> str:
    """Said when the engine is down or too slow: what to do instead, and that nothing is lost.

    ``wait`` is `wait_clause`'s sentence about staff joining, if any (one message, not two,
    so the alternatives are not repeated).
    """
    return (
        f"Sorry, {force_name} cannot answer you here right now. "
        "If this is an emergency, call 999 now. "
        f"Otherwise, call 101 or report online at {REPORT_ONLINE_URL}. "
        "We have saved your message so our team can see it." + (f" {wait}" if wait else "")
    )


RATE_LIMITED = (
    "You are sending messages very quickly. Please wait a few seconds and try again. "
    "If this is an emergency, call 999."
)

NOT_SAVED = (
    "Sorry, we could not take your message right now. If this is an emergency, call 999 now. "
    f"Otherwise, call 101 or report online at {REPORT_ONLINE_URL}."
)

# --- staff taking over a conversation (channels/handover.py) ---------------------------
STAFF_JOINED = "A member of our contact centre team has joined the chat."
BACK_TO_ASSISTANT = "You're back with the virtual assistant. How else can I help?"
HANDOVER_NOTICES = frozenset({STAFF_JOINED, BACK_TO_ASSISTANT})
"""System messages staff actions store; REST clients are given them with operator messages."""


def chat_ended(force_name: str) -> str:
    """Said when a member of staff closes the chat: it is over, and how to get help again."""
    return (
        f"This chat has ended. Thank you for contacting {force_name}. "
        "If you need us again, you can start a new chat here, call 101, "
        f"or report online at {REPORT_ONLINE_URL}. In an emergency, always call 999."
    )


# --- waiting for a member of staff (channels/waiting.py) --------------------------------
ALTERNATIVES = (
    "If this is an emergency, call 999 now. "
    f"Otherwise, you can call 101 or report online at {REPORT_ONLINE_URL}."
)


def _when(minutes: int) -> str:
    return "in less than 5 minutes" if minutes <= 5 else f"in about {minutes} minutes"


def wait_estimate(minutes: int) -> str:
    """The expected wait, rounded up to a figure a person can plan around."""
    return (
        f"A member of our contact centre team will be with you {_when(minutes)}. "
        "Please keep this chat open. " + ALTERNATIVES
    )


def wait_clause(kind: str, minutes: int, open_hour: int, close_hour: int) -> str:
    """The wait in one sentence, added to a message that already gives the alternatives."""
    if kind == "estimate":
        return f"A member of our contact centre team should join this chat {_when(minutes)}."
    if kind == "nobody":
        return "No one from our contact centre is available on chat right now."
    if kind == "closed":
        return f"Our live chat team is available from {_hours(open_hour, close_hour)}."
    return ""


def _hours(open_hour: int, close_hour: int) -> str:
    closes = "midnight" if close_hour in (0, 24) else f"{close_hour:02d}:00"
    return f"{open_hour:02d}:00 to {closes}"


def nobody_available(force_name: str) -> str:
    """Nobody is signed in (or the live chat is closed): never leave the person waiting."""
    return (
        f"No one from the {force_name} contact centre is available on chat right now. "
        + ALTERNATIVES
        + " We have saved your messages so our team can see them."
    )


def wait_unknown() -> str:
    """The queue or the staff list could not be read: say so, with the alternatives."""
    return (
        "We have asked a member of our contact centre team to join, but we cannot tell "
        "how long that will take right now. " + ALTERNATIVES
    )


def closed_now(force_name: str, open_hour: int, close_hour: int) -> str:
    """Outside live-chat hours: when it opens, and what to do now."""
    return (
        f"The {force_name} live chat team is available from {_hours(open_hour, close_hour)}, "
        "so no one can join this chat right now. "
        + ALTERNATIVES
        + " We have saved your messages so our team can see them."
    )
