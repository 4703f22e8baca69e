"""Start and stop bluelamp's processes: Rasa engine, action server, gateway and the
outbox worker (which delivers reports held while the case system was down).

Used by `make demo` (scripts/run_demo.py) and by the end-to-end tests, so both run the
system the same way. Standard library only: it runs before anything else is set up.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SERVICES_PY = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


_HANDED_OUT: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A loopback port nothing listens on right now, below the kernel's ephemeral range.

    A port from `bind(0)` is ephemeral: in the half minute an engine takes to start, an
    outgoing connection (to PostgreSQL, Redis, another service) can be given the same
    number and the engine then fails with "address already in use". Ports below the range
    are never handed to outgoing connections; each is given out once per process.
    """
    low, high = _ephemeral_range()
    start, stop = (20000, low) if low > 21000 else (high + 1, 65536)
    for _ in range(200):
        port = secrets.randbelow(stop - start) + start
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError("no free loopback port below the ephemeral range")


@dataclass
class Service:
    name: str
    cmd: list[str]
    health_url: str
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return bool(200 <= response.status < 300)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, grace: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown code runs (fault tests)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10.0)

    def wait_healthy(self, timeout: float = 180.0) -> None:
        """Block until the health URL answers; raise if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while not self.healthy():
            code = self.exited()
            if code is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{self.name} exited with {code}:\n{tail}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not healthy after {timeout:.0f}s")
            time.sleep(0.25)

    def restart(self, timeout: float = 180.0) -> None:
        """Stop (if running), start again with the same command and wait until healthy."""
        self.stop()
        self.start()
        self.wait_healthy(timeout)


ONE_ADDRESS_LIMITS = {
    "BLUELAMP_IP_LIMIT_REST": "100000 per minute",
    "BLUELAMP_IP_LIMIT_WEBSOCKET": "100000 per minute",
    "BLUELAMP_IP_LIMIT_LOGIN": "100000 per minute",
    "BLUELAMP_IP_LIMIT_OTHER": "100000 per minute",
    "BLUELAMP_CONVERSATION_LIMIT_REST": "100000 per minute",
    "BLUELAMP_CONVERSATION_LIMIT_SOCKET": "100000 per minute",
}
"""Tests and benches drive dozens of conversations from 127.0.0.1, which the gateway's
per-address limits (meant for one member of the public) would refuse; the limits themselves
are tested in tests/fuzz."""


@dataclass
class Stack:
    """The processes of one bluelamp installation on this machine."""

    var_dir: Path = ROOT / "var"
    model: Path = ROOT / "models" / "current.tar.gz"
    rasa_port: int = 5005
    action_port: int = 5055
    gateway_port: int = 8080
    outbox_worker_port: int = 0
    """0: any free port (tests run several stacks at once); `make demo` passes 5056."""
    database_url: str | None = None
    with_gateway: bool = True
    with_outbox_worker: bool = True
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    """The engine HTTP API's token, new for every stack: the gateway uses it to pause and
    resume the bot for an operator; nobody else on the machine can drive the engine's API.
    Empty: the API is open (for tools that read trackers without one)."""
    services: list[Service] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    """More environment for every service (e.g. REDIS_URL for fault tests); wins over ours."""

    def __post_init__(self) -> None:
        if self.outbox_worker_port == 0:
            self.outbox_worker_port = free_port()

    @classmethod
    def isolated(cls, var_dir: Path, *, with_gateway: bool = True) -> Stack:
        """A stack on free ports with its state (cases in SQLite) under ``var_dir``, so tests
        and benches run beside `make demo` and each other."""
        return cls(
            var_dir=var_dir,
            rasa_port=free_port(),
            action_port=free_port(),
            gateway_port=free_port(),
            database_url=f"sqlite+aiosqlite:///{var_dir / 'cases.db'}",
            with_gateway=with_gateway,
            extra_env=dict(ONE_ADDRESS_LIMITS),
        )

    def _env(self) -> dict[str, str]:
        env = {
            "BLUELAMP_VAR_DIR": str(self.var_dir),
            "BLUELAMP_RASA_PORT": str(self.rasa_port),
            "BLUELAMP_ACTION_PORT": str(self.action_port),
            "BLUELAMP_GATEWAY_PORT": str(self.gateway_port),
            "BLUELAMP_OUTBOX_WORKER_PORT": str(self.outbox_worker_port),
            "BLUELAMP_RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
            "BLUELAMP_ACTION_SERVER_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "BLUELAMP_TRACKER_DB": str(self.var_dir / "tracker.db"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def engine_api_url(self, path: str) -> str:
        """An engine HTTP API address with the token, e.g. ``/conversations/<id>/tracker``."""
        url = f"http://127.0.0.1:{self.rasa_port}{path}"
        return f"{url}?{urlencode({'token': self.rasa_token})}" if self.rasa_token else url

    def build(self) -> list[Service]:
        env = self._env()
        logs = self.var_dir / "logs"
        services = [
            Service(
                "action server",
                [
                    str(SERVICES_PY),
                    "-m",
                    "rasa_sdk",
                    "--actions",
                    "actions",
                    "--port",
                    str(self.action_port),
                ],
                f"http://127.0.0.1:{self.action_port}/health",
                env,
                logs / "actions.log",
            ),
            Service(
                "rasa engine",
                [
                    str(RASA),
                    "run",
                    "--enable-api",
                    "--model",
                    str(self.model),
                    "--endpoints",
                    "bot/endpoints.yml",
                    "--credentials",
                    "bot/credentials.yml",
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(self.rasa_port),
                    # With "=": a token may begin with "-", which argparse takes for an option.
                    *([f"--auth-token={self.rasa_token}"] if self.rasa_token else []),
                ],
                # /status needs the token once the API has one (and says a model is loaded).
                self.engine_api_url("/status"),
                env,
                logs / "engine.log",
            ),
        ]
        if self.with_outbox_worker:
            services.append(self.outbox_worker_service(env, logs))
        if self.with_gateway:
            services.append(
                Service(
                    "gateway",
                    [str(SERVICES_PY), "-m", "channels"],
                    f"http://127.0.0.1:{self.gateway_port}/health",
                    {**env, "BLUELAMP_RASA_TOKEN": self.rasa_token},  # only the gateway needs it
                    logs / "gateway.log",
                )
            )
        return services

    def add_staff(
        self, username: str, display_name: str, role: str, password: str
    ) -> subprocess.CompletedProcess[str]:
        """`python -m triage staff add` against this stack's database (exit 1: it exists)."""
        return subprocess.run(
            [
                str(SERVICES_PY),
                "-m",
                "triage",
                "staff",
                "add",
                username,
                "--name",
                display_name,
                "--role",
                role,
                "--password-stdin",
            ],
            input=password + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, **self._env()},
            timeout=120,
            check=False,
        )

    def outbox_worker_service(self, env: Mapping[str, str], logs: Path) -> Service:
        """One per installation, however many gateways and engines it has."""
        return Service(
            "outbox worker",
            [
                str(SERVICES_PY),
                "-m",
                "triage",
                "outbox-worker",
                "--port",
                str(self.outbox_worker_port),
            ],
            f"http://127.0.0.1:{self.outbox_worker_port}/health",
            env,
            logs / "outbox-worker.log",
        )

    def start(self, timeout: float = 180.0) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.services = self.build()
        for service in self.services:
            service.start()
        deadline = time.monotonic() + timeout
        waiting = list(self.services)
        while waiting:
            for service in list(waiting):
                code = service.exited()
                if code is not None:
                    self.stop()
                    tail = service.log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{service.name} exited with {code}:\n{tail}")
                if service.healthy():
                    waiting.remove(service)
            if time.monotonic() > deadline:
                names = ", ".join(s.name for s in waiting)
                self.stop()
                raise TimeoutError(f"not healthy after {timeout:.0f}s: {names}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop every service, newest first; one that fails to stop does not spare the rest."""
        failure: BaseException | None = None
        for service in reversed(self.services):
            try:
                service.stop()
            except BaseException as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    def service(self, name: str) -> Service:
        """The started service called ``name`` (e.g. "rasa engine", "action server")."""
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def restart(self, name: str, timeout: float = 180.0) -> None:
        """Stop one service and start it again, healthy, with the same ports and state."""
        self.service(name).restart(timeout)

    @contextmanager
    def running(self, timeout: float = 180.0) -> Iterator[Stack]:
        self.start(timeout)
        try:
            yield self
        finally:
            self.stop()


def supervise(services: list[Service], stop: Callable[[], None]) -> int:
    """Keep watch until Ctrl-C (0) or until a service exits by itself (1); either way
    ``stop`` stops everything (`make demo`, `make cluster`)."""
    try:
        while True:
            for service in services:
                code = service.exited()
                if code is not None:
                    print(f"{service.name} stopped unexpectedly ({code}); see its log.")
                    stop()
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping...")
        stop()
        print("stopped.")
        return 0
