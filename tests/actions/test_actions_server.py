"""The action server end to end: rasa-sdk's real web app in a subprocess, spoken to over
HTTP with the JSON the Rasa 3.6 engine sends to /webhook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from action_testing import DOMAIN, free_port

from triage.cases.references import is_valid_reference
from triage.guidance import CALL_999_NOW

ROOT = Path(__file__).resolve().parents[2]
ENGINE_VERSION = "3.6.21"
CONTRACT_ACTIONS = {
    "action_start_report",
    "action_report_summary",
    "action_correct_report",
    "action_submit_report",
    "action_cancel_report",
    "action_emergency",
    "action_resume_report",
    "action_handoff",
    "action_report_fraud",
    "action_track_case",
    "action_update_case",
    "action_station_times",
    "action_default_ask_affirmation",
    "action_default_fallback",
    "validate_theft_form",
    "validate_damage_form",
    "validate_violence_form",
    "validate_community_form",
    "validate_road_form",
    "validate_track_case_form",
    "validate_update_case_form",
}
ENGINE_DOMAIN = {
    "version": "3.1",
    "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
    "intents": ["report_theft", "inform", "emergency_fire", "affirm"],
    "entities": ["place", "field"],
    "responses": {},
    "actions": sorted(CONTRACT_ACTIONS),
    **DOMAIN,
}


class Server:
    """A running `python -m rasa_sdk --actions actions` process."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read())

    def post(self, body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + "/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("action-server")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'cases.db'}",
        "BLUELAMP_VAR_DIR": str(directory / "var"),
        "BLUELAMP_TIMEZONE": "Europe/London",
        "SANIC_HOST": "127.0.0.1",
        "ACTION_SERVER_SANIC_WORKERS": "1",
    }
    log = (directory / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    running = Server(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"action server exited: {(directory / 'server.log').read_text()}")
            try:
                if running.get("/health") == {"status": "ok"}:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("action server did not start within 60 seconds")
            time.sleep(0.2)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def engine_call(
    action: str,
    *,
    sender_id: str = "web-conv-1",
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    active_loop: str | None = None,
    candidates: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The body Rasa 3.6 POSTs to the action endpoint."""
    slot_values: dict[str, Any] = {name: None for name in ENGINE_DOMAIN["slots"]}
    slot_values.update(slots or {})
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [],
        "intent_ranking": [{"name": intent, "confidence": 0.97}],
        "message_id": "m-1",
        "metadata": {},
    }
    events: list[dict[str, Any]] = [
        {"event": "action", "timestamp": 1.0, "name": "action_listen"},
        {
            "event": "user",
            "timestamp": 2.0,
            "text": text,
            "parse_data": parse_data,
            "input_channel": "webchat",
            "message_id": "m-1",
            "metadata": {},
        },
    ]
    if active_loop:
        # the engine's temporary tracker for form validation
        requested = slot_values.get("requested_slot")
        events.append(
            {"event": "slot", "timestamp": 3.0, "name": "requested_slot", "value": requested}
        )
        events.append({"event": "action", "timestamp": 3.0, "name": active_loop})
    for name, value in (candidates or {}).items():
        slot_values[name] = value
        events.append({"event": "slot", "timestamp": 3.0, "name": name, "value": value})
    return {
        "next_action": action,
        "sender_id": sender_id,
        "tracker": {
            "sender_id": sender_id,
            "slots": slot_values,
            "latest_message": parse_data,
            "latest_event_time": 3.0,
            "followup_action": None,
            "paused": False,
            "events": events,
            "latest_input_channel": "webchat",
            "active_loop": {"name": active_loop, "validate": True} if active_loop else {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
        "domain": ENGINE_DOMAIN,
        "version": ENGINE_VERSION,
    }


REPORT = {
    "crime_type": "theft",
    "incident_description": "My phone was taken from my bag on the bus",
    "incident_when": "Tue 24 Nov 2026, about 15:00",
    "incident_where": "Number 12 bus, Northam NE1 4ST",
    "property_details": "black iPhone 13",
    "property_value": "£400",
    "suspect_description": "none given",
    "evidence": "none",
    "reporter_name": "Jo Bloggs",
    "reporter_contact": "+447700900123",
    "contact_consent": True,
}


def slot_sets(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


def test_every_contract_action_is_registered(server: Server) -> None:
    names = {item["name"] for item in server.get("/actions")}
    assert names >= CONTRACT_ACTIONS


def test_form_validation_over_http(server: Server) -> None:
    status, body = server.post(
        engine_call(
            "validate_theft_form",
            slots={"crime_type": "theft", "requested_slot": "incident_where"},
            active_loop="theft_form",
            candidates={"incident_where": "outside Tesco ne1 4st"},
        )
    )
    assert status == 200
    assert set(body) == {"events", "responses"}
    assert slot_sets(body["events"]) == {
        "incident_where": "outside Tesco NE1 4ST",
        "requested_slot": "incident_description",
    }
    assert body["responses"] == []

    status, body = server.post(
        engine_call(
            "validate_theft_form",
            slots={"crime_type": "theft", "requested_slot": "incident_where"},
            active_loop="theft_form",
            candidates={"incident_where": "asdf"},
        )
    )
    assert status == 200
    assert slot_sets(body["events"])["incident_where"] is None
    assert "place" in body["responses"][0]["text"]


def test_submit_over_http_is_idempotent(server: Server) -> None:
    call = engine_call(
        "action_submit_report", sender_id="web-conv-7", slots=REPORT, intent="affirm"
    )
    status, first = server.post(call)
    assert status == 200
    reference = slot_sets(first["events"])["report_reference"]
    assert is_valid_reference(reference)
    assert slot_sets(first["events"])["submission_count"] == 1
    assert any(reference in (r.get("text") or "") for r in first["responses"])

    status, replay = server.post(call)  # the engine retried the same request
    assert status == 200
    assert slot_sets(replay["events"])["report_reference"] == reference


def test_emergency_over_http_pauses_the_form(server: Server) -> None:
    status, body = server.post(
        engine_call(
            "action_emergency",
            slots={"crime_type": "theft", "requested_slot": "incident_when"},
            intent="emergency_fire",
            text="the flats are on fire",
            active_loop="theft_form",
        )
    )
    assert status == 200
    assert body["responses"][0]["text"] == CALL_999_NOW
    # The engine passes `custom` through to the REST channel, where the gateway reads it.
    handoffs = [r["custom"] for r in body["responses"] if r.get("custom")]
    assert handoffs == [{"bluelamp": {"handoff": {"reason": "emergency", "priority": "P1"}}}]
    assert slot_sets(body["events"]) == {"paused_form": "theft_form"}


def test_unknown_action_is_a_404(server: Server) -> None:
    status, body = server.post(engine_call("action_does_not_exist"))
    assert status == 404
    assert body["action_name"] == "action_does_not_exist"
