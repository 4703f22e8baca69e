"""Parse and check free-text answers to form questions.

Pure functions (no Rasa import): each returns a `Parsed` with a normalised value or a
short error code, and never raises on odd input, so the action server and the gateway
can both rely on them.
"""

from triage.validation.case import parse_reference, parse_verify_detail
from triage.validation.contact import parse_contact, parse_email, parse_phone
from triage.validation.description import parse_description, parse_free_text
from triage.validation.money import parse_money
from triage.validation.name import ANONYMOUS, is_anonymous, parse_name
from triage.validation.place import find_postcode, parse_place, parse_postcode
from triage.validation.result import NOT_KNOWN, Parsed
from triage.validation.unknown import is_unknown
from triage.validation.vehicle import parse_vehicle_reg
from triage.validation.when import parse_when

__all__ = [
    "ANONYMOUS",
    "NOT_KNOWN",
    "Parsed",
    "find_postcode",
    "is_anonymous",
    "is_unknown",
    "parse_contact",
    "parse_description",
    "parse_email",
    "parse_free_text",
    "parse_money",
    "parse_name",
    "parse_phone",
    "parse_place",
    "parse_postcode",
    "parse_reference",
    "parse_vehicle_reg",
    "parse_verify_detail",
    "parse_when",
]
