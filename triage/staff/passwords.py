"""Rules for user names, display names and passwords, and argon2id hashing off the loop.

Hashing is deliberately slow (tens of milliseconds and 64 MiB by default), so it runs in a
worker thread. Unknown and disabled accounts are checked against a dummy hash made with the
same parameters, so a sign-in takes about as long whether or not the account exists.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from triage.staff.models import MAX_DISPLAY_NAME
from triage.staff.ports import WeakPassword

USERNAME_RULE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256
"""Longer is refused: hashing megabytes on request is a denial of service, not security."""

# Very common passwords long enough to pass the length rule (compared in lower case).
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "password123!",
        "passwordpassword",
        "p@ssw0rd1234",
        "p@ssword1234",
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789abc",
        "abc123456789",
        "abcdefghijkl",
        "qwerty123456",
        "qwertyuiop12",
        "qwertyuiopas",
        "qwertyqwerty",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123456",
        "changeme1234",
        "administrator",
        "administrator1",
        "football1234",
        "baseball1234",
        "sunshine1234",
        "monkey123456",
        "trustno1trustno1",
        "correcthorsebatterystaple",
        "police123456",
        "policepolice",
        "bluelamp1234",
        "northshire123",
    }
)


def normalise_username(username: str) -> str:
    """The stored form of a login: trimmed and in lower case."""
    return username.strip().lower()


def check_username(username: str) -> str:
    """The normalised user name; ValueError saying what is allowed when it is malformed."""
    name = normalise_username(username)
    if not USERNAME_RULE.fullmatch(name):
        raise ValueError(
            "a user name is 2 to 40 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_display_name(display_name: str) -> str:
    """The display name trimmed; ValueError when empty, too long or holding control codes."""
    name = " ".join(display_name.split())
    if not 1 <= len(name) <= MAX_DISPLAY_NAME:
        raise ValueError(f"a display name is 1 to {MAX_DISPLAY_NAME} characters")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise ValueError("a display name cannot hold control characters")
    return name


def check_password(password: str, username: str) -> None:
    """WeakPassword, with what is needed, unless the password is acceptable."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"the password must be at least {MIN_PASSWORD} characters long")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"the password must be at most {MAX_PASSWORD} characters long")
    lowered = password.lower()
    if lowered == normalise_username(username):
        raise WeakPassword("the password must not be the user name")
    if lowered in COMMON_PASSWORDS or len(set(password)) == 1:
        raise WeakPassword("that password is too common; choose a longer, less guessable one")


class Hasher:
    """An argon2id `PasswordHasher` whose slow work runs in a thread."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored: str, password: str) -> bool:
        """True when ``password`` matches ``stored``; a malformed hash never matches."""
        try:
            return await asyncio.to_thread(self.hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self.hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return True

    async def dummy(self) -> str:
        """A hash of a random secret with this hasher's parameters, made once."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(32))
        return self._dummy

    async def burn(self, password: str) -> None:
        """Spend as long as a real check, for an account that must not be told apart."""
        await self.verify(await self.dummy(), password)
