"""Fixed lists for the console: canned replies, closing outcomes, crime types.

Canned replies are plain text the operator can send (or edit first) in a police live chat;
``{force}`` and ``{operator}`` are filled in for the signed-in operator. Outcomes say how a
chat ended (recorded in the audit log when it is closed). Crime types are the case
system's own (`triage.cases.crime_types`), except fraud, which goes to Report Fraud.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from channels.console.auth import console_api
from channels.keys import settings_key
from channels.messages import REPORT_ONLINE_URL
from triage.cases.crime_types import CRIME_FAMILIES
from triage.staff.ports import StaffSession


@dataclass(frozen=True)
class Canned:
    id: str
    title: str
    text: str


CANNED: tuple[Canned, ...] = (
    Canned(
        "greeting",
        "Greeting",
        "Hello, my name is {operator} and I'm part of the {force} contact centre team. "
        "I've read what you've told us so far. How can I help?",
    ),
    Canned(
        "ask_location",
        "Ask for the location",
        "So that we can help, can you tell me where you are, or where this happened? "
        "A street name, a landmark or a postcode all help.",
    ),
    Canned(
        "call_999",
        "Advise 999 now",
        "From what you've told me, please call 999 now. If you can't speak, dial 999 and "
        "press 55 when prompted from a mobile. If you're deaf or speech-impaired, text 999 "
        "if you've registered for emergencySMS, or use Relay UK by dialling 18000.",
    ),
    Canned(
        "call_101",
        "Non-emergency: 101",
        "This isn't an emergency, so the best way to speak to us about it is to call 101, "
        "our non-emergency number. If things change and someone is in danger, call 999.",
    ),
    Canned(
        "report_online",
        "Report online",
        f"You can report this online at {REPORT_ONLINE_URL} at any time; you'll be given a "
        "reference number to track it. If it's easier, I can take the details here now.",
    ),
    Canned(
        "data_protection",
        "Data protection note",
        "So you know: this chat is recorded, and {force} uses what you tell us to deal with "
        "your contact and any crime report, as the Data Protection Act 2018 allows. Our "
        "privacy notice on our website explains how we use and keep your information.",
    ),
    Canned(
        "closing",
        "Closing",
        "Thank you for contacting {force}. If you need us again you can start a new chat, "
        "call 101, or report online. In an emergency, always call 999. Take care.",
    ),
)


OUTCOMES: dict[str, str] = {
    "advice_given": "Advice given",
    "report_taken": "Report taken",
    "case_created": "Case created or updated",
    "referred_elsewhere": "Referred to another organisation",
    "emergency_escalated": "Escalated as an emergency",
    "no_further_action": "No further action",
    "person_left": "The person left the chat",
}

CRIME_TYPE_LABELS: dict[str, str] = {
    "theft": "Theft",
    "burglary": "Burglary",
    "vehicle_crime": "Vehicle crime",
    "criminal_damage": "Criminal damage",
    "assault": "Assault",
    "harassment": "Harassment",
    "hate_crime": "Hate crime",
    "asb": "Anti-social behaviour",
    "drugs": "Drugs",
    "road_offence": "Road offence",
}
CRIME_TYPES: dict[str, str] = {
    kind: CRIME_TYPE_LABELS.get(kind, kind.replace("_", " ").capitalize())
    for kind in CRIME_FAMILIES
    if kind != "fraud"  # Report Fraud takes these; the bot says so
}


def canned_texts(force: str, operator: str) -> list[dict[str, str]]:
    return [
        {"id": c.id, "title": c.title, "text": c.text.format(force=force, operator=operator)}
        for c in CANNED
    ]


@console_api()
async def canned(request: web.Request, session: StaffSession) -> web.StreamResponse:
    force = request.app[settings_key].force_name
    return web.json_response(canned_texts(force, session.display_name))


@console_api()
async def outcomes(request: web.Request, session: StaffSession) -> web.StreamResponse:
    return web.json_response([{"id": key, "label": label} for key, label in OUTCOMES.items()])


@console_api()
async def crime_types(request: web.Request, session: StaffSession) -> web.StreamResponse:
    return web.json_response([{"id": key, "label": label} for key, label in CRIME_TYPES.items()])
