"""The draft mapping agrees with the report forms and with how the bot submits reports."""

from __future__ import annotations

from datetime import UTC, datetime

from actions.report_spec import REPORT_ANSWER_SLOTS
from channels.console.case_draft import (
    DETAIL_SLOTS,
    CaseDraft,
    draft_from_collected,
    submission,
)
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueItem

OWN_FIELDS = ("incident_description", "incident_where", "incident_when")
CONTACT = ("reporter_name", "reporter_contact", "contact_consent")


def item() -> QueueItem:
    return QueueItem("q1", "web-1", Channel.WEBCHAT, Priority.P3, "r", "", (), datetime.now(UTC))


def test_every_form_answer_has_a_place_in_the_draft() -> None:
    assert set(REPORT_ANSWER_SLOTS) == set(DETAIL_SLOTS) | set(OWN_FIELDS) | set(CONTACT)


def test_an_anonymous_reporter_gives_no_name_or_contact() -> None:
    draft = draft_from_collected(
        {
            "crime_type": "asb",
            "reporter_name": "Anonymous",
            "reporter_contact": "0191 000 0000",
            "contact_consent": "yes",
        }
    )
    assert (draft.reporter_name, draft.reporter_contact, draft.contact_consent) == (
        "anonymous",
        None,
        False,
    )
    sent = submission(draft, item(), "webchat", 0)
    assert (sent.reporter_name, sent.reporter_contact, sent.contact_consent) == (None, None, False)
    assert "anonymous" in sent.flags


def test_an_unknown_crime_type_is_left_for_the_operator_to_choose() -> None:
    assert draft_from_collected({"crime_type": "fraud"}).crime_type == ""
    assert draft_from_collected({"crime_type": "made_up"}).crime_type == ""


def test_the_submission_key_flags_and_injuries() -> None:
    draft = CaseDraft(
        crime_type="hate_crime", account="Shouted at", details={"injuries": "a cut lip"}
    )
    sent = submission(draft, item(), "rest", 2)
    assert sent.idempotency_key == "console:web-1:2"
    assert sent.channel == "rest" and sent.priority == "P3"
    assert sent.flags == ("hate_crime", "injuries", "taken_by_staff")
    none_hurt = submission(
        CaseDraft(crime_type="assault", account="x", details={"injuries": "None"}),
        item(),
        "rest",
        0,
    )
    assert "injuries" not in none_hurt.flags
