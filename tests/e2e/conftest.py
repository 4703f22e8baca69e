"""A real engine and action server (and gateway) for end-to-end tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import ROOT, Stack


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = ROOT / "models" / "current.tar.gz"
    assert model.exists(), "no trained model: run `make train` first"
    var_dir: Path = tmp_path_factory.mktemp("var")
    running = Stack(
        var_dir=var_dir,
        model=model,
        rasa_port=free_port(),
        action_port=free_port(),
        gateway_port=free_port(),
        database_url=f"sqlite+aiosqlite:///{var_dir / 'cases.db'}",
        with_gateway=(ROOT / "channels" / "__main__.py").exists(),
    )
    with running.running(timeout=240):
        yield running
