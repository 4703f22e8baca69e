"""The SQL account store on SQLite and PostgreSQL: creation, sign-in, changes, rehashing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text

from triage.staff.models import StaffAccountRecord
from triage.staff.passwords import Hasher
from triage.staff.ports import AccountExists, Role, StaffUnavailable, WeakPassword
from triage.staff.sql_accounts import SqlAccountStore

from .support import GOOD_PASSWORD, OTHER_PASSWORD, quick_hasher


async def stored_hash(store: SqlAccountStore, username: str) -> str:
    async with store.engine.connect() as connection:
        result = await connection.execute(
            select(StaffAccountRecord.password_hash).where(StaffAccountRecord.username == username)
        )
        return str(result.scalar_one())


async def test_create_then_get_and_list(accounts: SqlAccountStore) -> None:
    before = datetime.now(UTC)
    made = await accounts.create(" Alice ", " Alice  Smith ", Role.SUPERVISOR, GOOD_PASSWORD)
    await accounts.create("bob", "Bob Jones", Role.OPERATOR, OTHER_PASSWORD)
    assert (made.username, made.display_name, made.role, made.active) == (
        "alice",
        "Alice Smith",
        Role.SUPERVISOR,
        True,
    )
    assert made.is_supervisor
    fetched = await accounts.get("ALICE")
    assert fetched is not None
    assert fetched.username == "alice" and fetched.role is Role.SUPERVISOR
    assert fetched.created_at is not None and fetched.created_at >= before
    assert fetched.created_at.tzinfo is not None
    assert [a.username for a in await accounts.list_accounts()] == ["alice", "bob"]
    assert await accounts.get("carol") is None
    assert await accounts.get("not a name!") is None


async def test_only_a_hash_is_stored(accounts: SqlAccountStore) -> None:
    await accounts.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    stored = await stored_hash(accounts, "alice")
    assert stored.startswith("$argon2id$")
    assert GOOD_PASSWORD not in stored


async def test_a_second_account_with_the_same_name_is_refused(accounts: SqlAccountStore) -> None:
    await accounts.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    with pytest.raises(AccountExists, match="alice"):
        await accounts.create("ALICE", "Another Alice", Role.SUPERVISOR, OTHER_PASSWORD)
    only = await accounts.get("alice")
    assert only is not None and only.display_name == "Alice"


@pytest.mark.parametrize(
    ("username", "display_name", "password", "error"),
    [
        ("a", "Alice", GOOD_PASSWORD, ValueError),
        ("alice", "", GOOD_PASSWORD, ValueError),
        ("alice", "Alice", "short", WeakPassword),
        ("alice", "Alice", "Password1234", WeakPassword),
        ("alice.smith99", "Alice", "ALICE.SMITH99", WeakPassword),
    ],
)
async def test_bad_input_creates_nothing(
    accounts: SqlAccountStore,
    username: str,
    display_name: str,
    password: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await accounts.create(username, display_name, Role.OPERATOR, password)
    assert await accounts.list_accounts() == []


async def test_authenticate_with_the_right_password(accounts: SqlAccountStore) -> None:
    await accounts.create("alice", "Alice Smith", Role.SUPERVISOR, GOOD_PASSWORD)
    signed_in = await accounts.authenticate("  Alice", GOOD_PASSWORD)
    assert signed_in is not None
    assert (signed_in.username, signed_in.role) == ("alice", Role.SUPERVISOR)


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alice", OTHER_PASSWORD),  # wrong password
        ("alice", GOOD_PASSWORD.upper()),  # passwords are case sensitive
        ("alice", ""),
        ("carol", GOOD_PASSWORD),  # unknown account
        ("no such name!", GOOD_PASSWORD),  # not even a valid user name
    ],
)
async def test_authenticate_refuses(
    accounts: SqlAccountStore, username: str, password: str
) -> None:
    await accounts.create("alice", "Alice Smith", Role.OPERATOR, GOOD_PASSWORD)
    assert await accounts.authenticate(username, password) is None


class CountingHasher(Hasher):
    """The quick hasher, noting which stored hash each verification was against."""

    def __init__(self) -> None:
        super().__init__(quick_hasher().hasher)
        self.verified: list[str] = []

    async def verify(self, stored: str, password: str) -> bool:
        self.verified.append(stored)
        return await super().verify(stored, password)


async def test_unknown_and_disabled_accounts_are_checked_against_the_dummy_hash(
    accounts: SqlAccountStore,
) -> None:
    # Counted, not timed: every refusal costs one argon2 verification, as a real check does.
    hasher = CountingHasher()
    store = SqlAccountStore(accounts.engine, hasher=hasher)
    await store.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    await store.create("bob", "Bob", Role.OPERATOR, OTHER_PASSWORD)
    await store.set_active("bob", False)
    dummy = await hasher.dummy()
    assert await store.authenticate("carol", GOOD_PASSWORD) is None
    assert await store.authenticate("bob", OTHER_PASSWORD) is None  # disabled
    assert await store.authenticate("alice", OTHER_PASSWORD) is None  # wrong password
    assert await store.authenticate("not a name!", GOOD_PASSWORD) is None
    assert hasher.verified == [dummy, dummy, await stored_hash(store, "alice"), dummy]


async def test_disabled_accounts_cannot_sign_in_until_enabled(accounts: SqlAccountStore) -> None:
    await accounts.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    assert await accounts.set_active("ALICE", False)
    assert await accounts.authenticate("alice", GOOD_PASSWORD) is None
    account = await accounts.get("alice")
    assert account is not None and not account.active
    assert [a.active for a in await accounts.list_accounts()] == [False]
    assert await accounts.set_active("alice", True)
    assert await accounts.authenticate("alice", GOOD_PASSWORD) is not None
    assert not await accounts.set_active("nobody", False)


async def test_set_password(accounts: SqlAccountStore) -> None:
    await accounts.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    with pytest.raises(WeakPassword):
        await accounts.set_password("alice", "too-short")
    assert await accounts.authenticate("alice", GOOD_PASSWORD) is not None
    assert await accounts.set_password("alice", OTHER_PASSWORD)
    assert await accounts.authenticate("alice", GOOD_PASSWORD) is None
    assert await accounts.authenticate("alice", OTHER_PASSWORD) is not None
    assert not await accounts.set_password("nobody", OTHER_PASSWORD)


async def test_an_old_hash_is_upgraded_at_the_next_sign_in(accounts: SqlAccountStore) -> None:
    await accounts.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    old = await stored_hash(accounts, "alice")
    # Later the deployment raises the cost: the same database, a stronger hasher.
    stronger = Hasher(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    upgraded = SqlAccountStore(accounts.engine, hasher=stronger)
    assert stronger.needs_rehash(old)
    assert await upgraded.authenticate("alice", OTHER_PASSWORD) is None
    assert await stored_hash(accounts, "alice") == old  # not on a failed sign-in
    assert await upgraded.authenticate("alice", GOOD_PASSWORD) is not None
    new = await stored_hash(accounts, "alice")
    assert new != old
    assert not stronger.needs_rehash(new)
    assert "m=2048,t=2,p=1" in new
    assert await upgraded.authenticate("alice", GOOD_PASSWORD) is not None
    assert await stored_hash(accounts, "alice") == new  # no rehash once current


async def test_the_database_refuses_an_unknown_role(accounts: SqlAccountStore) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        async with accounts.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO staff_accounts (username, display_name, role, password_hash, "
                    "active, created_at, updated_at, password_changed_at) VALUES ('x1', 'X', "
                    "'admin', 'h', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )


async def test_an_unreachable_database_is_staff_unavailable() -> None:
    from tests.triage_queue.support import closed_port

    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test"
    store = SqlAccountStore.from_url(url, hasher=quick_hasher())
    try:
        with pytest.raises(StaffUnavailable):
            await store.authenticate("alice", GOOD_PASSWORD)
        with pytest.raises(StaffUnavailable):
            await store.list_accounts()
        with pytest.raises(StaffUnavailable):
            await store.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    finally:
        await store.aclose()


async def test_an_overlong_password_is_refused_without_hashing_all_of_it(
    accounts: SqlAccountStore,
) -> None:
    hasher = CountingHasher()
    store = SqlAccountStore(accounts.engine, hasher=hasher)
    await store.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
    assert await store.authenticate("alice", GOOD_PASSWORD + "x" * 1_000_000) is None
    assert hasher.verified == [await hasher.dummy()]
