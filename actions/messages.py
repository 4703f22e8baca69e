"""Texts sent by the custom actions (not in the domain: see docs/bot-contract.md)."""

from __future__ import annotations

from actions.buttons import Button, button

FORCE = "Northshire Police"
WEBSITE = "https://www.northshire.police.uk"
ONLINE_REPORTING_URL = f"{WEBSITE}/report"
DANGER_LINE = "If anyone is in danger right now, call 999."
EMERGENCY_AND_101 = "In an emergency call 999. For anything else you can call 101."

# --- starting, summarising, correcting, sending ---------------------------------------------

START_REPORT = (
    "I will ask you a few questions about what happened. It takes about 5 minutes. "
    "You can say 'stop' at any time. " + DANGER_LINE
)
WHICH_REPORT = "What would you like to report? Choose the closest, or tell me in a few words."
REPORT_TYPE_BUTTONS: tuple[Button, ...] = (
    button("Theft", "/report_theft"),
    button("Burglary", "/report_burglary"),
    button("Vehicle crime", "/report_vehicle_crime"),
    button("Damage", "/report_criminal_damage"),
    button("Assault", "/report_assault"),
    button("Harassment", "/report_harassment"),
    button("Hate crime", "/report_hate_crime"),
    button("Anti-social behaviour", "/report_asb"),
    button("Drugs", "/report_drugs"),
    button("Bad driving", "/report_road_offence"),
    button("Fraud or scam", "/report_fraud"),
)

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
    "fraud": "Fraud",
}

# How a kind of report reads inside a sentence ("It sounds like you want to report ...").
REPORT_NOUNS: dict[str, str] = {
    "theft": "a theft",
    "burglary": "a burglary",
    "vehicle_crime": "a vehicle crime",
    "criminal_damage": "damage",
    "assault": "an assault",
    "harassment": "harassment",
    "hate_crime": "a hate crime",
    "asb": "anti-social behaviour",
    "drugs": "drug activity",
    "road_offence": "bad driving",
    "fraud": "a fraud or scam",
}

SLOT_LABELS: dict[str, str] = {
    "incident_description": "What happened",
    "incident_when": "When",
    "incident_where": "Where",
    "property_details": "Items",
    "property_value": "Value",
    "vehicle_reg": "Vehicle registration",
    "injuries": "Injuries",
    "hate_motivation": "Why you think it was a hate crime",
    "suspect_description": "Who did it",
    "evidence": "Evidence",
    "reporter_name": "Your name",
    "reporter_contact": "Your contact details",
    "contact_consent": "OK to contact you",
    "case_reference": "Reference",
    "verify_detail": "Verifying detail",
    "case_update_text": "New information",
}
FORM_SLOT_LABELS: dict[tuple[str, str], str] = {
    ("theft_form", "property_details"): "What was stolen",
    ("damage_form", "property_details"): "What was damaged",
    ("damage_form", "property_value"): "Cost of the damage",
}

SUMMARY_INTRO = "Here is your {crime_label} report:"
SUMMARY_QUESTION = "Shall I send this report?"
SUMMARY_BUTTONS: tuple[Button, ...] = (
    button("Yes, send it", "/affirm"),
    button("Change something", "/correct_field"),
    button("Cancel", "/stop"),
)
NO_REPORT = "There is no report in progress. " + WHICH_REPORT
NOTED_FROM_STORY = "Thank you. From what you have told me, I have noted {facts}."
NOTED_ALSO = "I have also noted {facts}."
NOTED_ACCOUNT = "Thank you, I have noted what happened."
NOTED_ALSO_ACCOUNT = "Thank you, I have noted that."
NOTED_CASE = "Thank you, I have your {facts}."
NOTED_CHANGE_LATER = "You can change anything before the report is sent."
CHANGED = "Thank you, I have changed {label} to: {value}."
REPORT_IN_PROGRESS = (
    "You have a report that has not been sent yet, so let us finish that first. "
    "Say 'stop' if you want to cancel it."
)
SUMMARY_NOT_SENT = "Your report has not been sent yet. Here it is again."
CORRECT_WHICH = "Which answer would you like to change?"
CORRECT_UNKNOWN_FIELD = "That is not one of your answers. Which answer would you like to change?"
CORRECT_GO = "OK, let us change that."

SUBMITTED = "Thank you, your report has been sent. Your reference is {reference}. Please keep it."
SUBMITTED_ALREADY = "This report was already sent. Your reference is {reference}."
NEXT_STEPS = (
    "What happens next: you will get a crime reference number, or an explanation, within 48 hours."
)
NEXT_STEPS_CONTACT = "An officer may contact you using the details you gave."
NEXT_STEPS_NO_CONTACT = "As you asked, we will not contact you about it."
NEXT_STEPS_TRACK = (
    "You can check progress here at any time: say 'track my case' and give your reference."
)
HELD = (
    "Thank you, your report has been received and is safe with us. Our case system is busy "
    "just now, so your reference will follow. Your receipt code is {receipt}. Please keep it."
)
HELD_ALREADY = (
    "This report was already received. Your receipt code is {receipt}; the reference will follow."
)
NEXT_STEPS_HELD = (
    "To get your reference, come back later, say 'track my case' and give your receipt code "
    "with the email, phone number or postcode you gave."
)
SUBMIT_FAILED = (
    "Sorry, I could not send your report just now because of a problem on our side. "
    "Nothing you told me has been lost."
)
SUBMIT_FAILED_WHAT_NEXT = (
    "You can try again in a few minutes, or call 101 to report it by phone. " + DANGER_LINE
)
SUBMIT_FAILED_HANDOFF = "I have also asked a member of staff to look at this conversation."
SUBMIT_FAILED_BUTTONS: tuple[Button, ...] = (
    button("Try again", "/affirm"),
    button("Talk to a person", "/request_human"),
)
CANCELLED = "OK, I have stopped. Nothing has been sent and your answers have been deleted."

# --- validation errors ----------------------------------------------------------------------

VALIDATION_ERRORS: dict[str, str] = {
    "empty": "I did not get an answer there.",
    "too_long": "That is too long for this question. Please give a shorter answer.",
    "too_short": "Please tell me a bit more: a short sentence is enough.",
    "text_unclear": "Sorry, I could not make sense of that. Please answer in a few words.",
    "unknown_not_allowed": "I need an answer to this one to send the report.",
    "when_unclear": (
        "I could not work out when that was. Try something like '24/11/2026 about 3pm', "
        "'yesterday afternoon' or 'sometime last week'."
    ),
    "when_vague": (
        "Could you be a little more exact? A rough day or week is fine, "
        "for example 'last Tuesday' or 'sometime last week'."
    ),
    "future_time": "That time is in the future. When did it happen?",
    "too_old": "That date is too long ago. Please check the year.",
    "place_unclear": (
        "I could not make sense of that place. Please give a street, shop, landmark or postcode."
    ),
    "postcode_invalid": (
        "That postcode does not look right. UK postcodes look like NE1 4ST. "
        "Please check it, or give the street name instead."
    ),
    "phone_invalid": "That does not look like a UK phone number, for example 07700 900123.",
    "phone_not_uk": (
        "I can only take UK phone numbers. Please give a UK number or an email address."
    ),
    "email_invalid": "That email address does not look right. Please check it.",
    "contact_invalid": (
        "Please give an email address (like name@example.com) or a UK phone number "
        "(like 07700 900123)."
    ),
    "vehicle_reg_invalid": (
        "That does not look like a UK registration. They look like AB12 CDE, or A123 BCD "
        "on older vehicles."
    ),
    "money_invalid": "Please give a rough amount in pounds, for example '£200', or say 'not sure'.",
    "money_too_large": "That amount looks too large. Please check it.",
    "name_too_short": "Please give your name (at least 2 letters).",
    "name_too_long": "That is longer than a name can be here (100 characters).",
    "name_invalid": "A name can only have letters, spaces, hyphens and apostrophes.",
    "anonymous_not_allowed": (
        "For this kind of report we need your name so an officer can follow it up. "
        "If you want to stay anonymous, you can tell Crimestoppers on 0800 555 111."
    ),
    "consent_unclear": "Please answer yes or no.",
    "reference_invalid": (
        "That reference does not look right. It looks like BL-4F7K-2MQ9 (or a receipt code "
        "like RC-4F7K-2MQ9). Please check each character."
    ),
    "verify_invalid": (
        "Please give the email address, phone number or postcode you gave when you reported."
    ),
}
VALIDATION_ERROR_DEFAULT = "Sorry, I could not use that answer. Please try again."
WAY_OUT = "This seems to be difficult. You can talk to a person, stop this report, or try again."
WAY_OUT_UNKNOWN = " If you do not know, just say 'not known'."
WAY_OUT_BUTTONS: tuple[Button, ...] = (
    button("Talk to a person", "/request_human"),
    button("Stop this report", "/stop"),
)

# --- emergencies, handoff, resuming ---------------------------------------------------------

EMERGENCY_STAFF_ALERTED = (
    "I have also alerted our staff to this conversation, but do not wait for them: call 999."
)
RESUME_REPORT = "Thank you. Let us carry on with your report."
NOTHING_TO_CONTINUE = "There is no unsent report to carry on with. What would you like to do?"
GLAD_SAFE = "I am glad you are safe. What would you like to do now?"

HANDOFF_IN_HOURS = (
    "I have asked a member of our team to join this chat. They will see what you have told "
    "me, so you will not need to repeat it. Please stay here."
)
HANDOFF_HOURS = "Our live chat team is available from {open} to {close}, every day."
HANDOFF_OUT_OF_HOURS = (
    "Our live chat is closed right now, so nobody can join this chat until {open}. "
    "I have left a message for the team."
)
HANDOFF_OUT_OF_HOURS_WHAT_TO_DO = (
    "In the meantime: call 101 for anything that is not an emergency, or report online at "
    + ONLINE_REPORTING_URL
    + ". If anyone is in danger, call 999."
)
HANDOFF_FAILED = (
    "Sorry, I could not reach our team just now. Please call 101, or report online at "
    + ONLINE_REPORTING_URL
    + ". If anyone is in danger, call 999."
)

# --- enquiries ------------------------------------------------------------------------------

FRAUD = (
    "Fraud and scams are reported to Report Fraud (formerly Action Fraud), the national "
    "reporting service: https://www.actionfraud.police.uk or 0300 123 2040."
)
FRAUD_BANK = (
    "If you have lost money, tell your bank straight away. If the fraud is happening now "
    "or someone is in danger, call 999."
)
TRACK_FOUND = "{reference}: {status_label}. Last updated {updated}."
TRACK_FOUND_FROM_RECEIPT = (
    "Your report with receipt code {receipt} now has the reference {reference}. "
    "Please keep it: it is what you quote from now on."
)
TRACK_OUTCOME = "Outcome: {outcome_label}."
TRACK_MESSAGES_INTRO = "Messages from us:"
TRACK_MESSAGE_LINE = "- {day}: {text}"
TRACK_FURTHER_INFORMATION = (
    "We need more information from you: say 'add information to my case' to send it."
)
TRACK_PENDING = (
    "Your report with receipt code {receipt} is safe with us and waiting to go onto our case "
    "system. Your reference will follow: please check again later."
)
TRACK_LIMITED = (
    "Sorry, there have been too many attempts to check this. Please try again later, or call 101."
)
UPDATE_PENDING = (
    "Your report with receipt code {receipt} is still waiting to go onto our case system, so "
    "I cannot add to it yet. Please try again once it has a reference, or call 101."
)
TRACK_NOT_FOUND = (
    "I could not find a case with that reference and detail. Please check both and try "
    "again, or call 101."
)
TRACK_UNAVAILABLE = (
    "Sorry, I cannot check cases right now because of a problem on our side. "
    "Please try again later or call 101."
)
UPDATE_DONE = (
    "Thank you. I have added your information to {reference}. The team dealing with it will see it."
)
UPDATE_UNAVAILABLE = (
    "Sorry, I could not add that just now because of a problem on our side. Please try "
    "again later or call 101. Nothing you told me has been sent."
)
STATIONS_INTRO = "Front counter opening times:"
STATION_NOT_FOUND = "I do not know a station called '{place}'. These are our front counters:"
STATIONS_FOOTER = "Front counters are not for emergencies: call 999. For anything else, call 101."

# --- fallback -------------------------------------------------------------------------------

INTENT_FRIENDLY_NAMES: dict[str, str] = {
    "emergency_crime_in_progress": "A crime happening now",
    "emergency_intruder": "Someone breaking in now",
    "emergency_violence": "Someone being attacked now",
    "emergency_medical": "A medical emergency",
    "emergency_fire": "A fire",
    "emergency_road_collision": "A crash with people hurt",
    "emergency_threat_to_life": "Someone threatening a life now",
    "emergency_domestic_abuse": "Domestic abuse happening now",
    "emergency_suicide_risk": "Someone at risk of ending their life",
    "emergency_missing_person": "A missing person",
    "emergency_child_danger": "A child in danger now",
    "report_theft": "Report a theft",
    "report_burglary": "Report a burglary",
    "report_vehicle_crime": "Report a vehicle crime",
    "report_criminal_damage": "Report damage",
    "report_assault": "Report an assault",
    "report_harassment": "Report harassment",
    "report_hate_crime": "Report a hate crime",
    "report_asb": "Report anti-social behaviour",
    "report_drugs": "Report drug activity",
    "report_road_offence": "Report bad driving",
    "report_fraud": "Report fraud or a scam",
    "track_case": "Check on a case",
    "update_case": "Add information to a case",
    "lost_property": "Lost property",
    "found_property": "Found property",
    "firearms_licensing": "Firearms licensing",
    "station_opening_times": "Station opening times",
    "complaint": "Make a complaint",
    "compliment": "Pay a compliment",
    "information_request": "Ask for information we hold",
    "seized_property": "Seized property or vehicles",
    "recruitment": "Jobs and volunteering",
    "disclosure_schemes": "DBS checks, Clare's Law, Sarah's Law",
    "traffic_penalty": "Speeding tickets and fines",
    "online_reporting_help": "Help with online reporting",
    "council_matter": "Something for the council",
    "lost_passport": "A lost passport",
    "greet": "Say hello",
    "goodbye": "Say goodbye",
    "thank": "Say thank you",
    "affirm": "Yes",
    "deny": "No",
    "request_human": "Talk to a person",
    "bot_challenge": "Am I talking to a bot?",
    "stop": "Stop the report",
    "im_safe": "I am safe now",
    "correct_field": "Change an answer",
    "inform": "Answer the question",
}
ASK_AFFIRMATION = "Sorry, I am not sure I understood. Did you mean one of these?"
SOMETHING_ELSE = button("Something else", "/out_of_scope")
FALLBACK = (
    "Sorry, I still did not understand. I can help you report a crime that is over "
    "(tell me in a few words what happened, for example 'my bike was stolen'), check on a "
    "case, answer a question about police services, or put you through to a person."
)
NOT_UNDERSTOOD = (
    "Sorry, I am not sure what you need. If something has happened, tell me in a few words "
    "what it was, for example 'my bike was stolen from the station yesterday'. Or choose one "
    "of these:"
)
UNDERSTOOD_REPORT = "It sounds like you want to report {crime_label}."
REPORT_OFFER = "It sounds like you may want to report {crime_label}. Would you like to do that?"
REPORT_OFFER_YES = "Yes, report {crime_label}"
TRACK_OFFER = "Would you like to check on case {reference}?"
PASSING_TO_PERSON = (
    "I am sorry I have not been able to help. I am passing this conversation to a member of "
    "staff, who will read what you have written."
)
ASK_REPHRASE_OR_PERSON = (
    "Sorry, I still did not get that. Could you say it another way, in a few words? "
    "Or I can pass you to a member of staff."
)
MAIN_OPTIONS = "You can report a crime, check on a case, ask a question, or talk to a person."
MAIN_OPTION_BUTTONS: tuple[Button, ...] = (
    button("Report a theft", "/report_theft"),
    button("Report an assault", "/report_assault"),
    button("Check on a case", "/track_case"),
    button("Station opening times", "/station_opening_times"),
    button("Talk to a person", "/request_human"),
)


def validation_error(code: str | None) -> str:
    """The wording for a validation error code."""
    return VALIDATION_ERRORS.get(code or "", VALIDATION_ERROR_DEFAULT)


def slot_label(form: str | None, slot: str) -> str:
    """A friendly label for an answer, with form-specific wording where it differs."""
    if form is not None and (form, slot) in FORM_SLOT_LABELS:
        return FORM_SLOT_LABELS[(form, slot)]
    return SLOT_LABELS.get(slot, slot.replace("_", " ").capitalize())


def friendly_intent(intent: str) -> str:
    """A plain-English name for an intent, for "Did you mean ...?" buttons."""
    return INTENT_FRIENDLY_NAMES.get(intent, intent.replace("_", " ").capitalize())
