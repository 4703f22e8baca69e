"""EntityRuler patterns for the identifiers an operator needs at a glance: UK postcodes,
vehicle registrations and bluelamp crime references (`BL-XXXX-XXXX`).

Shapes follow `triage/validation/` and `nlu_data/entities.yml`: postcodes (BS 7666) and
current-style registrations in any case; the older prefix and suffix registrations only in
capitals, so road names and ordinary words ("the A1 now") are not taken for them. A crime
reference is matched by shape; its check character is verified where it is used.
"""

from __future__ import annotations

from typing import Any

POSTCODE = "POSTCODE"
VEHICLE_REG = "VEHICLE_REG"
CRIME_REF = "CRIME_REF"

_OUTWARD = (
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_REG_CURRENT_HEAD = r"[A-HJ-PR-Y]{2}[0-9]{2}"
_REG_CURRENT_TAIL = r"[A-HJ-PR-Z]{3}"
_REF_BLOCK = r"[0-9A-Z]{4}"
# Capitals that look like a prefix-style registration's tail but are words ("A1 NOW").
_CAPS_WORDS = [
    "NOW", "AND", "THE", "FOR", "YOU", "ARE", "WAS", "HAS", "HIS", "HER", "OFF", "OUT",
    "BUT", "NOT", "CAR", "VAN", "BUS", "PLS", "HES", "SHE", "ITS", "HIM", "WHO", "WHY",
]  # fmt: skip


def _ci(regex: str) -> dict[str, Any]:
    """A whole-token, case-insensitive regex (the flag is inline: spaCy saves the text)."""
    return {"TEXT": {"REGEX": f"(?i)^(?:{regex})$"}}


def _cs(regex: str) -> dict[str, Any]:
    """A whole-token, case-sensitive regex."""
    return {"TEXT": {"REGEX": f"^(?:{regex})$"}}


_CAPS_TAIL = rf"(?!(?:{'|'.join(_CAPS_WORDS)})$)[A-Z]{{3}}"
_BL = {"LOWER": "bl"}
_HYPHEN = {"ORTH": {"IN": ["-", "–"]}, "OP": "?"}

ENTITY_PATTERNS: list[dict[str, Any]] = [
    {"label": POSTCODE, "pattern": [_ci(_OUTWARD + _INWARD)]},
    {"label": POSTCODE, "pattern": [_ci(_OUTWARD), _ci(_INWARD)]},
    {"label": VEHICLE_REG, "pattern": [_ci(_REG_CURRENT_HEAD + _REG_CURRENT_TAIL)]},
    {"label": VEHICLE_REG, "pattern": [_ci(_REG_CURRENT_HEAD), _ci(_REG_CURRENT_TAIL)]},
    {"label": VEHICLE_REG, "pattern": [_cs(r"[A-HJ-NP-Y][0-9]{1,3}[A-Z]{3}")]},
    {
        "label": VEHICLE_REG,
        "pattern": [
            _cs(r"[A-HJ-NP-Y][0-9]{1,3}"),
            _cs(_CAPS_TAIL),
        ],
    },
    {"label": VEHICLE_REG, "pattern": [_cs(r"[A-Z]{3}[0-9]{1,3}[A-HJ-NP-Y]")]},
    {
        "label": VEHICLE_REG,
        "pattern": [
            _cs(_CAPS_TAIL),
            _cs(r"[0-9]{1,3}[A-HJ-NP-Y]"),
        ],
    },
    {"label": CRIME_REF, "pattern": [_ci(rf"BL-?{_REF_BLOCK}-?{_REF_BLOCK}")]},
    {"label": CRIME_REF, "pattern": [_BL, _HYPHEN, _ci(_REF_BLOCK), _HYPHEN, _ci(_REF_BLOCK)]},
    {"label": CRIME_REF, "pattern": [_ci(rf"BL-?{_REF_BLOCK}"), _HYPHEN, _ci(_REF_BLOCK)]},
    {"label": CRIME_REF, "pattern": [_BL, _HYPHEN, _ci(rf"{_REF_BLOCK}-?{_REF_BLOCK}")]},
]
