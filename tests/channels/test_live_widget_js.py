"""The widget with staff in the chat, in jsdom (tests/channels/js/widget_staff.test.js): the
join and leave notices, the staff banner, the staff typing indicator, staff messages labelled
in words (live and from history), and their text kept as text.

Needs Node.js and jsdom, which `make test` installs from package-lock.json (`npm ci`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "js" / "widget_staff.test.js"
ROOT = Path(__file__).resolve().parents[2]


def test_widget_shows_staff_in_jsdom() -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the widget tests"
    result = subprocess.run(
        [node, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 77, "jsdom is not installed: run `npm ci` (make test does)"
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert result.stdout.count("ok:") >= 26  # every section ran, none exited early
