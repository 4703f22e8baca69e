"""Every form slot has a question in the domain, with the wording and buttons people see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from actions.report_spec import FORM_SLOTS

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "bot" / "domain"


def responses() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        found.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return found


def question(form: str, slot: str) -> dict[str, Any]:
    """The response Rasa's form uses: the form-specific one first, as Rasa looks it up."""
    known = responses()
    variants = known.get(f"utter_ask_{form}_{slot}") or known[f"utter_ask_{slot}"]
    assert len(variants) == 1, "one fixed wording per question"
    return variants[0]


def test_every_form_slot_has_a_question() -> None:
    known = responses()
    missing = [
        f"{form}.{slot}"
        for form, slots in FORM_SLOTS.items()
        for slot in slots
        if f"utter_ask_{form}_{slot}" not in known and f"utter_ask_{slot}" not in known
    ]
    assert missing == []


def test_no_question_is_left_to_a_custom_action() -> None:
    domains = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in DOMAIN_DIR.glob("*.yml")]
    actions = {name for d in domains for name in (d.get("actions") or [])}
    assert not {name for name in actions if name.startswith("action_ask_")}


def test_questions_use_form_specific_wording_and_buttons() -> None:
    assert question("theft_form", "property_details")["text"].startswith("What was stolen?")
    assert question("damage_form", "property_details")["text"].startswith("What was damaged?")
    assert question("violence_form", "property_details")["text"].startswith("What was taken?")
    consent = question("theft_form", "contact_consent")["buttons"]
    assert [(b["title"], b["payload"]) for b in consent] == [("Yes", "/affirm"), ("No", "/deny")]
    assert question("theft_form", "evidence")["buttons"][0]["title"] == "No CCTV or witnesses"
    assert question("theft_form", "property_value")["buttons"][0]["payload"] == "not known"
    anonymous = question("community_form", "reporter_name")["buttons"]
    assert anonymous == [{"title": "Stay anonymous", "payload": "anonymous"}]
    assert "buttons" not in question("theft_form", "reporter_name")
