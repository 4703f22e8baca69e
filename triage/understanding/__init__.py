"""Reading what a person says the way a caller-handler listens: the facts given in passing,
the kind of crime a story describes, and corrections of something said earlier.

Pure functions over text (no Rasa, no I/O), used by the action server to fill a report from
the story instead of asking again, and by the gateway to tell the engine which crime family
a message describes.
"""

from triage.understanding.corrections import correction_slot, looks_like_correction, merge_when
from triage.understanding.crime_family import crime_family, sounds_like_crime
from triage.understanding.facts import Facts, facts_in, is_account

__all__ = [
    "Facts",
    "correction_slot",
    "crime_family",
    "facts_in",
    "is_account",
    "looks_like_correction",
    "merge_when",
    "sounds_like_crime",
]
