"""The gateway's event loop: uvloop where it is installed, asyncio's own otherwise.

uvloop spends less CPU per socket read and write than the standard loop, and the gateway
is mostly socket work (WebSockets, the engine's REST channel, Redis, PostgreSQL); under
the load bench that is CPU the engines can use. `BLUELAMP_EVENT_LOOP=asyncio` opts out.
"""

from __future__ import annotations

import asyncio
import os


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A fresh loop of the configured kind."""
    if os.environ.get("BLUELAMP_EVENT_LOOP", "uvloop") != "asyncio":
        try:
            import uvloop
        except ImportError:  # not on this platform: the standard loop does the same work
            pass
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()
