"""The validation check lets through only the form questions Rasa calls unused."""

from __future__ import annotations

from pathlib import Path

from scripts.validate_warnings import form_questions, unexpected

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "bot" / "domain"
PREFIX = "\x1b[93m/x/rasa/shared/utils/io.py:100: UserWarning: "


def unused(name: str) -> str:
    return f"{PREFIX}The utterance '{name}' is not used in any story or rule.\n\x1b[0m"


def test_form_questions_cover_shared_and_form_specific_names() -> None:
    names = form_questions(DOMAIN_DIR)
    assert {"utter_ask_incident_when", "utter_ask_theft_form_incident_when"} <= names
    assert "utter_ask_greet" not in names


def test_only_real_warnings_are_reported() -> None:
    questions = form_questions(DOMAIN_DIR)
    output = (
        "INFO rasa.validator - Validating utterances...\n"
        + unused("utter_ask_incident_when")
        + unused("utter_ask_theft_form_property_details")
        + unused("utter_ask_something_no_form_asks")
        + unused("utter_lost_property")
        + f"{PREFIX}Intent 'greet' is not used in any story or rule.\n"
    )
    assert unexpected(output, questions) == [
        "The utterance 'utter_ask_something_no_form_asks' is not used in any story or rule.",
        "The utterance 'utter_lost_property' is not used in any story or rule.",
        "Intent 'greet' is not used in any story or rule.",
    ]
    assert unexpected(unused("utter_ask_reporter_name"), questions) == []
