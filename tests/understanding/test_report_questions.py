"""The gateway knows a report question when the bot has just asked one."""

from __future__ import annotations

import yaml

from triage.understanding.questions import QUESTIONS_FILE, report_question


def test_every_report_question_of_the_domain_is_known_by_its_slot() -> None:
    responses = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["responses"]
    text = responses["utter_ask_suspect_description"][0]["text"]
    assert report_question(text) == "suspect_description"
    assert report_question("  " + text.replace(" ", "  ") + " ") == "suspect_description"
    form_wording = responses["utter_ask_damage_form_incident_description"][0]["text"]
    assert report_question(form_wording) == "incident_description"


def test_other_words_and_case_questions_are_not_report_questions() -> None:
    assert report_question("Shall I send this report?") is None
    assert report_question("") is None
    responses = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))["responses"]
    assert report_question(responses["utter_ask_case_reference"][0]["text"]) is None
