"""`python -m channels`: run the gateway on Settings.gateway_host/port.

`python -m channels privacy ...` runs the staff privacy commands instead
(`channels.privacy.cli`: retention and subject access export).
"""

from __future__ import annotations

import functools
import sys

from triage.settings import Settings


def main() -> None:
    """Serve; imported here so the privacy commands start without the gateway's modules."""
    from aiohttp import web

    from channels.app import create_app
    from channels.event_loop import new_event_loop
    from triage.log_setup import configure_logging

    settings = Settings.from_env()
    configure_logging()
    web.run_app(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        print=functools.partial(print, flush=True),  # aiohttp prints the URL once bound
        loop=new_event_loop(),
    )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        from channels.privacy.cli import main as privacy_main

        sys.exit(privacy_main(sys.argv[1:]))
    main()
