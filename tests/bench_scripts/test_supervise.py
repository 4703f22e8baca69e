"""`make demo` and `make cluster` stop everything when one of their processes dies."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.stack import Service, supervise


def test_a_service_that_exits_stops_the_rest(tmp_path: Path) -> None:
    alive = Service(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], "", {}, tmp_path / "a.log"
    )
    dying = Service(
        "dying", [sys.executable, "-c", "raise SystemExit(3)"], "", {}, tmp_path / "b.log"
    )
    alive.start()
    dying.start()
    stopped: list[str] = []

    def stop() -> None:
        stopped.append("all")
        alive.stop(grace=5)

    assert supervise([alive, dying], stop) == 1
    assert stopped == ["all"]
    assert alive.exited() is not None and dying.exited() == 3
