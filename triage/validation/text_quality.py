"""Cheap checks for keyboard mashing, so "asdf" is not stored as a place or an item."""

from __future__ import annotations

import re

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_FILLER_WORDS = frozenset({"test", "testing", "blah", "foo", "bar", "lol", "xxx", "abc", "hmm"})
_VOWELS = set("aeiouyàáâäãåæèéêëìíîïòóôöõøœùúûüýÿŵŷ")


def letter_count(text: str) -> int:
    """Number of letters (any script) in the text."""
    return sum(1 for ch in text if ch.isalpha())


def _is_keyboard_run(word: str) -> bool:
    if len(word) < 3:
        return False
    for row in _KEYBOARD_ROWS:
        # the word is made only of a run along one row, possibly repeated ("asdfasdf")
        for start in range(len(row)):
            for end in range(start + 3, len(row) + 1):
                run = row[start:end]
                if word in (run, run[::-1]) or (
                    len(word) % len(run) == 0 and word == run * (len(word) // len(run))
                ):
                    return True
    return False


def looks_like_garbage(text: str) -> bool:
    """True for keyboard mashing, filler words, repeated letters and vowel-less strings."""
    cleaned = text.strip().casefold()
    if not cleaned:
        return True
    words = re.findall(r"[^\W\d_]+", cleaned)
    if not words:
        return True
    if len(words) == 1:
        word = words[0]
        if word in _FILLER_WORDS or _is_keyboard_run(word):
            return True
        if len(word) >= 3 and len(set(word)) == 1:
            return True
        if len(word) >= 4 and word.isascii() and not (set(word) & _VOWELS):
            return True
    return all(_is_keyboard_run(word) or word in _FILLER_WORDS for word in words)
