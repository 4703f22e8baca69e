"""One live gateway for the fuzz tests (module scope: starting it migrates a database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .live import LiveGateway, live_gateway


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    with live_gateway(tmp_path_factory.mktemp("fuzz")) as gateway:
        yield gateway
