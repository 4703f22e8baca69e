"""The questions of a crime report, by slot name, in the order the forms ask them.

One list for the action server (actions/report_spec.py: which slots make up a report), the
gateway (which of the bot's words ask a report question) and the conversation bench."""

REPORT_ANSWER_SLOTS: tuple[str, ...] = (
    "incident_description",
    "incident_when",
    "incident_where",
    "property_details",
    "property_value",
    "vehicle_reg",
    "injuries",
    "hate_motivation",
    "suspect_description",
    "evidence",
    "reporter_name",
    "reporter_contact",
    "contact_consent",
)
