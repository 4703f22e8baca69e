"""Redaction: each kind of personal detail is replaced, ordinary words are kept, and no
generated email or UK phone number ever survives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.redact import PLACEHOLDERS, redact, summarise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email me at Jo.Bloggs+police@Example.co.uk.", "email me at [email]."),
        ("(jo@example.com)", "([email])"),
        ("call 07700 900123 now", "call [phone] now"),
        ("ring 07700900123", "ring [phone]"),
        ("+44 7700 900123", "[phone]"),
        ("+44 (0)7700 900 123", "[phone]"),
        ("0044 7700 900123", "[phone]"),
        ("landline (0191) 123 4567", "landline [phone]"),
        ("0191-123-4567", "[phone]"),
        ("card 4111 1111 1111 1111 thanks", "card [card] thanks"),
        ("card 4111-1111-1111-1111", "card [card]"),
        ("amex 3714 496353 98431", "amex [card]"),
        ("sort code 12-34-56 account 12345678", "sort code [sort code] account [account]"),
        ("car AB12 CDE drove off", "car [vehicle] drove off"),
        ("reg ab12cde", "reg [vehicle]"),
        ("old car A123 BCD", "old car [vehicle]"),
        ("classic ABC 123D", "classic [vehicle]"),
        ("postcode NE1 4ST", "postcode [postcode]"),
        ("at sw1a1aa today", "at [postcode] today"),
        ("I live at 12 High Street, Newtown", "I live at [address], Newtown"),
        ("flat 3, 14a Acacia Avenue", "[address]"),
        ("it was 221b baker st.", "it was [address]"),
        ("at 12 The Green", "at [address]"),
        ("my name is Jo Bloggs and I was robbed", "my name is [name] and I was robbed"),
        ("My name's jo", "My name's [name]"),
        ("hi I'm called Mary-Jane O'Neil from town", "hi I'm called [name] from town"),
        ("I am called Sam", "I am called [name]"),
        ("hey @NorthshirePolice and @jo_b", "hey [handle] and [handle]"),
    ],
)
def test_each_kind_of_detail_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I saw 2 men in the park at 5pm",
        "my bike was stolen on 2024-01-05 at 10:30, worth £350",
        "there were 3 of them near the station",
        "call me back please",
        "my name is not important",
        "case BL-7K3M-9QX2 update",
        "it happened in 2023",
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_handles_can_be_kept() -> None:
    assert redact("thanks @NorthshirePolice", handles=False) == "thanks @NorthshirePolice"
    assert redact("jo@example.com", handles=False) == "[email]"


def test_summarise_redacts_then_shortens() -> None:
    text = "my number is 07700 900123 " + "and then " * 100
    short = summarise(text, limit=40)
    assert len(short) <= 40 and short.endswith("…")
    assert short.startswith("my number is [phone]")
    assert summarise("  a\n\n b  ") == "a b"


# --- properties -----------------------------------------------------------------------------

# Surrounding text without digits or "@", so anything left over can only come from the detail.
filler = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Nd", "No", "Nl"), exclude_characters="@"
    ),
    max_size=40,
)
separator = st.sampled_from(["", " ", "-", "  ", "."])


@st.composite
def uk_phones(draw: st.DrawFn) -> str:
    """UK numbers as people type them: mobiles and landlines, national or international."""
    kind = draw(st.sampled_from(["mobile", "geographic", "london", "freephone"]))
    if kind == "mobile":
        digits = "7" + draw(st.text("0123456789", min_size=9, max_size=9))
        groups = [digits[:4], digits[4:]]
    elif kind == "geographic":
        digits = "1" + draw(st.text("0123456789", min_size=9, max_size=9))
        groups = [digits[:3], digits[3:6], digits[6:]]
    elif kind == "london":
        digits = "20" + draw(st.text("0123456789", min_size=8, max_size=8))
        groups = [digits[:2], digits[2:6], digits[6:]]
    else:
        digits = "800" + draw(st.text("0123456789", min_size=6, max_size=7))
        groups = [digits[:3], digits[3:]]
    sep = draw(separator)
    style = draw(st.sampled_from(["national", "plus44", "plus44-0", "0044", "brackets"]))
    body = sep.join(groups)
    if style == "national":
        return "0" + body
    if style == "plus44":
        return "+44" + draw(separator) + body
    if style == "plus44-0":
        return "+44 (0)" + body
    if style == "0044":
        return "0044 " + body
    return f"(0{groups[0]}) " + sep.join(groups[1:])


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(before=filler, email=st.emails(), after=filler)
def test_no_email_survives(before: str, email: str, after: str) -> None:
    redacted = redact(f"{before}{email}{after}")  # even with no space around it
    assert email not in redacted
    assert "@" not in redacted.replace("[email]", "")


@settings(max_examples=400)
@given(before=filler, phone=uk_phones(), after=filler)
def test_no_uk_phone_survives(before: str, phone: str, after: str) -> None:
    redacted = redact(f"{before}{phone}{after}")
    assert phone not in redacted
    assert not any(ch.isdigit() for ch in redacted), redacted


@settings(max_examples=200)
@given(email=st.emails(), phone=uk_phones(), words=filler)
def test_no_detail_survives_alongside_another(email: str, phone: str, words: str) -> None:
    redacted = redact(f"contact {email} or {phone}. {words}")
    assert email not in redacted and phone not in redacted


@settings(max_examples=300)
@given(text=st.text(max_size=200))
def test_redacting_twice_changes_nothing(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_placeholders_are_not_redacted() -> None:
    text = " ".join(sorted(PLACEHOLDERS))
    assert redact(text) == text
