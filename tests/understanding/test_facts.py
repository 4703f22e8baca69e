"""Facts given in passing are found, checked like answers, and nothing is invented."""

from __future__ import annotations

from datetime import datetime

import pytest

from triage.understanding import facts_in, is_account
from triage.understanding.facts import (
    find_contact,
    find_damaged,
    find_injuries,
    find_name,
    find_place,
    find_reference,
    find_taken,
    find_value,
    find_vehicle_reg,
    find_when,
    when_words,
)
from triage.validation import parse_when

# Tue 8 Dec 2026, 22:00 local
NOW = datetime(2026, 12, 8, 22, 0)


def test_a_story_answers_several_questions_at_once() -> None:
    facts = facts_in(
        "My van was broken into last night on Stratford Road and they took my tools",
        NOW,
        "theft_form",
    )
    assert facts.get("incident_when") == "last night"
    assert facts.get("incident_where") == "Stratford Road"
    assert facts.get("property_details") == "tools"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("it happened yesterday about 3pm when I was in town", "Mon 7 Dec 2026, about 15:00"),
        ("on Saturday at 11pm outside the pub", "Sat 5 Dec 2026, about 23:00"),
        ("sum1 nicked it last nite", "Mon 7 Dec 2026, at night"),
        ("this morning on my way to work", "Tue 8 Dec 2026, in the morning"),
        ("about 2 hours ago", "Tue 8 Dec 2026, about 20:00"),
        ("2 lads jumped me outside spoons on sat nite", "Sat 5 Dec 2026, at night"),
    ],
)
def test_time_words_inside_a_sentence_make_the_time(text: str, shown: str) -> None:
    phrase = find_when(text, NOW)
    assert phrase is not None
    assert parse_when(phrase, NOW).value == shown


def test_no_time_words_means_no_time() -> None:
    assert find_when("someone took my bike from the rack", NOW) is None
    assert find_when("they took 2 bags", NOW) is None


def test_a_future_time_is_not_taken_as_when_it_happened() -> None:
    assert find_when("it will be tomorrow at 9am", NOW) is None
    assert when_words("actually it was 4pm") == "4pm"  # unchecked: a correction keeps its day


@pytest.mark.parametrize(
    ("text", "place"),
    [
        (
            "taken from outside the library on Front Street, NE1 4ST",
            "outside the library, Front Street, NE1 4ST",
        ),
        ("my phone was taken on the bus this morning", "on the bus"),
        ("someone keyed my car outside Tesco on Hagley Road", "outside Tesco, Hagley Road"),
        ("it was at 14 elm close near the park", "near the park, 14 elm close"),
    ],
)
def test_places_streets_and_postcodes(text: str, place: str) -> None:
    assert find_place(text) == place


def test_words_that_only_sound_like_places_are_not_places() -> None:
    assert find_place("I want to report a theft") is None
    assert find_place("it happened in March") is None
    assert find_place("I was at home") is None


def test_what_was_taken_and_what_was_damaged() -> None:
    assert find_taken("they took my laptop and ran off") == "laptop"
    assert find_taken("my bike was stolen from the rack") == "bike"
    assert find_taken("someone stole my purse and my phone while i was at the gym") == (
        "purse and my phone"
    )
    assert find_taken("my phone got nicked on the bus") == "phone"
    assert find_taken("they took it") is None
    assert find_damaged("someone keyed my car on Tuesday night") == "car"
    assert find_damaged("our fence was smashed up") == "fence"


def test_value_registration_contact_name_reference() -> None:
    assert find_value("it'll cost £600 to fix") == "£600"
    assert find_value("worth about 300 quid") == "300 quid"
    assert find_value("they took 3 bags") is None
    assert find_vehicle_reg("the reg is ab12 cde I think") == "ab12 cde"
    assert find_vehicle_reg("it was a blue car") is None
    assert find_contact("my number is 07700 900456 thanks") == "07700 900456"
    assert find_contact("email me at sam.patel@example.com please") == "sam.patel@example.com"
    assert find_name("my name is Sam Patel and my number is 07700 900456") == "Sam Patel"
    assert find_name("I'm scared to go out") is None
    assert find_reference("no reference here") is None


def test_a_reference_with_a_wrong_check_character_is_not_taken() -> None:
    from triage.cases.references import new_reference

    good = new_reference()
    assert find_reference(f"any news on {good}?") == good
    wrong = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert find_reference(f"any news on {wrong}?") is None


def test_injuries_and_no_injuries() -> None:
    assert find_injuries("he punched me and I've got a black eye and a split lip") == (
        "black eye, split lip"
    )
    assert find_injuries("luckily nobody was hurt") == "none"
    assert find_injuries("he shouted at me") is None


def test_an_account_is_more_than_naming_the_report() -> None:
    assert not is_account("I want to report a stolen bike")
    assert not is_account("report burglary")
    assert is_account("I want to report that my car was broken into last night on the drive")
    assert is_account("I parked up, came back and the back window was in pieces")


def test_buttons_and_empty_text_give_nothing() -> None:
    assert not facts_in("/report_theft", NOW, "theft_form")
    assert not facts_in("", NOW, "theft_form")


def test_what_keeps_happening_is_kept_as_ongoing() -> None:
    phrase = find_when("kids on motorbikes up n down the field every nite for the past month", NOW)
    assert phrase == "every night for the past month"
    assert parse_when(phrase, NOW).value == "ongoing: every night for the past month"


def test_slang_places_and_injuries() -> None:
    facts = facts_in(
        "got jumped by 3 lads outside maccies on sat nite, got a busted lip", NOW, "violence_form"
    )
    assert facts.get("incident_where") == "outside McDonald's"
    assert facts.get("injuries") == "busted lip"
    assert find_place("theres deffo sum1 dealin from the house on the corner of Oak st") == (
        "corner of Oak st"
    )
    assert find_place("tailgating me all down the A19 yesterday") == "the A19"


def test_why_it_was_hostility() -> None:
    from triage.understanding.facts import find_hate_motivation

    assert (
        find_hate_motivation("a man shouted racist abuse at me on the bus because I'm Black")
        == "racist abuse; because I'm Black"
    )
    assert find_hate_motivation("a man shouted at me on the bus") is None


def test_days_named_from_two_back_and_a_bare_amount_when_asked_for_money() -> None:
    from triage.understanding.facts import find_amount

    assert parse_when("the night before last", NOW).value == "Sun 6 Dec 2026, at night"
    assert parse_when("the day before yesterday", NOW).value == "Sun 6 Dec 2026"
    assert find_amount("dunno yet, maybe 400") == "400"
    assert find_amount("between 2 and 3 hundred") is None  # two numbers: ask, do not guess


def test_parts_of_people_are_not_stolen_items() -> None:
    assert find_taken("he grabbed my arm and shoved me") is None
    assert (
        facts_in("My van's been nicked off the drive overnight", NOW, "theft_form").get(
            "property_details"
        )
        == "van"
    )


def test_a_long_story_is_read_for_its_moment_its_address_and_what_is_gone() -> None:
    story = (
        "I've been stopping at my sister's in Swansea since Friday and got back yesterday "
        "teatime to find the back door forced, the whole place turned upside down and my "
        "laptop gone. It's 17 Heol Las, Cardiff CF14 2DG."
    )
    facts = facts_in(story, NOW, "theft_form")
    assert facts.get("incident_when") == "yesterday teatime"
    assert facts.get("incident_where") == "17 Heol Las, CF14 2DG"  # not Swansea, not "place"
    assert facts.get("property_details") == "laptop"
    assert find_taken("someone's sawn the catalytic converter off it in the night") == (
        "catalytic converter"
    )


def test_a_later_message_makes_the_place_more_exact_and_graffiti_is_the_damage() -> None:
    from triage.understanding.facts import more_exact_place

    assert (
        more_exact_place(
            "at our mosque", find_place("It's Jamia Masjid on Carlisle Road, Bradford BD8 8AD")
        )
        == "at our mosque, Carlisle Road, BD8 8AD"
    )
    assert more_exact_place("Carlisle Road, BD8 8AD", "Carlisle Road") is None
    assert find_damaged("need to report some graffiti that's been sprayed on it. Awful") == (
        "graffiti that's been sprayed on it"
    )
