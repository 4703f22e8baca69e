"""Property tests: no parser raises on any input, and each gives a value or an error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.validation import (
    Parsed,
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

NOW = datetime(2026, 11, 25, 10, 0)

PARSERS: list[Callable[[str], Parsed]] = [
    parse_place,
    parse_postcode,
    parse_phone,
    parse_email,
    parse_contact,
    parse_vehicle_reg,
    parse_money,
    parse_name,
    parse_description,
    parse_reference,
    parse_verify_detail,
    lambda text: parse_when(text, NOW),
]

# Unicode of every kind, plus strings built from the characters the parsers care about.
ANY_TEXT = st.text(max_size=300)
TRICKY_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789£$@.,:/-' aAbBkKpPmM\u2019\u00e9\u0000\n\t")),
    max_size=60,
)


def assert_value_xor_error(result: Parsed) -> None:
    assert isinstance(result, Parsed)
    assert (result.value is None) != (result.error is None)
    if result.value is not None:
        assert isinstance(result.value, str)
        assert result.value.strip() == result.value
        assert result.value


@pytest.mark.parametrize("parser", PARSERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT)
def test_parsers_never_raise_on_any_unicode(parser: Callable[[str], Parsed], text: str) -> None:
    assert_value_xor_error(parser(text))


@pytest.mark.parametrize("parser", PARSERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TRICKY_TEXT)
def test_parsers_never_raise_on_tricky_characters(
    parser: Callable[[str], Parsed], text: str
) -> None:
    assert_value_xor_error(parser(text))


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT)
def test_accepted_times_are_never_in_the_future(text: str) -> None:
    result = parse_when(text, NOW)
    if result.value is not None:
        assert "2027" not in result.value


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT)
def test_is_unknown_is_total(text: str) -> None:
    assert isinstance(is_unknown(text), bool)


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT)
def test_accepted_postcodes_are_normalised(text: str) -> None:
    result = parse_postcode(text)
    if result.value is not None:
        assert result.value == result.value.upper()
        assert result.value.count(" ") == 1
        assert parse_postcode(result.value).value == result.value
