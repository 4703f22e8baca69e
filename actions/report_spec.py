"""The report forms' shape, from docs/bot-contract.md: which form, which slots, which order.

Kept in one place so the validators, the summary, corrections and submission agree on
which answers belong to which kind of report.
"""

from __future__ import annotations

from collections.abc import Mapping

from triage.understanding.report_fields import REPORT_ANSWER_SLOTS

INTENT_TO_CRIME_TYPE: dict[str, str] = {
    "report_theft": "theft",
    "report_burglary": "burglary",
    "report_vehicle_crime": "vehicle_crime",
    "report_criminal_damage": "criminal_damage",
    "report_assault": "assault",
    "report_harassment": "harassment",
    "report_hate_crime": "hate_crime",
    "report_asb": "asb",
    "report_drugs": "drugs",
    "report_road_offence": "road_offence",
}

FORM_FOR_CRIME_TYPE: dict[str, str] = {
    "theft": "theft_form",
    "burglary": "theft_form",
    "vehicle_crime": "theft_form",
    "criminal_damage": "damage_form",
    "assault": "violence_form",
    "harassment": "violence_form",
    "hate_crime": "violence_form",
    "asb": "community_form",
    "drugs": "community_form",
    "road_offence": "road_form",
}

_REPORTER = ("reporter_name", "reporter_contact", "contact_consent")

# Every slot a form may ask, in order; conditional ones are dropped by `applies`.
FORM_SLOTS: dict[str, tuple[str, ...]] = {
    "theft_form": (
        "incident_description",
        "incident_when",
        "incident_where",
        "property_details",
        "property_value",
        "vehicle_reg",
        "suspect_description",
        "evidence",
        *_REPORTER,
    ),
    "damage_form": (
        "incident_description",
        "incident_when",
        "incident_where",
        "property_details",
        "property_value",
        "suspect_description",
        "evidence",
        *_REPORTER,
    ),
    "violence_form": (
        "incident_description",
        "incident_when",
        "incident_where",
        "injuries",
        "hate_motivation",
        "suspect_description",
        "evidence",
        *_REPORTER,
    ),
    "community_form": (
        "incident_description",
        "incident_when",
        "incident_where",
        "suspect_description",
        "evidence",
        *_REPORTER,
    ),
    "road_form": (
        "incident_description",
        "incident_when",
        "incident_where",
        "vehicle_reg",
        "suspect_description",
        "evidence",
        *_REPORTER,
    ),
    "track_case_form": ("case_reference", "verify_detail"),
    "update_case_form": ("case_reference", "verify_detail", "case_update_text"),
}

REPORT_FORMS = ("theft_form", "damage_form", "violence_form", "community_form", "road_form")

# REPORT_ANSWER_SLOTS (triage/understanding/report_fields.py) make up one crime report;
# they are cleared when a report starts, is sent or cancelled.
REPORT_SLOTS: tuple[str, ...] = (
    "crime_type",
    *REPORT_ANSWER_SLOTS,
    "validation_failures",
    "field",
    "requested_slot",
)
CASE_FORM_SLOTS: tuple[str, ...] = ("case_reference", "verify_detail", "case_update_text")
ANONYMOUS = "anonymous"


def applies(form: str, slot: str, slots: Mapping[str, object]) -> bool:
    """Whether a conditional slot is asked in this form, given the answers so far."""
    crime_type = slots.get("crime_type")
    if form == "theft_form" and slot == "vehicle_reg":
        return crime_type == "vehicle_crime"
    if form == "violence_form" and slot == "hate_motivation":
        return crime_type == "hate_crime"
    if form == "community_form" and slot in ("reporter_contact", "contact_consent"):
        return slots.get("reporter_name") != ANONYMOUS
    return True


def required_slots_for(form: str, slots: Mapping[str, object]) -> list[str]:
    """The slots this form needs, in order, for the current answers."""
    return [slot for slot in FORM_SLOTS.get(form, ()) if applies(form, slot, slots)]


def form_for(crime_type: object) -> str | None:
    """The report form for a crime type, or None if there is none (e.g. fraud)."""
    return FORM_FOR_CRIME_TYPE.get(crime_type) if isinstance(crime_type, str) else None
