"""Staff accounts in the SQL database (SQLite for the demo, PostgreSQL in production).

Passwords are hashed with argon2id in a worker thread; a hash made with weaker parameters
than the current ones is replaced at the next successful sign-in.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from triage.staff.models import StaffAccountRecord
from triage.staff.passwords import (
    MAX_PASSWORD,
    USERNAME_RULE,
    Hasher,
    check_display_name,
    check_password,
    check_username,
    normalise_username,
)
from triage.staff.ports import AccountExists, AccountStore, Role, StaffAccount, utcnow
from triage.staff.sql_support import Prepare, SqlAdapter, create_engine


def _account(row: StaffAccountRecord) -> StaffAccount:
    return StaffAccount(
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        active=row.active,
        created_at=row.created_at,
    )


class SqlAccountStore(SqlAdapter, AccountStore):
    """`AccountStore` on SQLAlchemy 2 async; DB failures surface as `StaffUnavailable`."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        hasher: Hasher | None = None,
        prepare: Prepare | None = None,
    ) -> None:
        super().__init__(engine, prepare=prepare)
        self.hasher = hasher or Hasher()

    @classmethod
    def from_url(
        cls, url: str, *, hasher: Hasher | None = None, prepare: Prepare | None = None
    ) -> SqlAccountStore:
        return cls(create_engine(url), hasher=hasher, prepare=prepare)

    async def create(
        self, username: str, display_name: str, role: Role, password: str
    ) -> StaffAccount:
        name = check_username(username)
        shown = check_display_name(display_name)
        role = Role(role)
        check_password(password, name)
        password_hash = await self.hasher.hash(password)
        now = utcnow()
        row = StaffAccountRecord(
            username=name,
            display_name=shown,
            role=role.value,
            password_hash=password_hash,
            active=True,
            created_at=now,
            updated_at=now,
            password_changed_at=now,
        )
        try:
            async with self.writing("create account") as session:
                session.add(row)
        except IntegrityError as exc:
            raise AccountExists(f"an account named {name!r} already exists") from exc
        return _account(row)

    async def _row(self, name: str, operation: str) -> StaffAccountRecord | None:
        async with self.reading(operation) as session:
            return await session.get(StaffAccountRecord, name)

    async def authenticate(self, username: str, password: str) -> StaffAccount | None:
        dummy = await self.hasher.dummy()  # made before the look-up, so the first is no slower
        if len(password) > MAX_PASSWORD:  # no stored password is this long: refuse, as slowly
            await self.hasher.verify(dummy, password[:MAX_PASSWORD])
            return None
        name = normalise_username(username)
        row = await self._row(name, "sign-in") if USERNAME_RULE.fullmatch(name) else None
        if row is None or not row.active:
            await self.hasher.verify(dummy, password)
            return None
        if not await self.hasher.verify(row.password_hash, password):
            return None
        if self.hasher.needs_rehash(row.password_hash):
            await self._rehash(row, password)
        return _account(row)

    async def _rehash(self, row: StaffAccountRecord, password: str) -> None:
        """Store a hash with today's parameters, unless the password changed meanwhile."""
        new_hash = await self.hasher.hash(password)
        async with self.writing("rehash") as session:
            await session.execute(
                update(StaffAccountRecord)
                .where(
                    StaffAccountRecord.username == row.username,
                    StaffAccountRecord.password_hash == row.password_hash,
                )
                .values(password_hash=new_hash)
            )

    async def get(self, username: str) -> StaffAccount | None:
        name = normalise_username(username)
        if not USERNAME_RULE.fullmatch(name):
            return None
        row = await self._row(name, "get account")
        return _account(row) if row is not None else None

    async def list_accounts(self) -> list[StaffAccount]:
        async with self.reading("list accounts") as session:
            rows = await session.scalars(
                select(StaffAccountRecord).order_by(StaffAccountRecord.username)
            )
            return [_account(row) for row in rows]

    async def set_password(self, username: str, password: str) -> bool:
        name = normalise_username(username)
        check_password(password, name)
        if not USERNAME_RULE.fullmatch(name):
            return False
        password_hash = await self.hasher.hash(password)
        now = utcnow()
        return await self._update(
            name,
            "set password",
            password_hash=password_hash,
            password_changed_at=now,
            updated_at=now,
        )

    async def set_active(self, username: str, active: bool) -> bool:
        name = normalise_username(username)
        if not USERNAME_RULE.fullmatch(name):
            return False
        return await self._update(name, "set active", active=active, updated_at=utcnow())

    async def _update(self, name: str, operation: str, **values: object) -> bool:
        async with self.writing(operation) as session:
            result = await session.execute(
                update(StaffAccountRecord)
                .where(StaffAccountRecord.username == name)
                .values(**values)
            )
            return bool(getattr(result, "rowcount", 0))
