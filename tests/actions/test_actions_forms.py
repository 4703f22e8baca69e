"""Form validation actions, run through their real `run()` with real trackers."""

from __future__ import annotations

from typing import Any

import pytest
from action_testing import DOMAIN, all_buttons, fixed_clock, make_tracker, slot_events, texts
from rasa_sdk.executor import CollectingDispatcher

from actions.form_validation import (
    FormValidation,
    ValidateCommunityForm,
    ValidateDamageForm,
    ValidateRoadForm,
    ValidateTheftForm,
    ValidateTrackCaseForm,
    ValidateUpdateCaseForm,
    ValidateViolenceForm,
)
from triage.cases.references import new_reference

THEFT_SO_FAR = {
    "crime_type": "theft",
    "incident_description": "Someone took my bike from outside the shop",
}


async def validate(
    action: FormValidation,
    candidates: dict[str, Any],
    slots: dict[str, Any] | None = None,
    requested: str | None = None,
) -> tuple[dict[str, Any], CollectingDispatcher]:
    """Run the validation action as the engine would after the person answered."""
    form = action.form_name()
    base = {"requested_slot": requested or next(iter(candidates))}
    tracker = make_tracker({**base, **(slots or {})}, active_loop=form, candidates=candidates)
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return slot_events(events), dispatcher


@pytest.mark.parametrize(
    ("slot", "answer", "stored"),
    [
        ("incident_when", "yesterday about 3pm", "Tue 24 Nov 2026, about 15:00"),
        ("incident_where", "outside Tesco ne1 4st", "outside Tesco NE1 4ST"),
        ("property_details", "a red Raleigh mountain bike", "a red Raleigh mountain bike"),
        ("property_value", "about 150 quid", "about £150"),
        ("suspect_description", "I didn't see them", "none given"),
        ("evidence", "No CCTV or witnesses", "none"),
        ("evidence", "doorbell camera footage", "doorbell camera footage"),
        ("reporter_name", "my name is Jo Bloggs", "Jo Bloggs"),
        ("reporter_contact", "07700 900123", "+447700900123"),
        ("reporter_contact", "Jo@Example.com", "jo@example.com"),
        ("contact_consent", True, True),
        ("contact_consent", "no thanks", False),
    ],
)
async def test_good_answers_are_normalised(slot: str, answer: Any, stored: Any) -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    slots, dispatcher = await validate(action, {slot: answer}, THEFT_SO_FAR)
    assert slots[slot] == stored
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("slot", "answer", "says"),
    [
        ("incident_when", "tomorrow", "in the future"),
        ("incident_when", "asdf", "could not work out when"),
        ("incident_where", "asdf", "could not make sense of that place"),
        ("incident_where", "near QQ1 1AA", "postcode does not look right"),
        ("property_value", "lots", "rough amount in pounds"),
        ("reporter_name", "R2D2", "letters, spaces, hyphens"),
        ("reporter_name", "anonymous", "Crimestoppers"),
        ("reporter_contact", "hello", "email address"),
        ("reporter_contact", "+1 202 555 0100", "only take UK phone numbers"),
        ("contact_consent", "purple", "yes or no"),
        ("incident_description", "hit", "tell me a bit more"),
    ],
)
async def test_bad_answers_leave_the_slot_empty_and_say_why(
    slot: str, answer: str, says: str
) -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    slots, dispatcher = await validate(action, {slot: answer}, THEFT_SO_FAR)
    assert slots[slot] is None
    assert slots["validation_failures"] == {slot: 1}
    assert says.lower() in " ".join(texts(dispatcher)).lower()
    assert all_buttons(dispatcher) == []  # no way out after one slip


async def test_way_out_after_three_failures_then_not_known_is_accepted() -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    failures: dict[str, int] = {}
    for attempt in range(1, 4):
        slots, dispatcher = await validate(
            action,
            {"incident_where": "asdf"},
            {**THEFT_SO_FAR, "validation_failures": failures},
        )
        failures = slots["validation_failures"]
        assert failures == {"incident_where": attempt}
        payloads = [button["payload"] for button in all_buttons(dispatcher)]
        if attempt < 3:
            assert payloads == []
        else:
            assert payloads == ["/request_human", "/stop"]
            assert "not known" in " ".join(texts(dispatcher))
    slots, dispatcher = await validate(
        action,
        {"incident_where": "I don't know"},
        {**THEFT_SO_FAR, "validation_failures": failures},
    )
    assert slots["incident_where"] == "not known"
    assert slots["validation_failures"] == {}
    assert dispatcher.messages == []


async def test_not_known_is_refused_before_the_way_out() -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    slots, _ = await validate(action, {"incident_where": "don't know"}, THEFT_SO_FAR)
    assert slots["incident_where"] is None


async def test_way_out_for_a_name_does_not_offer_not_known() -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    slots, dispatcher = await validate(
        action,
        {"reporter_name": "123"},
        {**THEFT_SO_FAR, "validation_failures": {"reporter_name": 2}},
    )
    assert slots["validation_failures"] == {"reporter_name": 3}
    assert [b["title"] for b in all_buttons(dispatcher)] == ["Talk to a person", "Stop this report"]
    assert "not known" not in " ".join(texts(dispatcher))
    slots, _ = await validate(
        action,
        {"reporter_name": "don't know"},
        {**THEFT_SO_FAR, "validation_failures": {"reporter_name": 3}},
    )
    assert slots["reporter_name"] is None


async def test_a_good_answer_clears_only_its_own_failure_count() -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    slots, _ = await validate(
        action,
        {"incident_where": "Station Road"},
        {**THEFT_SO_FAR, "validation_failures": {"incident_where": 2, "incident_when": 1}},
    )
    assert slots["incident_where"] == "Station Road"
    assert slots["validation_failures"] == {"incident_when": 1}


def answered(form: str, crime_type: str, **extra: Any) -> dict[str, Any]:
    """Every slot of a form answered except reporter contact details."""
    return {
        "crime_type": crime_type,
        "incident_description": "Something happened outside",
        "incident_when": "Tue 24 Nov 2026",
        "incident_where": "Station Road",
        "property_details": "bike",
        "property_value": "£100",
        "injuries": "none",
        "suspect_description": "none given",
        "evidence": "none",
        **extra,
    }


async def test_vehicle_reg_is_asked_only_for_vehicle_crime() -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    slots, _ = await validate(
        action, {"property_value": "£100"}, answered("theft_form", "vehicle_crime")
    )
    assert slots["requested_slot"] == "vehicle_reg"
    slots, _ = await validate(action, {"property_value": "£100"}, answered("theft_form", "theft"))
    assert slots["requested_slot"] == "reporter_name"


async def test_vehicle_reg_for_own_vehicle_refuses_not_known_but_road_form_accepts_it() -> None:
    theft, _ = await validate(
        ValidateTheftForm(), {"vehicle_reg": "dunno"}, answered("theft_form", "vehicle_crime")
    )
    assert theft["vehicle_reg"] is None
    road, _ = await validate(
        ValidateRoadForm(), {"vehicle_reg": "dunno"}, answered("road_form", "road_offence")
    )
    assert road["vehicle_reg"] == "not known"
    road, _ = await validate(
        ValidateRoadForm(), {"vehicle_reg": "ab12cde"}, answered("road_form", "road_offence")
    )
    assert road["vehicle_reg"] == "AB12 CDE"


async def test_hate_motivation_is_asked_only_for_hate_crime() -> None:
    action = ValidateViolenceForm(clock=fixed_clock)
    slots, _ = await validate(action, {"injuries": "none"}, answered("violence_form", "hate_crime"))
    assert slots["requested_slot"] == "hate_motivation"
    slots, _ = await validate(action, {"injuries": "no"}, answered("violence_form", "assault"))
    assert slots["injuries"] == "none"
    assert slots["requested_slot"] == "reporter_name"


async def test_anonymous_community_report_skips_contact_and_consent() -> None:
    action = ValidateCommunityForm(clock=fixed_clock)
    slots, _ = await validate(
        action, {"reporter_name": "I'd rather stay anonymous"}, answered("community_form", "asb")
    )
    assert slots["reporter_name"] == "anonymous"
    assert slots["requested_slot"] is None  # the form is complete
    slots, _ = await validate(
        action, {"reporter_name": "Sam Patel"}, answered("community_form", "asb")
    )
    assert slots["requested_slot"] == "reporter_contact"


async def test_damage_form_asks_the_contract_slots_in_order() -> None:
    action = ValidateDamageForm(clock=fixed_clock)
    slots, _ = await validate(
        action,
        {"incident_description": "Someone keyed my car door"},
        {"crime_type": "criminal_damage"},
    )
    assert slots["requested_slot"] == "incident_when"


async def test_track_case_form_checks_reference_and_detail() -> None:
    action = ValidateTrackCaseForm()
    reference = new_reference()
    slots, dispatcher = await validate(action, {"case_reference": reference.lower()})
    assert slots["case_reference"] == reference
    assert slots["requested_slot"] == "verify_detail"
    slots, dispatcher = await validate(action, {"case_reference": "BL-0000-0001"})
    assert slots["case_reference"] is None
    assert "does not look right" in texts(dispatcher)[0]
    slots, _ = await validate(
        action, {"verify_detail": "ne1 4st"}, {"case_reference": reference}, "verify_detail"
    )
    assert slots["verify_detail"] == "NE1 4ST"
    assert slots["requested_slot"] is None


async def test_update_case_form_needs_real_information() -> None:
    action = ValidateUpdateCaseForm()
    slots, dispatcher = await validate(action, {"case_update_text": "ok"})
    assert slots["case_update_text"] is None
    assert texts(dispatcher)
    slots, _ = await validate(action, {"case_update_text": "I found the receipt for the bike"})
    assert slots["case_update_text"] == "I found the receipt for the bike"


async def test_reopened_form_keeps_answers_accepted_earlier_without_complaint() -> None:
    """After a correction or an emergency the engine re-validates prefilled slots."""
    accepted = {
        "crime_type": "theft",
        "incident_description": "Someone took my bike from outside the shop",
        "incident_when": "sometime between Mon 16 Nov and Sun 22 Nov 2026",
        "incident_where": "not known",
        "property_value": "about £150",
    }
    action = ValidateTheftForm(clock=fixed_clock)
    tracker = make_tracker(
        accepted,
        text="I'm safe now",
        intent="im_safe",
        active_loop="theft_form",
        candidates={slot: value for slot, value in accepted.items() if slot != "crime_type"},
    )
    dispatcher = CollectingDispatcher()
    slots = slot_events(await action.run(dispatcher, tracker, DOMAIN))
    assert dispatcher.messages == []
    assert slots["incident_where"] == "not known"
    assert slots["incident_when"] == accepted["incident_when"]
    assert slots["requested_slot"] == "property_details"
    assert "validation_failures" not in slots


async def test_slots_cleared_by_a_new_report_are_not_treated_as_bad_answers() -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    tracker = make_tracker(
        {"crime_type": "theft"},
        text="my bike was stolen",
        intent="report_theft",
        active_loop="theft_form",
        candidates={"incident_description": None, "incident_where": None, "reporter_name": None},
    )
    dispatcher = CollectingDispatcher()
    slots = slot_events(await action.run(dispatcher, tracker, DOMAIN))
    # no error for the cleared answers; only the item the opening message named is noted
    assert texts(dispatcher) == [
        "Thank you. From what you have told me, I have noted what was stolen: bike. "
        "You can change anything before the report is sent."
    ]
    assert "validation_failures" not in slots
    assert slots["requested_slot"] == "incident_description"
    assert slots["incident_where"] is None


async def test_a_new_answer_equal_to_an_old_rejected_one_is_still_checked() -> None:
    action = ValidateTheftForm(clock=fixed_clock)
    slots, dispatcher = await validate(
        action,
        {"incident_where": "asdf"},
        {**THEFT_SO_FAR, "incident_where": None, "validation_failures": {"incident_where": 1}},
    )
    assert slots["incident_where"] is None
    assert texts(dispatcher)
