"""The blank English pipeline every triage model starts from, with bluelamp's tokenizer.

The tokenizer is registered with spaCy's registry so a saved model rebuilds it from its
config: the classifier and the rules must see the same tokens at training and at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer

TOKENIZER_NAME = "bluelamp.tokenizer.v1"

# Mixed letters-and-digits words ("7k2m", "ab12cde", "sw1a") stay whole: English's unit
# suffixes would otherwise split "7k2m" into "7k2" + "m" and break reference blocks. A whole
# crime reference ("BL-7K2M-ABCD") stays one token despite its hyphens.
# The flag is inline because spaCy saves only the pattern text with the model.
_KEEP_WHOLE = re.compile(
    r"(?i)^(?:bl-?[0-9a-z]{4}-?[0-9a-z]{4}|(?=[a-z]*[0-9])(?=[0-9]*[a-z])[0-9a-z]{2,8})$"
)


@spacy.registry.tokenizers(TOKENIZER_NAME)
def create_bluelamp_tokenizer() -> Callable[[Language], Tokenizer]:
    """English's default tokenizer, keeping identifiers (references, postcodes, regs) whole."""

    def make(nlp: Language) -> Tokenizer:
        tokenizer: Tokenizer = spacy.registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        tokenizer.token_match = _KEEP_WHOLE.match
        return tokenizer

    return make


def blank_pipeline() -> Language:
    """A blank English pipeline with bluelamp's tokenizer and no components."""
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
