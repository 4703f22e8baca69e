"""The answer parsers: good answers are normalised, bad ones get a reason code."""

from __future__ import annotations

from datetime import datetime

import pytest

from triage.cases.references import new_reference
from triage.validation import (
    NOT_KNOWN,
    is_unknown,
    parse_contact,
    parse_description,
    parse_email,
    parse_money,
    parse_name,
    parse_phone,
    parse_place,
    parse_postcode,
    parse_reference,
    parse_vehicle_reg,
    parse_verify_detail,
    parse_when,
)

NOW = datetime(2026, 11, 25, 10, 0)  # a Wednesday morning


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday about 3pm", "Tue 24 Nov 2026, about 15:00"),
        ("24/11/2026 3pm", "Tue 24 Nov 2026, about 15:00"),
        ("3/4/2026", "Fri 3 Apr 2026"),  # day first, British style
        ("last night", "Tue 24 Nov 2026, at night"),
        ("last night about 11", "Tue 24 Nov 2026, about 23:00"),
        ("two days ago", "Mon 23 Nov 2026"),
        ("on Saturday", "Sat 21 Nov 2026"),
        ("Saturday at 2", "Sat 21 Nov 2026, about 14:00"),
        ("yesterday 15.30", "Tue 24 Nov 2026, about 15:30"),
        ("an hour ago", "Wed 25 Nov 2026, about 09:00"),
        ("this morning", "Wed 25 Nov 2026, in the morning"),
        ("sometime last week", "sometime between Mon 16 Nov and Sun 22 Nov 2026"),
        ("over the weekend", "over the weekend, Sat 21 Nov to Sun 22 Nov 2026"),
        ("last month", "sometime in October 2026"),
        ("in march", "sometime in March 2026"),
        ("december", "sometime in December 2025"),
        ("between friday and sunday", "between Fri 20 Nov 2026 and Sun 22 Nov 2026"),
        ("overnight", "overnight, Tue 24 Nov to Wed 25 Nov 2026"),
    ],
)
def test_parse_when_understands_british_and_relative_times(text: str, expected: str) -> None:
    assert parse_when(text, NOW).value == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("tomorrow", "future_time"),
        ("next week", "future_time"),
        ("in 2 hours", "future_time"),
        ("this evening", "future_time"),  # it is 10am
        ("asdf", "when_unclear"),
        ("5", "when_unclear"),
        ("recently", "when_vague"),
        ("1000 years ago", "too_old"),
        ("dunno", "unknown_not_allowed"),
        ("", "empty"),
        ("x" * 500, "too_long"),
    ],
)
def test_parse_when_refuses_future_garbage_and_vague(text: str, error: str) -> None:
    result = parse_when(text, NOW)
    assert result.value is None
    assert result.error == error


def test_parse_when_uses_the_given_clock_not_the_real_one() -> None:
    assert parse_when("yesterday", datetime(2024, 2, 29, 12, 0)).value == "Wed 28 Feb 2024"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ne14st", "NE1 4ST"),
        ("SW1A1AA", "SW1A 1AA"),
        (" w1a 0ax ", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
    ],
)
def test_parse_postcode_normalises(text: str, expected: str) -> None:
    assert parse_postcode(text).value == expected


@pytest.mark.parametrize("text", ["QQ1 1AA", "NE1", "12345", "NE1 4STX", "hello"])
def test_parse_postcode_refuses_malformed(text: str) -> None:
    assert parse_postcode(text).error == "postcode_invalid"


def test_parse_place_keeps_text_and_normalises_postcode() -> None:
    assert parse_place("outside Tesco, ne14st").value == "outside Tesco, NE1 4ST"
    assert parse_place("  on   Station Road ").value == "on Station Road"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("asdf", "place_unclear"),
        ("qwerty", "place_unclear"),
        ("x", "place_unclear"),
        ("12", "place_unclear"),
        ("near QQ1 1AA", "postcode_invalid"),
        ("don't know", "unknown_not_allowed"),
    ],
)
def test_parse_place_refuses_garbage(text: str, error: str) -> None:
    assert parse_place(text).error == error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("my number is 0191 498 0000", "+441914980000"),
        ("020 7946 0000", "+442079460000"),
    ],
)
def test_parse_phone_gives_e164(text: str, expected: str) -> None:
    assert parse_phone(text).value == expected


def test_parse_phone_refuses_short_and_foreign_numbers() -> None:
    assert parse_phone("12345").error == "phone_invalid"
    assert parse_phone("999").error == "phone_invalid"
    assert parse_phone("+1 202 555 0100").error == "phone_not_uk"


def test_parse_email_lower_cases_and_checks_shape() -> None:
    assert parse_email("Jo.Bloggs@Example.COM").value == "jo.bloggs@example.com"
    assert parse_email("it's jo@example.com thanks").value == "jo@example.com"
    assert parse_email("jo@").error == "email_invalid"
    assert parse_email("jo at example dot com").error == "email_invalid"


def test_parse_contact_picks_email_or_phone() -> None:
    assert parse_contact("JO@example.com").value == "jo@example.com"
    assert parse_contact("07700900123").value == "+447700900123"
    assert parse_contact("hello").error == "contact_invalid"
    assert parse_contact("+1 202 555 0100").error == "phone_not_uk"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab12cde", "AB12 CDE"),
        ("AB12 CDE", "AB12 CDE"),
        ("the reg was ab12-cde", "AB12 CDE"),
        ("it was a blue Ford, AB12 CDE", "AB12 CDE"),
        ("A123BCD", "A123 BCD"),
        ("abc123d", "ABC 123D"),
        ("1234 AB", "1234 AB"),
    ],
)
def test_parse_vehicle_reg_current_and_older_formats(text: str, expected: str) -> None:
    assert parse_vehicle_reg(text).value == expected


def test_parse_vehicle_reg_refuses_garbage_and_unknown_unless_allowed() -> None:
    assert parse_vehicle_reg("xyz").error == "vehicle_reg_invalid"
    assert parse_vehicle_reg("a blue car").error == "vehicle_reg_invalid"
    assert parse_vehicle_reg("dunno").error == "unknown_not_allowed"
    assert parse_vehicle_reg("dunno", allow_unknown=True).value == NOT_KNOWN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£300", "£300"),
        ("300 pounds", "£300"),
        ("about 150 quid", "about £150"),
        ("2k", "£2,000"),
        ("£1,250.50", "£1,250.50"),
        ("£1.5k", "£1,500"),
        ("a tenner", "£10"),
        ("it was worth about £40", "about £40"),
        ("nothing", "£0"),
        ("not sure", NOT_KNOWN),
        ("no idea", NOT_KNOWN),
    ],
)
def test_parse_money(text: str, expected: str) -> None:
    assert parse_money(text).value == expected


@pytest.mark.parametrize("text", ["asdf", "-5", "£300 or £400", "lots", "300 bananas"])
def test_parse_money_refuses_what_it_cannot_read(text: str) -> None:
    assert parse_money(text).error == "money_invalid"


def test_parse_money_refuses_absurd_amounts() -> None:
    assert parse_money("£999999999999").error == "money_too_large"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Jo Bloggs", "Jo Bloggs"),
        ("I'm Zoë", "Zoë"),
        ("Siân O'Brien-Jones", "Siân O'Brien-Jones"),
        ("  Mary   Smith ", "Mary Smith"),
    ],
)
def test_parse_name_strips_preamble(text: str, expected: str) -> None:
    assert parse_name(text).value == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("J", "name_too_short"),
        ("R2D2", "name_invalid"),
        ("jo@example.com", "name_invalid"),
        ("A" * 101, "name_too_long"),
        ("anonymous", "anonymous_not_allowed"),
        ("don't know", "unknown_not_allowed"),
    ],
)
def test_parse_name_refuses_non_names(text: str, error: str) -> None:
    assert parse_name(text).error == error


def test_parse_name_anonymous_only_where_allowed() -> None:
    assert parse_name("I'd rather stay anonymous", allow_anonymous=True).value == "anonymous"
    assert parse_name("anon", allow_anonymous=True).value == "anonymous"


@pytest.mark.parametrize(
    "text", ["don't know", "Dunno", "no idea", "NOT SURE", "none", "no", "n/a", "I don’t know"]
)
def test_is_unknown_recognises_dont_know(text: str) -> None:
    assert is_unknown(text)


@pytest.mark.parametrize("text", ["Tesco", "no one saw it happen", "my bike", "nowhere near"])
def test_is_unknown_ignores_real_answers(text: str) -> None:
    assert not is_unknown(text)


def test_parse_description_needs_a_short_sentence() -> None:
    assert parse_description("someone smashed my car window").ok
    assert parse_description("hit").error == "too_short"
    assert parse_description("asdf qwer").error == "too_short"
    assert parse_description("dunno").error == "unknown_not_allowed"


def test_parse_reference_checks_the_check_character() -> None:
    reference = new_reference()
    assert parse_reference(reference.lower().replace("-", " ")).value == reference
    assert parse_reference(f"my ref is {reference}").value == reference
    wrong_last = reference[:-1] + ("0" if reference[-1] != "0" else "1")
    assert parse_reference(wrong_last).error == "reference_invalid"
    assert parse_reference("BL-1234").error == "reference_invalid"


def test_parse_verify_detail_normalises_like_report_time() -> None:
    assert parse_verify_detail("Jo@Example.com").value == "jo@example.com"
    assert parse_verify_detail("ne1 4st").value == "NE1 4ST"
    assert parse_verify_detail("07700 900123").value == "+447700900123"
    assert parse_verify_detail("my dog").error == "verify_invalid"


def test_a_clock_time_later_than_now_with_no_day_means_the_evening_just_gone() -> None:
    one_am = datetime(2026, 12, 8, 1, 0)
    assert parse_when("about 9pm", one_am).value == "Mon 7 Dec 2026, about 21:00"
    assert parse_when("it was 11.30pm", one_am).value == "Mon 7 Dec 2026, about 23:30"
    # a day that is named is never moved
    assert parse_when("today at 9pm", one_am).error == "future_time"
    assert parse_when("tonight at 9pm", one_am).error == "future_time"
