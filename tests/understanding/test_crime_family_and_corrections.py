"""The kind of crime a story describes, and corrections of earlier answers."""

from __future__ import annotations

import pytest

from triage.understanding import (
    correction_slot,
    crime_family,
    looks_like_correction,
    merge_when,
    sounds_like_crime,
)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        (
            "I parked up, came back and the back window was in pieces and my bag was gone",
            "vehicle_crime",
        ),
        ("my van was broken into last night and they took my tools", "vehicle_crime"),
        ("someone nicked my catalytic converter", "vehicle_crime"),
        ("came home to find the back door forced and the telly gone", "burglary"),
        ("they broke into our shed and took the mower", "burglary"),
        ("sum1 nicked my phone outside spoons last nite", "theft"),
        ("a lad punched me in the face outside the chippy", "assault"),
        ("he called me a paki and pushed me", "hate_crime"),
        ("my ex keeps messaging me and turning up at my work", "harassment"),
        ("kids spray painted the garage door", "criminal_damage"),
        ("there's someone dealing from the flat upstairs", "drugs"),
        ("a white van was speeding past the school every morning", "road_offence"),
        ("gangs of youths hanging round the shops causing trouble", "asb"),
        ("I sent them £400 for a puppy and it never arrived", "fraud"),
    ],
)
def test_stories_name_their_family(text: str, family: str) -> None:
    assert crime_family(text) == family


@pytest.mark.parametrize(
    "text",
    [
        "what time does the station open",
        "hello",
        "I want to pay a speeding fine",  # an enquiry, named by its own intent
        "/report_theft",
        "",
    ],
)
def test_messages_without_a_crime_have_no_family(text: str) -> None:
    assert (
        crime_family(text) in (None, "road_offence")
        if "speeding" in text
        else (crime_family(text) is None)
    )


def test_something_happened_without_saying_what() -> None:
    assert sounds_like_crime("someone did something to my mum's house")
    assert not sounds_like_crime("what are your opening hours")


@pytest.mark.parametrize(
    "text",
    [
        "actually it was 4pm",
        "sorry, the value was nearer £600",
        "my number is wrong, it's 07700 900456",
        "it was Tuesday not Monday",
        "no wait it was on Hagley Road",
    ],
)
def test_corrections_are_recognised(text: str) -> None:
    assert looks_like_correction(text)


@pytest.mark.parametrize("text", ["my bike was stolen", "yesterday about 3pm", "Sam Patel"])
def test_answers_are_not_corrections(text: str) -> None:
    assert not looks_like_correction(text)


def test_the_corrected_field_is_the_one_named_or_the_only_one_given() -> None:
    answered = ["incident_when", "incident_where", "property_value", "reporter_contact"]
    assert (
        correction_slot("my number is wrong, it's 07700 900456", answered, ["reporter_contact"])
        == "reporter_contact"
    )
    assert correction_slot("actually it was 4pm", answered, ["incident_when"]) == "incident_when"
    # a value for a question not answered yet is not a correction
    assert correction_slot("actually it was £600", ["incident_when"], ["property_value"]) is None
    # two values, the words pick one
    assert (
        correction_slot(
            "the time was wrong, 4pm on Hagley Road", answered, ["incident_when", "incident_where"]
        )
        == "incident_when"
    )


def test_a_new_time_keeps_the_day_already_given() -> None:
    assert merge_when("Mon 7 Dec 2026, about 23:00", "4pm") == "Mon 7 Dec 2026 4pm"
    assert merge_when("Mon 7 Dec 2026, about 23:00", "yesterday 4pm") == "yesterday 4pm"
    assert merge_when(None, "4pm") == "4pm"


def test_one_word_is_enough_once_asked_which_kind_of_report() -> None:
    assert crime_family("it was my car") is None
    assert crime_family("it was my car", answering_which=True) == "vehicle_crime"
    assert crime_family("the house", answering_which=True) == "burglary"
    assert crime_family("my phone", answering_which=True) == "theft"
    assert crime_family("no idea", answering_which=True) is None


def test_the_new_value_is_the_one_kept_not_the_old_one_named() -> None:
    from triage.understanding.corrections import new_value_words

    assert new_value_words("I said Monday but it was last Tuesday") == "it was last Tuesday"
    assert new_value_words("it was Tuesday not Monday") == "it was Tuesday"
    assert new_value_words("sorry, the value is more like 900 not 600") == (
        "sorry, the value is more like 900"
    )


@pytest.mark.parametrize(
    ("text", "family"),
    [
        (
            "came back to my car in the multi-storey yesterday about half 5 and the passenger "
            "window was smashed, they took my work laptop bag off the back seat",
            "vehicle_crime",
        ),
        ("sumbdy tanned ma motor last nite, smashed the windae n took ma satnav", "vehicle_crime"),
        ("my son is autistic and kids on our road keep calling him names", "hate_crime"),
        (
            "a BMW undertook me then cut across three lanes and nearly took my front end off",
            "road_offence",
        ),
        ("a moped rider went along the pavement and clipped an old man's trolley", "road_offence"),
        (
            "two men told him his roof needed repairs, he paid them £4,000 and they never came "
            "back to do anything",
            "fraud",
        ),
        ("they took my phone off me", "theft"),
    ],
)
def test_stories_from_people_the_rules_were_not_written_for(text: str, family: str) -> None:
    assert crime_family(text) == family
