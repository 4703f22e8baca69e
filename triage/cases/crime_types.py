"""Crime types the assistant collects and the family each belongs to.

The family groups types that share a form and an investigative route (acquisitive crime,
violence, ...), so staff can list and count cases by family without knowing every type.
"""

from __future__ import annotations

CRIME_FAMILIES: dict[str, str] = {
    "theft": "acquisitive",
    "burglary": "acquisitive",
    "vehicle_crime": "acquisitive",
    "criminal_damage": "damage",
    "assault": "violence",
    "harassment": "violence",
    "hate_crime": "violence",
    "asb": "community",
    "drugs": "community",
    "road_offence": "road",
    "fraud": "fraud",
}
UNCLASSIFIED = "unclassified"


def crime_family(crime_type: str) -> str:
    """The family of a crime type; a type this release does not know is kept, unclassified."""
    return CRIME_FAMILIES.get(crime_type, UNCLASSIFIED)
