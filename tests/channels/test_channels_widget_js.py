"""The widget's behaviour in jsdom (tests/channels/js/widget.test.js): transcript, acks, typing,
quick replies, reconnect and resend, keyboard, the 999 guidance shown prominently, the message
length limit, and that markup in messages stays text.

Needs Node.js and jsdom, which `make test` installs from package-lock.json (`npm ci`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "js" / "widget.test.js"
ROOT = Path(__file__).resolve().parents[2]


def test_widget_behaves_in_jsdom() -> None:
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for the widget tests"

    result = subprocess.run(
        [node, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 77, "jsdom is not installed: run `npm ci` (make test does)"
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert result.stdout.count("ok:") >= 60  # every section ran, none exited early
