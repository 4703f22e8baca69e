"""Size limits derived from settings, shared by the HTTP server and the WebSocket."""

from __future__ import annotations

from triage.settings import Settings

MESSAGES_PER_WINDOW = 10
MESSAGE_WINDOW_SECONDS = 10.0
HISTORY_PER_WINDOW = 5
HEALTH_TIMEOUT_SECONDS = 2.0


def body_limit(settings: Settings) -> int:
    """Bytes: room for a maximal message (4 bytes a character in UTF-8) plus the envelope."""
    return max(16 * 1024, settings.max_message_chars * 4 + 8 * 1024)
