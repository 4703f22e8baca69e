"""A real engine and action server (and gateway) for end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts.stack import ROOT, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    assert (ROOT / "models" / "current.tar.gz").exists(), "no trained model: run `make train`"
    running = Stack.isolated(tmp_path_factory.mktemp("var"))
    with running.running(timeout=240):
        yield running
