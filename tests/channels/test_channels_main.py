"""`python -m channels` starts the gateway on the configured port and prints its URL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
from gateway_testing import free_port

ROOT = Path(__file__).resolve().parents[2]


async def test_module_runs_the_gateway_and_prints_the_url(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "BLUELAMP_GATEWAY_PORT": str(port),
        "BLUELAMP_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "BLUELAMP_VAR_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "channels",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        url = f"http://127.0.0.1:{port}"
        async with asyncio.timeout(90):  # loads the triage model, training it if data changed
            while url not in (line := (await proc.stdout.readline()).decode()):
                assert line, "the gateway exited before printing its URL"
        async with aiohttp.ClientSession() as session, session.get(f"{url}/health") as resp:
            assert resp.status == 503  # the engine is not running
            checks = (await resp.json())["checks"]
            assert checks["engine"] == "down"
            assert checks["triage"] == "ok"  # the real loader, through `create_app`
    finally:
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(10):
            await proc.wait()
