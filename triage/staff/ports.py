"""Ports for what the operator console needs to know about staff.

Adapters: SQL (accounts, audit; SQLite for the demo, PostgreSQL in production) and Redis or
in-process (sessions, presence). The console and the command line depend only on these.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"


class StaffUnavailable(Exception):
    """The accounts, session, presence or audit store cannot be reached.

    Raised by every adapter in place of its client library's errors; the console answers
    503 and does nothing it could not record.
    """


class AccountExists(ValueError):
    """An account with this user name already exists."""


class WeakPassword(ValueError):
    """The password is too short or too common; the message says what is needed."""


@dataclass(frozen=True)
class StaffAccount:
    """A member of contact-centre staff; ``username`` is their login (e.g. a collar number)."""

    username: str
    display_name: str
    role: Role
    active: bool = True
    created_at: datetime | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


class AccountStore(abc.ABC):
    """Staff accounts; passwords are only ever held as modern (argon2id) hashes."""

    @abc.abstractmethod
    async def create(
        self, username: str, display_name: str, role: Role, password: str
    ) -> StaffAccount:
        """Raises AccountExists, WeakPassword, or ValueError for a malformed user name."""

    @abc.abstractmethod
    async def authenticate(self, username: str, password: str) -> StaffAccount | None:
        """The account when the password matches and the account is active, else None.

        Takes about as long for an unknown user name as for a wrong password, so timing
        does not reveal which accounts exist.
        """

    @abc.abstractmethod
    async def get(self, username: str) -> StaffAccount | None: ...

    @abc.abstractmethod
    async def list_accounts(self) -> list[StaffAccount]:
        """Every account, active or not, by user name."""

    @abc.abstractmethod
    async def set_password(self, username: str, password: str) -> bool:
        """False for an unknown account; raises WeakPassword."""

    @abc.abstractmethod
    async def set_active(self, username: str, active: bool) -> bool:
        """Disable or re-enable; False for an unknown account."""

    @abc.abstractmethod
    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class StaffSession:
    """A signed-in console; ``id`` is the opaque cookie value, ``csrf_token`` goes in a header."""

    id: str
    username: str
    display_name: str
    role: Role
    csrf_token: str
    created_at: float
    """Epoch seconds."""
    last_seen: float
    """Epoch seconds of the last request; the idle timeout counts from here."""

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


class SessionStore(abc.ABC):
    """Console sessions, shared by every gateway (Redis) or in-process for the demo."""

    @abc.abstractmethod
    async def create(self, account: StaffAccount) -> StaffSession:
        """A new session with fresh random id and CSRF token (never reuse one: fixation)."""

    @abc.abstractmethod
    async def touch(self, session_id: str) -> StaffSession | None:
        """The session, its idle timer restarted; None if unknown, idle too long, or past
        its absolute lifetime (an expired session is deleted)."""

    @abc.abstractmethod
    async def delete(self, session_id: str) -> None: ...

    @abc.abstractmethod
    async def delete_for(self, username: str) -> int:
        """End every session of one account (disabled, password changed); how many ended."""

    @abc.abstractmethod
    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class OnlineStaff:
    username: str
    display_name: str
    role: Role
    last_seen: float
    """Epoch seconds."""


class Presence(abc.ABC):
    """Who has a console open: the wait estimate and the supervisor's view need it."""

    @abc.abstractmethod
    async def heartbeat(self, username: str, display_name: str, role: Role) -> None: ...

    @abc.abstractmethod
    async def leave(self, username: str) -> None:
        """Signed out (or the last console closed)."""

    @abc.abstractmethod
    async def online(self) -> list[OnlineStaff]:
        """Staff heard from within the presence window, by user name."""

    @abc.abstractmethod
    async def aclose(self) -> None: ...


class AuditAction(StrEnum):
    """What staff did; `kind` groups them the way DPA 2018 s.62 logging does."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    VIEW_CONVERSATION = "view_conversation"
    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    TAKE_OVER = "take_over"
    REPLY = "reply"
    HAND_BACK = "hand_back"
    CLOSE = "close"
    CREATE_CASE = "create_case"
    ATTACH_CASE = "attach_case"
    SEARCH_AUDIT = "search_audit"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_CHANGED = "account_changed"
    ERASURE = "erasure"
    """Retention (or a person) erased a conversation's data; ids and counts only."""
    SUBJECT_ACCESS_EXPORT = "subject_access_export"
    """Everything held about a conversation or reporter exported for a subject access request."""

    @property
    def kind(self) -> str:
        """``consultation`` (a view), ``disclosure`` (personal data sent out), ``alteration``
        (a change), ``erasure`` (data deleted), or ``access`` (signing in and out)."""
        return _KINDS[self]


_KINDS: dict[AuditAction, str] = {
    AuditAction.SIGN_IN: "access",
    AuditAction.SIGN_IN_FAILED: "access",
    AuditAction.SIGN_OUT: "access",
    AuditAction.VIEW_CONVERSATION: "consultation",
    AuditAction.SEARCH_AUDIT: "consultation",
    AuditAction.REPLY: "disclosure",
    AuditAction.CLAIM: "alteration",
    AuditAction.RELEASE: "alteration",
    AuditAction.REASSIGN: "alteration",
    AuditAction.TAKE_OVER: "alteration",
    AuditAction.HAND_BACK: "alteration",
    AuditAction.CLOSE: "alteration",
    AuditAction.CREATE_CASE: "alteration",
    AuditAction.ATTACH_CASE: "alteration",
    AuditAction.ACCOUNT_CREATED: "alteration",
    AuditAction.ACCOUNT_CHANGED: "alteration",
    AuditAction.ERASURE: "erasure",
    AuditAction.SUBJECT_ACCESS_EXPORT: "disclosure",
}


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, to which conversation, item or case, when and why.

    Identifiers only: ``reason`` is what the member of staff typed (redacted before it is
    stored) and ``detail`` holds codes such as ``outcome=advice_given`` or ``to=op2``, never
    message text or anything about the person.
    """

    actor: str
    action: AuditAction
    conversation_id: str | None = None
    item_id: str | None = None
    case_reference: str | None = None
    reason: str | None = None
    detail: str | None = None
    at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(frozen=True)
class AuditQuery:
    """Supervisor search; every given field must match, newest first."""

    actor: str | None = None
    action: AuditAction | None = None
    conversation_id: str | None = None
    case_reference: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100


class StaffAudit(abc.ABC):
    """The console's audit log; written before the view or change it records is returned."""

    @abc.abstractmethod
    async def record(self, entry: AuditEntry) -> AuditEntry:
        """Store it (redacting ``reason``); the stored entry, with its id."""

    @abc.abstractmethod
    async def search(self, query: AuditQuery) -> list[AuditEntry]: ...

    @abc.abstractmethod
    async def recorded_before(self, before: datetime, limit: int = 1000) -> list[int]:
        """Ids of entries made before ``before``, oldest first: what retention erases once
        the log's own period has passed (DPA 2018 s.39)."""

    @abc.abstractmethod
    async def erase(self, ids: Sequence[int]) -> int:
        """Delete these entries; how many there were."""

    @abc.abstractmethod
    async def aclose(self) -> None: ...
