"""`python -m channels`: run the gateway on Settings.gateway_host/port."""

from __future__ import annotations

import functools

from aiohttp import web

from channels.app import create_app
from channels.logs import configure_logging
from triage.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    configure_logging()
    web.run_app(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        print=functools.partial(print, flush=True),  # aiohttp prints the URL once bound
    )


if __name__ == "__main__":
    main()
