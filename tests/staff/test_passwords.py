"""The rules for user names, display names and passwords (no database needed)."""

from __future__ import annotations

import pytest

from triage.staff.passwords import (
    check_display_name,
    check_password,
    check_username,
    normalise_username,
)
from triage.staff.ports import WeakPassword

from .support import GOOD_PASSWORD, quick_hasher


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Alice", "alice"), ("  PC1234 ", "pc1234"), ("j.smith-2_b", "j.smith-2_b"), ("ab", "ab")],
)
def test_user_names_are_normalised(given: str, stored: str) -> None:
    assert check_username(given) == stored
    assert normalise_username(given) == stored


@pytest.mark.parametrize(
    "bad", ["", "a", ".alice", "-bob", "al ice", "alice@example.com", "x" * 41, "zoë", "a/b"]
)
def test_malformed_user_names_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="2 to 40 characters"):
        check_username(bad)


def test_display_names_are_trimmed_and_limited() -> None:
    assert check_display_name("  Alice   Smith ") == "Alice Smith"
    assert check_display_name("x" * 80) == "x" * 80
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(ValueError, match="1 to 80"):
            check_display_name(bad)
    with pytest.raises(ValueError, match="control"):
        check_display_name("Alice\u0000Smith")


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short-pass1", "at least 12"),
        ("", "at least 12"),
        ("x" * 257, "at most 256"),
        ("Alice.Smith1", "user name"),
        ("PASSWORD1234", "too common"),
        ("qwerty123456", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, says: str) -> None:
    with pytest.raises(WeakPassword, match=says):
        check_password(password, "alice.smith1")


def test_a_long_uncommon_password_is_accepted() -> None:
    check_password(GOOD_PASSWORD, "alice")
    check_password("a-pass-" + "x" * 249, "alice")  # exactly the longest allowed


async def test_hashes_are_argon2id_salted_and_verify() -> None:
    hasher = quick_hasher()
    first, second = await hasher.hash(GOOD_PASSWORD), await hasher.hash(GOOD_PASSWORD)
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    assert GOOD_PASSWORD not in first
    assert await hasher.verify(first, GOOD_PASSWORD)
    assert not await hasher.verify(first, GOOD_PASSWORD + "x")
    assert not await hasher.verify("not a hash", GOOD_PASSWORD)


async def test_the_dummy_hash_is_made_once_with_the_same_parameters() -> None:
    hasher = quick_hasher()
    dummy = await hasher.dummy()
    assert await hasher.dummy() == dummy
    real = await hasher.hash(GOOD_PASSWORD)
    assert dummy.split("$")[:4] == real.split("$")[:4]  # same algorithm, version and costs
    assert not await hasher.verify(dummy, GOOD_PASSWORD)
