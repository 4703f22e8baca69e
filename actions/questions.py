"""Form questions asked by the `action_ask_*` actions, with their quick-reply buttons.

Keys are either ``<slot>`` or ``<form>_<slot>`` (where the wording differs by form); each
key becomes an action ``action_ask_<key>``, which the domain must list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Button = dict[str, str]


def button(title: str, payload: str) -> Button:
    """A quick-reply button as Rasa channels expect it."""
    return {"title": title, "payload": payload}


@dataclass(frozen=True)
class Question:
    """One question: the text and any quick replies."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)


DONT_KNOW = button("I don't know", "not known")

QUESTIONS: dict[str, Question] = {
    # shared wording
    "incident_description": Question(
        "Tell me what happened, in your own words. Include anything you think is important."
    ),
    "incident_when": Question(
        "When did it happen? A rough time is fine, for example 'last night about 11pm', "
        "'yesterday afternoon' or 'sometime last week'."
    ),
    "incident_where": Question(
        "Where did it happen? An address, street, shop or landmark, and the postcode "
        "if you know it."
    ),
    "property_details": Question("What was taken? Describe each item, with any make or model."),
    "property_value": Question(
        "Roughly how much was it worth altogether? A guess is fine, for example '£200'.",
        (DONT_KNOW,),
    ),
    "vehicle_reg": Question("What is the vehicle's registration number, for example AB12 CDE?"),
    "injuries": Question(
        "Was anyone hurt? Tell me about any injuries, or say 'none'.",
        (button("No one was hurt", "none"),),
    ),
    "hate_motivation": Question(
        "What makes you think it was because of who you are (or who they thought you were), "
        "for example your race, religion, disability, sexual orientation or gender identity?"
    ),
    "suspect_description": Question(
        "Can you describe who did it? Height, build, clothing, anything they said, or a name "
        "if you know it.",
        (button("I didn't see them", "none given"),),
    ),
    "evidence": Question(
        "Is there any evidence, such as CCTV, doorbell or dash-cam footage, photos, or witnesses?",
        (button("No CCTV or witnesses", "none"),),
    ),
    "reporter_name": Question("What is your name?"),
    "reporter_contact": Question(
        "What is the best email address or UK phone number to contact you on?"
    ),
    "contact_consent": Question(
        "Is it OK for an officer to contact you about this report?",
        (button("Yes", "/affirm"), button("No", "/deny")),
    ),
    "case_reference": Question(
        "What is your reference? It looks like BL-XXXX-XXXX and was given when you reported. "
        "If you were given a receipt code (RC-XXXX-XXXX) instead, give that."
    ),
    "verify_detail": Question(
        "To check it is your case, what email address, phone number or postcode did you give "
        "when you reported it?"
    ),
    "case_update_text": Question("What new information would you like to add?"),
    # wording that differs by form
    "theft_form_incident_description": Question(
        "Tell me what happened. For example, how they got in or how it was taken, "
        "and when you noticed."
    ),
    "damage_form_incident_description": Question(
        "Tell me what happened. What was done, and how did you find out?"
    ),
    "violence_form_incident_description": Question(
        "Tell me what happened, in your own words. Take your time."
    ),
    "community_form_incident_description": Question(
        "Tell me what is happening. How often, and how is it affecting you or others?"
    ),
    "road_form_incident_description": Question(
        "Tell me what happened on the road, for example the driving you saw and the "
        "vehicles involved."
    ),
    "theft_form_property_details": Question(
        "What was stolen? Describe each item, with any make, model or serial number."
    ),
    "damage_form_property_details": Question("What was damaged? Describe the damage."),
    "damage_form_property_value": Question(
        "Roughly how much will it cost to repair or replace? A guess is fine.",
        (DONT_KNOW,),
    ),
    "theft_form_vehicle_reg": Question(
        "What is the registration number of your vehicle, for example AB12 CDE?"
    ),
    "road_form_vehicle_reg": Question(
        "What was the registration number of the vehicle you are reporting? "
        "Say 'not known' if you did not see it.",
        (DONT_KNOW,),
    ),
    "community_form_reporter_name": Question(
        "What is your name? You can say 'anonymous' if you prefer not to give it; "
        "we will then not be able to contact you.",
        (button("Stay anonymous", "anonymous"),),
    ),
}
