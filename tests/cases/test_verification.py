"""Verifying details are found in free text and matched however the caller writes them."""

from __future__ import annotations

import pytest

from triage.cases.verification import detail_matches, extract_tokens


def test_tokens_from_contact_and_place() -> None:
    tokens = extract_tokens(
        ["Jo.Bloggs@Example.COM", "outside the Co-op, 12 High St, Newcastle ne14st", None]
    )
    assert tokens == ["NE1 4ST", "jo.bloggs@example.com"]


def test_phone_tokens_are_e164_including_ofcom_drama_numbers() -> None:
    assert extract_tokens(["07700 900123"]) == ["+447700900123"]
    assert extract_tokens(["call 0191 498 0000 after 6"]) == ["+441914980000"]


def test_short_digit_runs_and_dates_are_not_phone_numbers() -> None:
    assert extract_tokens(["item 123456, on 12/03/2025 at 14:30, about £350"]) == []


@pytest.mark.parametrize(
    "detail",
    ["+44 7700 900123", "07700900123", "(07700) 900-123", "+44 (0)7700 900123"],
)
def test_phone_in_any_format_matches(detail: str) -> None:
    assert detail_matches(detail, ["+447700900123"])


@pytest.mark.parametrize("detail", ["ne14st", "NE1 4ST", " ne1  4st ", "Ne1 4St"])
def test_postcode_in_any_case_or_spacing_matches(detail: str) -> None:
    assert detail_matches(detail, ["NE1 4ST"])


@pytest.mark.parametrize(
    "detail", ["NE1 4SU", "07700900124", "jo.bloggs@example.co", "", "   ", "NE1"]
)
def test_near_misses_do_not_match(detail: str) -> None:
    assert not detail_matches(detail, ["NE1 4ST", "+447700900123", "jo.bloggs@example.com"])


def test_nothing_matches_a_case_without_tokens() -> None:
    assert not detail_matches("", [])
    assert not detail_matches("\x00no-token\x00", [])
