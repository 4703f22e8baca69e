"""Plain dataclasses for what the X channel takes in and sends out."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HANDLE = re.compile(r"[A-Za-z0-9_]{1,50}")


@dataclass(frozen=True)
class Post:
    """A public post mentioning the force account."""

    id: str
    text: str
    author_id: str
    author_handle: str = ""

    @property
    def link(self) -> str:
        """The post's public address, for operators (X redirects /i/web/status to the post)."""
        return f"https://x.com/i/web/status/{self.id}"


def public_handle(handle: str) -> str | None:
    """``@handle`` for the operator, or None.

    The handle comes from X's public ``username``; only that shape (letters, digits and
    underscores; X allows 15, a little slack here) passes, so a display name or an email
    address put in its place by mistake never reaches the queue or an alert.
    """
    bare = handle.removeprefix("@")
    return f"@{bare}" if _HANDLE.fullmatch(bare) else None


@dataclass(frozen=True)
class DirectMessage:
    """One message someone sent the force account privately."""

    id: str
    text: str
    sender_id: str
    dm_conversation_id: str


@dataclass(frozen=True)
class MentionBatch:
    """Every mention newer than the cursor, oldest first, and the newest id X reported."""

    posts: tuple[Post, ...]
    newest_id: str | None
