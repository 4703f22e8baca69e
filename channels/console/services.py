"""What the console's handlers use, built once per gateway by `channels.console.wiring`."""

from __future__ import annotations

from dataclasses import dataclass

from channels.console.board import BoardCache
from channels.console.login_limit import LoginLimiter
from triage.cases.ports import CaseSystem, DraftStore
from triage.cases.staff import CaseConsole
from triage.staff.ports import AccountStore, Presence, SessionStore, StaffAudit


@dataclass(frozen=True)
class ConsoleServices:
    """Staff accounts, sessions, presence and audit, and the case system.

    ``case_console`` is the same object as ``cases`` when the case system is the local SQL
    store; None with an external case system, which cannot attach conversations.
    """

    accounts: AccountStore
    sessions: SessionStore
    presence: Presence
    audit: StaffAudit
    cases: CaseSystem
    case_console: CaseConsole | None
    login_limiter: LoginLimiter
    board: BoardCache
    """The queue as the console sockets poll it (one read per gateway per second)."""
    drafts: DraftStore | None = None
    """Unsent report drafts (always in the local database); None: not offered."""
