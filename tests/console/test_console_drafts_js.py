"""The console's "Unsent reports" panel in jsdom (tests/console/js/console_drafts.test.js):
listed by label, answers shown as text only when asked for, follow-up with the CSRF token
opening the conversation with the case form prefilled, nothing left after signing out.

Needs Node.js and jsdom, which `make test` installs from package-lock.json (`npm ci`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "js" / "console_drafts.test.js"
ROOT = Path(__file__).resolve().parents[2]


def test_the_unsent_reports_panel_behaves_in_jsdom() -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the console's behaviour tests"
    result = subprocess.run(
        [node, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 77, "jsdom is not installed: run `npm ci` (make test does)"
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert result.stdout.count("ok:") >= 18  # every step ran, none exited early
