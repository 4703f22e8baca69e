"""The reporter's name, known from the tracker, never reaches the action server's logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from action_testing import DOMAIN, make_tracker, texts
from rasa_sdk.executor import CollectingDispatcher

import actions
from actions import emergency_and_handoff, form_validation
from actions.emergency_and_handoff import ActionHandoff
from actions.form_validation import ValidateTheftForm
from actions.known_names import knows_names, names_in, our_actions
from triage.cases.ports import HandoffRequest
from triage.log_redaction import RedactingFilter

NAME = "Jo Bloggs"


@pytest.fixture
def action_log() -> Iterator[io.StringIO]:
    """What the actions log, through the redaction filter the server puts on its handlers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("actions")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


class QuotingCaseSystem:
    """A case system whose failure quotes the request, as database drivers quote parameters."""

    async def request_handoff(self, request: HandoffRequest) -> None:
        raise RuntimeError(f"insert failed, parameters: {request.summary}")


def test_every_action_declares_the_names() -> None:
    classes = list(our_actions())
    assert len(classes) >= 21  # the contract's actions and the forms' shared base
    assert all(knows_names(cls) for cls in classes)
    actions.known_names.install()  # a second install wraps nothing twice
    run = ActionHandoff.run
    assert getattr(run, "__wrapped__", None) is not None
    assert getattr(run.__wrapped__, "__wrapped__", None) is None


def test_names_come_from_the_slot_and_from_a_name_being_validated() -> None:
    assert names_in(make_tracker({"reporter_name": NAME})) == [NAME]
    being_given = make_tracker(
        {"requested_slot": "reporter_name"},
        active_loop="theft_form",
        candidates={"reporter_name": "my name is Sam Smith"},
    )
    assert names_in(being_given) == ["Sam Smith"]
    assert names_in(make_tracker({"reporter_name": "anonymous"})) == []
    assert names_in(make_tracker({})) == []


async def test_a_failed_handoff_logs_without_the_reporters_name(
    action_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emergency_and_handoff, "case_system", QuotingCaseSystem)
    tracker = make_tracker(
        {"crime_type": "theft", "reporter_name": NAME, "requested_slot": "reporter_contact"},
        text="can I talk to someone",
        intent="request_human",
        active_loop="theft_form",
    )
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker, DOMAIN)
    assert "101" in " ".join(texts(dispatcher))  # the failure path ran
    logged = action_log.getvalue()
    assert "handoff request failed" in logged and "insert failed" in logged
    assert "Bloggs" not in logged and "Jo " not in logged
    assert "'reporter_name': '[name]'" in logged
    # outside an action run the name is not known, so not replaced
    logging.getLogger("actions.test").warning("after the run: %s", NAME)
    assert action_log.getvalue().endswith(f"after the run: {NAME}\n")


async def test_a_name_being_validated_is_redacted_from_what_validation_logs(
    action_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    parse_name = form_validation.parse_name

    def logging_parse_name(text: str, **kwargs: Any) -> Any:
        logging.getLogger("actions.form_validation").warning("parsing %r", text)
        return parse_name(text, **kwargs)

    monkeypatch.setattr(form_validation, "parse_name", logging_parse_name)
    tracker = make_tracker(
        {"crime_type": "theft", "requested_slot": "reporter_name"},
        active_loop="theft_form",
        candidates={"reporter_name": "it's Sam Smith"},
    )
    events = await ValidateTheftForm().run(CollectingDispatcher(), tracker, DOMAIN)
    assert {"event": "slot", "name": "reporter_name", "value": "Sam Smith"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events if e["event"] == "slot"
    ]
    logged = action_log.getvalue()
    assert "parsing" in logged and "Sam" not in logged and "Smith" not in logged
