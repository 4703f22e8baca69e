"""Listening like a caller-handler: the story fills the form, nothing is asked twice, side
questions and corrections do not become answers, and a waiting report is never lost."""

from __future__ import annotations

from typing import Any

import pytest
from action_testing import (
    DOMAIN,
    all_buttons,
    custom_payloads,
    fixed_clock,
    make_tracker,
    slot_events,
    texts,
)
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection

from actions.fallback import ActionDefaultAskAffirmation
from actions.form_validation import ValidateTheftForm, ValidateTrackCaseForm
from actions.report_actions import ActionCorrectReport, ActionStartReport, ActionSummaryReply
from actions.understand import ActionUnderstandMessage
from triage.cases.references import new_reference

THEFT = {
    "crime_type": "theft",
    "incident_description": "someone took my bike from the rack outside the library",
    "incident_when": "Tue 24 Nov 2026, about 23:00",
    "incident_where": "outside the library, Front Street",
    "property_details": "a black Trek bike",
    "property_value": "£450",
    "suspect_description": "none given",
    "evidence": "none",
    "reporter_name": "Sam Patel",
    "reporter_contact": "07700 900456",
    "contact_consent": True,
}


async def _run(action: Any, **tracker_args: Any) -> tuple[dict[str, Any], list[Any], Any]:
    return await _answer(action, make_tracker(**tracker_args))


async def _answer(action: Any, tracker: Tracker) -> tuple[dict[str, Any], list[Any], Any]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return slot_events(events), events, dispatcher


def answered(*slots: str) -> dict[str, Any]:
    """The theft report's answers named, as slots set on earlier turns."""
    return {slot: THEFT[slot] for slot in slots}


def mid_form(
    asking: str,
    text: str,
    *,
    intent: str = "inform",
    before: tuple[str, ...] = ("crime_type", "incident_description"),
    form: str = "theft_form",
) -> Tracker:
    """The tracker the form validation gets when ``text`` answers ``asking``."""
    return make_tracker(
        {**answered(*before), "requested_slot": asking},
        text=text,
        intent=intent,
        active_loop=form,
        candidates={asking: text},
    )


async def test_a_story_fills_the_form_and_is_shown_back_instead_of_asked() -> None:
    story = "My van was broken into last night on Stratford Road and they took my tools"
    slots, _, dispatcher = await _run(
        ValidateTheftForm(clock=fixed_clock),
        slots={"crime_type": "vehicle_crime"},
        text=story,
        intent="report_vehicle_crime",
    )
    assert slots["incident_description"] == story
    assert slots["incident_when"] == "Tue 24 Nov 2026, at night"
    assert slots["incident_where"] == "Stratford Road"
    assert slots["property_details"] == "tools"
    assert slots["requested_slot"] == "property_value"  # the first question not answered
    said = " ".join(texts(dispatcher))
    assert "Stratford Road" in said and "Tue 24 Nov 2026, at night" in said


async def test_naming_the_report_alone_is_not_taken_as_the_account() -> None:
    slots, _, _ = await _run(
        ValidateTheftForm(clock=fixed_clock),
        slots={"crime_type": "theft"},
        text="I want to report a theft",
        intent="report_theft",
    )
    assert slots.get("incident_description") is None
    assert slots["requested_slot"] == "incident_description"


async def test_an_answer_to_another_question_is_kept_and_the_question_asked_again() -> None:
    slots, _, dispatcher = await _answer(
        ValidateTheftForm(clock=fixed_clock),
        mid_form("incident_when", "on Stratford Road", intent="inform"),
    )
    assert slots["incident_where"] == "Stratford Road"
    assert slots["incident_when"] is None
    assert slots["requested_slot"] == "incident_when"
    assert "validation_failures" not in slots  # not counted as a failed answer
    assert not any("could not work out" in line for line in texts(dispatcher))


async def test_two_answers_in_one_message() -> None:
    slots, _, _ = await _answer(
        ValidateTheftForm(clock=fixed_clock),
        mid_form(
            "incident_when", "last night about 11pm outside Tesco on Hagley Road", intent="inform"
        ),
    )
    assert slots["incident_when"] == "Tue 24 Nov 2026, about 23:00"
    assert slots["incident_where"] == "outside Tesco, Hagley Road"
    assert slots["requested_slot"] == "property_details"


async def test_a_correction_mid_form_changes_the_earlier_answer_not_this_one() -> None:
    answered = {
        k: THEFT[k]
        for k in (
            "crime_type",
            "incident_description",
            "incident_when",
            "incident_where",
            "property_details",
        )
    }
    slots, _, dispatcher = await _run(
        ValidateTheftForm(clock=fixed_clock),
        slots={**answered, "requested_slot": "property_value"},
        text="actually it was 4pm, not 11",
        intent="inform",
        active_loop="theft_form",
        candidates={"property_value": "actually it was 4pm, not 11"},
    )
    assert slots["incident_when"] == "Tue 24 Nov 2026, about 16:00"  # the day is kept
    assert slots["property_value"] is None
    assert slots["requested_slot"] == "property_value"
    assert "16:00" in " ".join(texts(dispatcher))


async def test_a_side_question_is_handed_back_to_the_dialogue() -> None:
    with pytest.raises(ActionExecutionRejection):
        await ValidateTheftForm(clock=fixed_clock).run(
            CollectingDispatcher(),
            make_tracker(
                {
                    **answered("crime_type", "incident_description"),
                    "requested_slot": "incident_where",
                },
                text="what time does the front counter open today?",
                intent="station_opening_times",
                active_loop="theft_form",
                candidates={"incident_where": "what time does the front counter open today?"},
            ),
            DOMAIN,
        )


async def test_an_answer_that_mentions_an_enquiry_word_is_still_an_answer() -> None:
    slots, _, _ = await _answer(
        ValidateTheftForm(clock=fixed_clock),
        mid_form(
            "incident_where",
            "outside the police station on High Street",
            intent="station_opening_times",
        ),
    )
    assert slots["incident_where"] == "outside the police station on High Street"


async def test_a_reference_in_the_first_message_is_used() -> None:
    reference = new_reference()
    slots, _, _ = await _run(
        ValidateTrackCaseForm(clock=fixed_clock),
        text=f"any news on {reference}?",
        intent="track_case",
    )
    assert slots["case_reference"] == reference
    assert slots["requested_slot"] == "verify_detail"


async def test_at_the_summary_a_correction_is_applied() -> None:
    slots, _events, dispatcher = await _run(
        ActionSummaryReply(clock=fixed_clock),
        slots={**THEFT, "report_ready": True},
        text="actually it was worth nearer £600",
        intent="inform",
    )
    assert slots["property_value"] == "£600"
    assert "report_ready" not in slots  # still waiting for the yes; the summary follows
    assert "£600" in " ".join(texts(dispatcher))


async def test_at_the_summary_anything_else_keeps_every_answer() -> None:
    slots, _events, dispatcher = await _run(
        ActionSummaryReply(clock=fixed_clock),
        slots={**THEFT, "report_ready": True},
        text="Sam Patel",
        intent="nlu_fallback",
    )
    assert slots == {}
    assert "not been sent" in texts(dispatcher)[0]


async def test_a_correction_by_intent_at_the_summary_goes_back_to_the_summary() -> None:
    slots, events, _ = await _run(
        ActionCorrectReport(clock=fixed_clock),
        slots={**THEFT, "report_ready": True},
        text="my number is wrong, it's 07700 900123",
        intent="correct_field",
    )
    assert slots["reporter_contact"] == "+447700900123"
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_report_summary"}


async def test_a_new_report_intent_never_throws_away_a_waiting_report() -> None:
    slots, events, _dispatcher = await _run(
        ActionStartReport(),
        slots={**THEFT, "report_ready": True},
        text="it was my bike that was stolen",
        intent="report_theft",
    )
    assert "incident_description" not in slots  # nothing cleared
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_report_summary"}


async def test_a_story_outside_a_form_starts_the_right_report() -> None:
    slots, events, dispatcher = await _run(
        ActionUnderstandMessage(),
        text="I parked up, came back and the back window was in pieces and my bag was gone",
        intent="inform",
    )
    assert slots["crime_type"] == "vehicle_crime"
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "theft_form"}
    assert "vehicle crime" in texts(dispatcher)[0]


async def test_the_gateways_family_is_used_when_it_sent_one() -> None:
    tracker = make_tracker(text="the lads from the estate did it again", intent="inform")
    tracker.latest_message["metadata"] = {
        "triage": {"category": "crime_report", "family": "criminal_damage"}
    }
    dispatcher = CollectingDispatcher()
    events = await ActionUnderstandMessage().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events)["crime_type"] == "criminal_damage"


async def test_a_reference_outside_a_form_opens_the_case() -> None:
    _, events, _ = await _run(
        ActionUnderstandMessage(), text=f"{new_reference()} any update?", intent="inform"
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "track_case_form"}]


async def test_not_understood_twice_asks_a_person() -> None:
    _, events, dispatcher = await _run(ActionUnderstandMessage(), text="blorp", intent="inform")
    assert events == []
    assert "/request_human" in [b["payload"] for b in all_buttons(dispatcher)]

    tracker = make_tracker(text="flibble", intent="inform")
    earlier = [
        {"event": "user", "text": "blorp"},
        {"event": "action", "name": "action_understand_message"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker.events[-1:-1] = earlier
    dispatcher = CollectingDispatcher()
    events = await ActionUnderstandMessage().run(dispatcher, tracker, DOMAIN)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_handoff"}]
    assert "member of staff" in texts(dispatcher)[0]


async def test_carry_on_goes_back_to_a_paused_report() -> None:
    paused = answered("crime_type", "incident_description", "incident_when")
    _, events, _ = await _run(
        ActionUnderstandMessage(),
        slots={**paused, "paused_form": "theft_form"},
        text="can we carry on with my report",
        intent="inform",
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "theft_form"}]


async def test_a_low_confidence_story_is_offered_its_report() -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "inform", "confidence": 0.2}]
    _, _, dispatcher = await _run(
        ActionDefaultAskAffirmation(),
        text="came back to the car and the window was in pieces",
        intent_ranking=ranking,
    )
    assert "/report_vehicle_crime" in [b["payload"] for b in all_buttons(dispatcher)]
    assert "999" in texts(dispatcher)[0]
    assert custom_payloads(dispatcher) == []


async def test_each_answer_keeps_the_report_as_an_unsent_draft_until_it_is_sent(
    database_url: str,
) -> None:
    from actions.case_access import drafts
    from actions.report_actions import ActionSubmitReport

    sender = "web-draft-1"
    tracker = make_tracker(
        {
            **answered("crime_type", "incident_description"),
            "requested_slot": "incident_when",
        },
        text="yesterday about 3pm",
        intent="inform",
        active_loop="theft_form",
        candidates={"incident_when": "yesterday about 3pm"},
        sender_id=sender,
    )
    await ValidateTheftForm(clock=fixed_clock).run(CollectingDispatcher(), tracker, DOMAIN)
    draft = await drafts().draft_for(sender)
    assert draft is not None
    assert draft.crime_type == "theft"
    assert draft.answers["incident_when"] == "Tue 24 Nov 2026, about 15:00"
    assert draft.asking == "incident_where"

    await ActionSubmitReport().run(
        CollectingDispatcher(),
        make_tracker(THEFT, text="yes", intent="affirm", sender_id=sender),
        DOMAIN,
    )
    assert await drafts().draft_for(sender) is None


async def test_cancelling_deletes_the_draft(database_url: str) -> None:
    from actions.case_access import drafts
    from actions.report_actions import ActionCancelReport

    sender = "web-draft-2"
    tracker = make_tracker(
        {"crime_type": "theft", "requested_slot": "incident_description"},
        text="someone took my bike from the rack outside the library",
        intent="inform",
        active_loop="theft_form",
        candidates={
            "incident_description": "someone took my bike from the rack outside the library"
        },
        sender_id=sender,
    )
    await ValidateTheftForm(clock=fixed_clock).run(CollectingDispatcher(), tracker, DOMAIN)
    assert await drafts().draft_for(sender) is not None
    await ActionCancelReport().run(
        CollectingDispatcher(), make_tracker(THEFT, text="yes", sender_id=sender), DOMAIN
    )
    assert await drafts().draft_for(sender) is None


async def test_back_from_a_side_question_its_words_are_not_kept_as_the_answer() -> None:
    question = "what time does the front counter open today?"
    tracker = make_tracker(
        {
            **answered("crime_type", "incident_description"),
            "requested_slot": "incident_when",
            "incident_when": question,
        },
        text=question,
        intent="station_opening_times",
    )
    tracker.events += [
        {"event": "action", "name": "theft_form"},
        {"event": "action_execution_rejected", "name": "theft_form"},
        {"event": "action", "name": "action_station_times"},
        {"event": "slot", "name": "requested_slot", "value": "incident_when"},
        {"event": "action", "name": "theft_form"},
    ]
    tracker.active_loop = {"name": "theft_form"}
    dispatcher = CollectingDispatcher()
    slots = slot_events(await ValidateTheftForm(clock=fixed_clock).run(dispatcher, tracker, DOMAIN))
    assert slots["incident_when"] is None
    assert slots["requested_slot"] == "incident_when"
    assert texts(dispatcher) == []  # no error: it was never an answer


async def test_carry_on_after_a_person_was_asked_for_goes_back_to_the_form() -> None:
    from actions.emergency_and_handoff import ActionResumeReport

    paused = answered("crime_type", "incident_description", "incident_when")
    _, events, dispatcher = await _run(
        ActionResumeReport(),
        slots={**paused, "paused_form": "theft_form"},
        text="can we carry on",
        intent="continue_report",
    )
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "theft_form"}
    assert "carry on" in texts(dispatcher)[0]


async def test_carry_on_with_a_report_waiting_for_its_yes_shows_it_again() -> None:
    from actions.emergency_and_handoff import ActionResumeReport

    _, events, _ = await _run(
        ActionResumeReport(),
        slots={**THEFT, "report_ready": True},
        text="carry on",
        intent="continue_report",
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "action_report_summary"}]


async def test_carry_on_with_nothing_unsent_says_so() -> None:
    from actions.emergency_and_handoff import ActionResumeReport

    _, events, dispatcher = await _run(
        ActionResumeReport(), text="carry on", intent="continue_report"
    )
    assert events == []
    assert "no unsent report" in texts(dispatcher)[0]


async def test_carry_on_in_the_middle_of_a_form_is_not_taken_as_the_answer() -> None:
    with pytest.raises(ActionExecutionRejection):
        await ValidateTheftForm(clock=fixed_clock).run(
            CollectingDispatcher(),
            make_tracker(
                {"crime_type": "theft", "requested_slot": "incident_description"},
                text="ok carry on",
                intent="continue_report",
                active_loop="theft_form",
                candidates={"incident_description": "ok carry on"},
            ),
            DOMAIN,
        )


async def test_after_which_report_a_single_word_answer_starts_it() -> None:
    tracker = make_tracker(text="it was my car", intent="inform")
    tracker.events[-1:-1] = [
        {
            "event": "bot",
            "text": "What would you like to report? Choose the closest, or tell me in a few words.",
        },
        {"event": "action", "name": "action_listen"},
    ]
    events = await ActionUnderstandMessage().run(CollectingDispatcher(), tracker, DOMAIN)
    assert slot_events(events)["crime_type"] == "vehicle_crime"


async def test_a_correction_taken_for_stop_at_the_summary_changes_the_answer_not_cancels() -> None:
    from actions.report_actions import ActionCancelReport

    slots, events, dispatcher = await _run(
        ActionCancelReport(clock=fixed_clock),
        slots={**THEFT, "report_ready": True},
        text="actually it was 4pm not 11pm",
        intent="stop",
    )
    assert slots == {"incident_when": "Tue 24 Nov 2026, about 16:00", "field": None}
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_report_summary"}
    assert not any("deleted" in line for line in texts(dispatcher))


async def test_a_question_is_not_an_answer_even_when_it_names_a_place() -> None:
    with pytest.raises(ActionExecutionRejection):
        await ValidateTheftForm(clock=fixed_clock).run(
            CollectingDispatcher(),
            make_tracker(
                {
                    **answered("crime_type", "incident_description"),
                    "requested_slot": "incident_where",
                },
                text="is the front desk at the police station open today?",
                intent="station_opening_times",
                active_loop="theft_form",
                candidates={
                    "incident_where": "is the front desk at the police station open today?"
                },
            ),
            DOMAIN,
        )


async def test_a_story_taken_for_an_enquiry_starts_its_report() -> None:
    from actions.understand import ActionStoryOrEnquiry

    slots, events, _ = await _run(
        ActionStoryOrEnquiry(),
        text="I parked up, came back and the back window was in pieces and my bag was gone",
        intent="online_reporting_help",
    )
    assert slots["crime_type"] == "vehicle_crime"
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "theft_form"}


@pytest.mark.parametrize(
    "text",
    [
        "how do I report something online?",
        "I lost my purse on the bus yesterday, has anyone handed it in?",
        "what time does the station open on Sunday?",
    ],
)
async def test_a_real_enquiry_gets_its_own_answer(text: str) -> None:
    from actions.understand import ActionStoryOrEnquiry

    _, events, dispatcher = await _run(ActionStoryOrEnquiry(), text=text, intent="lost_property")
    assert events == []
    assert dispatcher.messages == []


async def test_who_did_it_told_when_asked_about_injuries_is_kept_as_who_did_it() -> None:
    from actions.form_validation import ValidateViolenceForm

    earlier = answered("incident_description", "incident_when", "incident_where")

    slots, _, dispatcher = await _run(
        ValidateViolenceForm(clock=fixed_clock),
        slots={**earlier, "crime_type": "assault", "requested_slot": "injuries"},
        text="he was a tall white guy with a beard, about 30",
        intent="inform",
        active_loop="violence_form",
        candidates={"injuries": "he was a tall white guy with a beard, about 30"},
    )
    assert slots["injuries"] is None
    assert slots["suspect_description"] == "he was a tall white guy with a beard, about 30"
    assert slots["requested_slot"] == "injuries"
    assert "tall white guy" in " ".join(texts(dispatcher))


async def test_damage_with_nothing_taken_is_damage_even_to_a_car() -> None:
    slots, events, _ = await _run(
        ActionStartReport(),
        text="someone keyed the whole side of my car and snapped the wing mirror off",
        intent="report_vehicle_crime",
    )
    assert slots["crime_type"] == "criminal_damage"
    assert events[-1]["name"] == "damage_form"


async def test_a_story_taken_for_carry_on_with_nothing_unsent_starts_its_report() -> None:
    from actions.emergency_and_handoff import ActionResumeReport

    _, events, dispatcher = await _run(
        ActionResumeReport(),
        text="I parked up, came back and the back window was in pieces and my bag was gone",
        intent="continue_report",
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "action_story_or_enquiry"}]
    assert dispatcher.messages == []


async def test_asking_for_a_kind_of_report_taken_for_an_enquiry_starts_it() -> None:
    from actions.understand import ActionStoryOrEnquiry

    slots, _, _ = await _run(
        ActionStoryOrEnquiry(),
        text="I want to report a vehicle crime",
        intent="online_reporting_help",
    )
    assert slots["crime_type"] == "vehicle_crime"


def _mid_form_emergency(triage: dict[str, Any] | None, text: str) -> Any:
    answered = {
        k: THEFT[k]
        for k in (
            "crime_type",
            "incident_description",
            "incident_when",
            "incident_where",
            "property_details",
            "property_value",
            "suspect_description",
        )
    }
    tracker = make_tracker(
        {**answered, "requested_slot": "evidence"},
        text=text,
        intent="emergency_intruder",
        active_loop="theft_form",
    )
    if triage is not None:
        tracker.latest_message["metadata"] = {"triage": triage}
    return tracker


CALM = {"category": "crime_report", "priority": "P3", "flags": [], "guidance_sent": False}


@pytest.mark.parametrize("priority", ["P3", "P2"])
async def test_an_answer_nlu_took_for_an_emergency_is_the_answer_when_the_gateway_saw_no_risk(
    priority: str,
) -> None:
    from actions.emergency_and_handoff import ActionEmergency

    dispatcher = CollectingDispatcher()
    tracker = _mid_form_emergency(
        {**CALM, "priority": priority}, "I have filmed them from my bedroom window"
    )
    events = await ActionEmergency().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events) == {"evidence": "I have filmed them from my bedroom window"}
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "theft_form"}
    assert texts(dispatcher) == ["If anyone is in danger right now, call 999."]
    assert custom_payloads(dispatcher) == []  # no P1 alert for an answer


@pytest.mark.parametrize(
    "triage",
    [
        None,  # no second opinion: believe the emergency
        {
            "category": "emergency",
            "priority": "P1",
            "flags": ["in_progress"],
            "guidance_sent": True,
        },
        {
            "category": "crime_report",
            "priority": "P2",
            "flags": ["vulnerable"],
            "guidance_sent": False,
        },
        {"category": "crime_report", "priority": "P3", "flags": ["weapon"], "guidance_sent": False},
    ],
)
async def test_an_emergency_the_gateway_also_doubted_pauses_the_form(
    triage: dict[str, Any] | None,
) -> None:
    from actions.emergency_and_handoff import ActionEmergency

    dispatcher = CollectingDispatcher()
    tracker = _mid_form_emergency(triage, "he's back, he's trying the door now")
    events = await ActionEmergency().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events) == {"paused_form": "theft_form"}
    assert any(p["bluelamp"]["handoff"]["priority"] == "P1" for p in custom_payloads(dispatcher))


async def test_the_same_words_after_im_safe_are_the_answer_not_a_second_emergency() -> None:
    from actions.emergency_and_handoff import ActionEmergency

    words = "three white lads, early twenties, one had a knife tattoo on his neck"
    tracker = _mid_form_emergency(
        {"category": "emergency", "priority": "P1", "flags": ["weapon"], "guidance_sent": True},
        words,
    )
    latest = max(i for i, e in enumerate(tracker.events) if e["event"] == "user")
    tracker.events[latest:latest] = [
        {"event": "user", "text": words, "parse_data": {"intent": {"name": "emergency_violence"}}},
        {"event": "action", "name": "action_emergency"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "I'm safe", "parse_data": {"intent": {"name": "im_safe"}}},
        {"event": "action", "name": "action_resume_report"},
        {"event": "action", "name": "action_listen"},
    ]
    events = await ActionEmergency().run(CollectingDispatcher(), tracker, DOMAIN)
    assert slot_events(events) == {"evidence": words}


async def test_a_correction_naming_the_old_value_keeps_the_new_one() -> None:
    slots, _, _ = await _run(
        ActionSummaryReply(clock=fixed_clock),
        slots={**THEFT, "incident_when": "Mon 23 Nov 2026", "report_ready": True},
        text="I said Monday but it was last Tuesday",
        intent="inform",
    )
    assert slots["incident_when"] == "Tue 24 Nov 2026"


async def test_a_question_about_a_seized_car_stays_an_enquiry() -> None:
    from actions.understand import ActionStoryOrEnquiry

    _, events, _ = await _run(
        ActionStoryOrEnquiry(),
        text="my son's car got seized by your lot for no insurance, how do we get it back?",
        intent="seized_property",
    )
    assert events == []


async def test_an_answer_kept_by_the_emergency_action_is_not_cleared_when_the_form_goes_on() -> (
    None
):
    words = "the burnt bins are still there"
    answered = {
        k: THEFT[k]
        for k in (
            "crime_type",
            "incident_description",
            "incident_when",
            "incident_where",
            "suspect_description",
        )
    }
    tracker = make_tracker(
        {**answered, "requested_slot": "evidence", "evidence": words},
        text=words,
        intent="emergency_crime_in_progress",
    )
    tracker.events += [
        {"event": "action", "name": "community_form"},
        {"event": "action_execution_rejected", "name": "community_form"},
        {"event": "action", "name": "action_emergency"},
        {"event": "slot", "name": "evidence", "value": words},
        {"event": "action", "name": "community_form"},
    ]
    tracker.active_loop = {"name": "community_form"}
    from actions.form_validation import ValidateCommunityForm

    slots = slot_events(
        await ValidateCommunityForm(clock=fixed_clock).run(CollectingDispatcher(), tracker, DOMAIN)
    )
    assert slots.get("evidence", words) == words
    assert slots["requested_slot"] == "reporter_name"


async def test_after_a_needless_999_and_im_safe_the_story_becomes_its_report() -> None:
    from actions.emergency_and_handoff import ActionResumeReport
    from actions.understand import ActionStoryOrEnquiry

    story = (
        "Theres cars pulling up outside 22 Fern Avenue at all hours and the whole street "
        "stinks of weed, been going on since September"
    )
    tracker = make_tracker(text="I'm safe, nobody is in danger", intent="im_safe")
    latest = max(i for i, e in enumerate(tracker.events) if e["event"] == "user")
    tracker.events[latest:latest] = [
        {"event": "user", "text": story, "parse_data": {"intent": {"name": "emergency_violence"}}},
        {"event": "action", "name": "action_emergency"},
        {"event": "action", "name": "action_listen"},
    ]
    events = await ActionResumeReport().run(CollectingDispatcher(), tracker, DOMAIN)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_story_or_enquiry"}]
    events = await ActionStoryOrEnquiry().run(CollectingDispatcher(), tracker, DOMAIN)
    assert slot_events(events)["crime_type"] == "drugs"


async def test_words_of_another_kind_outweigh_an_intent_they_do_not_support() -> None:
    slots, _, _ = await _run(
        ActionStartReport(),
        text="cars pull up at number 22 all hours and the street stinks of weed",
        intent="report_theft",
    )
    assert slots["crime_type"] == "drugs"
    slots, _, _ = await _run(
        ActionStartReport(),
        text="someone smashed the shed window and took my mower",
        intent="report_burglary",
    )
    assert slots["crime_type"] == "burglary"  # damage and theft are part of a burglary


async def test_a_hate_crime_intent_without_a_word_of_hostility_is_the_offence_itself() -> None:
    slots, _, _ = await _run(
        ActionStartReport(),
        text="a customer threw his coffee at me and grabbed my arm because we wouldn't refund him",
        intent="report_hate_crime",
    )
    assert slots["crime_type"] == "assault"
    slots, _, _ = await _run(
        ActionStartReport(),
        text="I want to report a homophobic hate crime please",
        intent="report_hate_crime",
    )
    assert slots["crime_type"] == "hate_crime"


async def test_a_correction_at_the_summary_that_nlu_took_for_an_emergency_is_applied() -> None:
    from actions.emergency_and_handoff import ActionEmergency

    tracker = make_tracker(
        {**THEFT, "crime_type": "vehicle_crime", "vehicle_reg": "MA21 VZB", "report_ready": True},
        text="sorry I've just checked the footage again, the reg is MA21 VZP not MA21 VZB",
        intent="emergency_suicide_risk",
    )
    tracker.latest_message["metadata"] = {"triage": CALM}
    dispatcher = CollectingDispatcher()
    events = await ActionEmergency().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events) == {"vehicle_reg": "MA21 VZP"}
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_report_summary"}
    assert custom_payloads(dispatcher) == []


async def test_nlu_entities_fill_what_the_rules_did_not_find() -> None:
    tracker = make_tracker(
        {"crime_type": "theft"},
        text="my purse went from my bag while I was queuing at fenwicks",
        intent="report_theft",
        entities=[
            {"entity": "item", "value": "purse", "extractor": "CRFEntityExtractor"},
            {"entity": "place", "value": "fenwicks", "extractor": "CRFEntityExtractor"},
            {"entity": "time", "value": "blorp", "extractor": "CRFEntityExtractor"},
        ],
    )
    slots, _, _ = await _answer(ValidateTheftForm(clock=fixed_clock), tracker)
    assert slots["property_details"] == "purse"
    assert slots["incident_where"] == "fenwicks"
    assert slots.get("incident_when") is None  # refused as an answer, so not taken


async def test_after_needless_999_and_im_safe_the_likeliest_other_meaning_is_offered_first() -> (
    None
):
    from actions.emergency_and_handoff import ActionResumeReport

    question = "is there a way to find out if he's been violent to a previous partner?"
    tracker = make_tracker(text="I'm safe, nobody is in danger", intent="im_safe")
    latest = max(i for i, e in enumerate(tracker.events) if e["event"] == "user")
    ranking = [
        {"name": "emergency_domestic_abuse", "confidence": 0.5},
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "disclosure_schemes", "confidence": 0.15},
    ]
    tracker.events[latest:latest] = [
        {"event": "user", "text": question, "parse_data": {"intent_ranking": ranking}},
        {"event": "action", "name": "action_emergency"},
        {"event": "action", "name": "action_listen"},
    ]
    dispatcher = CollectingDispatcher()
    assert await ActionResumeReport().run(dispatcher, tracker, DOMAIN) == []
    assert all_buttons(dispatcher)[0]["payload"] == "/disclosure_schemes"


async def test_something_left_behind_gets_the_lost_property_answer() -> None:
    _, events, _ = await _run(
        ActionUnderstandMessage(),
        text="I left my rucksack on the number 22 bus on Friday, does anybody hand things in?",
        intent="inform",
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "utter_lost_property"}]
