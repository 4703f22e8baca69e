"""Plain dataclasses for what the X channel takes in and sends out."""

from __future__ import annotations

from dataclasses import dataclass


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
