"""Every intent belongs to exactly one category, and the NLU data matches the domain.

Triage, the gateway's fast path and the NLU figures all map intents through
nlu_data/categories.yml, so an intent missing from it would be silently mis-triaged.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = ("emergency", "crime_report", "enquiry", "other")


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def domain_intents() -> set[str]:
    intents: set[str] = set()
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        for item in (_yaml(path) or {}).get("intents", []) or []:
            intents.add(item if isinstance(item, str) else next(iter(item)))
    return intents


def nlu_intents() -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in sorted((ROOT / "nlu_data").glob("*.yml")):
        for block in (_yaml(path) or {}).get("nlu", []) or []:
            if "intent" in block:
                examples = [e for e in block["examples"].splitlines() if e.strip().startswith("-")]
                counts[block["intent"]] += len(examples)
    return counts


def category_lists() -> dict[str, list[str]]:
    data = _yaml(ROOT / "nlu_data" / "categories.yml")
    assert set(data) == set(CATEGORIES), f"categories.yml keys: {sorted(data)}"
    return {c: list(data[c]) for c in CATEGORIES}


def test_each_intent_listed_exactly_once() -> None:
    lists = category_lists()
    listed = Counter(intent for intents in lists.values() for intent in intents)
    twice = sorted(i for i, n in listed.items() if n > 1)
    assert not twice, f"listed in more than one place: {twice}"
    domain = domain_intents()
    missing = sorted(domain - set(listed))
    assert not missing, f"domain intents with no category: {missing}"
    unknown = sorted(set(listed) - domain)
    assert not unknown, f"categories.yml names intents the domain lacks: {unknown}"


def test_emergency_intents_are_named_as_such() -> None:
    lists = category_lists()
    assert all(i.startswith("emergency_") for i in lists["emergency"])
    assert all(i.startswith("report_") for i in lists["crime_report"])
    domain = domain_intents()
    assert {i for i in domain if i.startswith("emergency_")} == set(lists["emergency"])


def test_every_intent_has_training_examples() -> None:
    counts = nlu_intents()
    thin = {i: counts[i] for i in domain_intents() if counts[i] < 20}
    assert not thin, f"intents with fewer than 20 examples: {thin}"


def test_no_example_is_used_for_two_intents() -> None:
    seen: dict[str, str] = {}
    clashes = []
    markup = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
    for path in sorted((ROOT / "nlu_data").glob("*.yml")):
        for block in (_yaml(path) or {}).get("nlu", []) or []:
            if "intent" not in block:
                continue
            for line in block["examples"].splitlines():
                text = markup.sub(r"\1", line.strip().lstrip("-").strip()).lower()
                if text and seen.setdefault(text, block["intent"]) != block["intent"]:
                    clashes.append((text, seen[text], block["intent"]))
    assert not clashes, clashes[:10]
