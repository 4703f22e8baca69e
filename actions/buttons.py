"""Quick-reply buttons in the shape Rasa's channels pass through to the widget and X."""

from __future__ import annotations

Button = dict[str, str]


def button(title: str, payload: str) -> Button:
    """A quick-reply button as Rasa channels expect it."""
    return {"title": title, "payload": payload}
