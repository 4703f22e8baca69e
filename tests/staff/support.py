"""Test support for the staff domain: a hand-moved clock and a quick argon2id hasher."""

from __future__ import annotations

from argon2 import PasswordHasher

from triage.staff.passwords import Hasher

T0 = 1_790_000_000.0
GOOD_PASSWORD = "correct-lamp-staple-42"
OTHER_PASSWORD = "another-long-secret-17"


class Clock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def quick_hasher() -> Hasher:
    """argon2id with the smallest sensible cost, so tests do not spend seconds hashing."""
    return Hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
