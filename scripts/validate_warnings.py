"""Sort `rasa data validate` warnings into expected and real ones; exit 1 on any real one.

Rasa 3.6's validator does not count the questions a form puts (`utter_ask_<form>_<slot>`,
`utter_ask_<slot>`) as used, so it reports each as "not used in any story or rule". Those,
and only those whose form and slot the domain really declares, are expected; every other
warning fails the check.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WARNING = re.compile(r"UserWarning: (.*)")
UNUSED = re.compile(r"The utterance '(utter_ask_\w+)' is not used in any story or rule\.")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def form_questions(domain_dir: Path) -> set[str]:
    """Every response name a form of this domain may put as a question."""
    names: set[str] = set()
    for path in domain_dir.glob("*.yml"):
        forms = yaml.safe_load(path.read_text(encoding="utf-8")).get("forms") or {}
        for form, spec in forms.items():
            for slot in (spec or {}).get("required_slots") or []:
                names.update({f"utter_ask_{form}_{slot}", f"utter_ask_{slot}"})
    return names


def unexpected(output: str, questions: set[str]) -> list[str]:
    """The warnings in `output` that are not a form question reported as unused."""
    found = []
    for line in ANSI.sub("", output).splitlines():
        match = WARNING.search(line)
        if not match:
            continue
        unused = UNUSED.fullmatch(match.group(1).strip())
        if unused and unused.group(1) in questions:
            continue
        found.append(match.group(1).strip())
    return found


def main(argv: list[str]) -> int:
    output = Path(argv[1]).read_text(encoding="utf-8", errors="replace")
    real = unexpected(output, form_questions(ROOT / "bot" / "domain"))
    for warning in real:
        print(warning)
    return 1 if real else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
