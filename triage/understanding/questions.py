"""Which report question the assistant's words ask, read from the form questions the engine
puts (`bot/domain/questions.yml`, the one source of their wording)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from triage.settings import PROJECT_ROOT
from triage.understanding.report_fields import REPORT_ANSWER_SLOTS

QUESTIONS_FILE = PROJECT_ROOT / "bot" / "domain" / "questions.yml"
# utter_ask_<slot> or utter_ask_<form>_<slot>
_ASK = re.compile(r"^utter_ask_(?:(?:theft|damage|violence|community|road)_form_)?(?P<slot>\w+)$")
_REPORT_SLOTS = frozenset(REPORT_ANSWER_SLOTS)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@cache
def _questions(path: Path = QUESTIONS_FILE) -> dict[str, str]:
    """question text -> report slot, for every report form question."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[str, str] = {}
    for name, variants in (data.get("responses") or {}).items():
        match = _ASK.match(str(name))
        if match is None or match.group("slot") not in _REPORT_SLOTS:
            continue
        for variant in variants or []:
            text = variant.get("text") if isinstance(variant, dict) else None
            if isinstance(text, str):
                found[_key(text)] = match.group("slot")
    return found


def report_question(bot_text: str) -> str | None:
    """The report slot a form question asks for, or None for anything else the bot said."""
    return _questions().get(_key(bot_text)) if bot_text else None
