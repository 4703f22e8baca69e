"""An emergency intent that is not one: NLU's word against the gateway's and the form's.

NLU alone reads descriptions of people and evidence ("three lads, one with a shaved head",
"I filmed them from my window") as emergencies. In the middle of a report, when the
gateway's own classifier (rules and model) saw no risk word in the same message, or when
the same words were already handled as an emergency and the person said they are safe,
the words are the answer (or, at the summary, the correction) they look like; the 999
line is still shown. Without the gateway's opinion the emergency is believed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.forms import REQUESTED_SLOT

from actions.conversation import latest_text, latest_user_index
from actions.report_spec import FORM_SLOTS, form_for
from actions.story import answer_validator, correction_events, triage_of_latest


def gateway_saw_no_risk(tracker: Tracker) -> bool:
    """True when the gateway's own classifier (rules and model, the second opinion) saw no
    risk in the latest message: not an emergency, no risk word (at P2 it may still have had
    a doubt of its model's, and then a person looks at the conversation anyway). Without
    its opinion (no metadata) this is False: the emergency is then believed."""
    triage = triage_of_latest(tracker)
    if triage is None:
        return False
    return (
        triage.get("category") != "emergency"
        and triage.get("priority") in ("P2", "P3", "P4")
        and not triage.get("flags")
        and not triage.get("guidance_sent")
    )


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"[\w£']+", text.casefold()))


def repeated_after_safe(tracker: Tracker) -> bool:
    """True when the same words already brought the 999 guidance in this conversation and
    the person has since said they are safe or asked to carry on: the emergency for them
    was handled; saying them again (to the question asked again) is an answer."""
    said = _normalised(latest_text(tracker))
    if not said:
        return False
    events = tracker.events
    last_user = latest_user_index(tracker)
    guided_at = None
    for index, event in enumerate(events[:last_user]):
        if event.get("event") == "user" and _normalised(str(event.get("text") or "")) == said:
            following = next(
                (e for e in events[index + 1 :] if e.get("event") in ("action", "user")), None
            )
            if following and following.get("name") == "action_emergency":
                guided_at = index
    if guided_at is None:
        return False
    return any(
        event.get("event") == "user"
        and (event.get("parse_data") or {}).get("intent", {}).get("name")
        in ("im_safe", "continue_report")
        for event in events[guided_at + 1 : last_user]
    )


def emergency_words_as_answer(tracker: Tracker, now: datetime) -> tuple[str, Any] | None:
    """(question, answer) when an emergency intent in the middle of a form is the answer to
    its question after all: the gateway's classifier saw no risk in it, or the same words
    were already handled as an emergency and the person said they are safe. NLU alone
    reads descriptions of people and evidence ("three lads, one with a shaved head", "I
    filmed them from my window") as emergencies; pausing the report for them, again and
    again, lost reports. None keeps the emergency (the safe default)."""
    form = tracker.active_loop_name
    asking = tracker.get_slot(REQUESTED_SLOT)
    if not form or not isinstance(asking, str) or form not in FORM_SLOTS:
        return None
    if not (gateway_saw_no_risk(tracker) or repeated_after_safe(tracker)):
        return None
    value = answer_validator(form, now)(asking, latest_text(tracker))
    return None if value is None else (asking, value)


def emergency_words_as_correction(tracker: Tracker, now: datetime) -> tuple[str, Any, str] | None:
    """(answer, new value, form) when an emergency intent at the summary is a correction of
    the waiting report that the gateway's classifier saw no risk in."""
    form = form_for(tracker.get_slot("crime_type"))
    if form is None or tracker.get_slot("report_ready") is not True or tracker.active_loop_name:
        return None
    if not gateway_saw_no_risk(tracker):
        return None
    change = correction_events(tracker, form, now, answer_validator(form, now))
    return None if change is None else (change[0], change[1], form)
