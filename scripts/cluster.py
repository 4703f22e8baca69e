"""`make cluster`: the production layout on one machine, two of everything.

Two Rasa engines (PostgreSQL tracker store, Redis lock store: `bot/endpoints.production.yml`),
two action servers, two gateways, one outbox worker, and `scripts/lb.py` in front of each
pool, sharing one Redis and one PostgreSQL, as deploy/README.md describes:

    people -> lb :gateways -> gateway 1|2 -> lb :engines -> engine 1|2 -> lb :actions -> actions 1|2

The load balancer takes the next upstream for every request, so one conversation's messages
really move between processes. Reuses `scripts.stack` (Service start, health, stop); the
cluster test (`tests/cluster/`) runs the same class on free ports with a throwaway database
and Redis key prefix. Needs the services environment (SQLAlchemy and asyncpg create the
databases) and a trained model (`make train`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.haproxy_local import haproxy_binary, local_config
from scripts.stack import RASA, ROOT, SERVICES_PY, Service, Stack, free_port, supervise

ALEMBIC = ROOT / ".venv" / "bin" / "alembic"
LB_SCRIPT = ROOT / "scripts" / "lb.py"
PRODUCTION_ENDPOINTS = "bot/endpoints.production.yml"
COUNT = 2


def _free_ports(count: int) -> list[int]:
    return [free_port() for _ in range(count)]


@dataclass
class Cluster(Stack):
    """Two engines, two action servers, two gateways, an outbox worker and the balancer.

    The inherited ``rasa_port``, ``action_port`` and ``gateway_port`` are the balancer's
    listeners for each pool (what clients use); the processes behind them have their own.
    """

    engine_ports: list[int] = field(default_factory=lambda: [5006, 5007])
    action_ports: list[int] = field(default_factory=lambda: [5057, 5058])
    gateway_ports: list[int] = field(default_factory=lambda: [8081, 8082])
    lb_status_port: int = 8090
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_admin_database: str = "test"
    """An existing database to connect to while creating the cluster's own."""
    database: str = "bluelamp_cluster"
    """The case store's database; the engines' trackers go to ``<database>_tracker``."""
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 0
    redis_prefix: str = "bluelamp-cluster:"
    lock_prefix: str = "bluelampcluster"
    """Rasa's lock store accepts letters and digits only."""
    extra_env: dict[str, str] = field(default_factory=dict)
    balancer: str = "lb"
    """"lb" (scripts/lb.py, nothing to install) or "haproxy" (production's, when installed)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.database_url = self.pg_url()

    @classmethod
    def on_free_ports(cls, var_dir: Path, *, database: str, key: str) -> Cluster:
        """A cluster beside any other (tests): free ports, its own databases and key prefix."""
        return cls(
            var_dir=var_dir,
            rasa_port=free_port(),
            action_port=free_port(),
            gateway_port=free_port(),
            engine_ports=_free_ports(COUNT),
            action_ports=_free_ports(COUNT),
            gateway_ports=_free_ports(COUNT),
            lb_status_port=free_port(),
            database=database,
            redis_prefix=f"bluelamp-{key}:",
            lock_prefix=f"bluelamp{key}".replace("-", ""),
        )

    # --- addresses ---------------------------------------------------------------------

    @property
    def tracker_database(self) -> str:
        return f"{self.database}_tracker"

    def pg_url(self, database: str | None = None) -> str:
        """SQLAlchemy async URL of the case store (or another database on the server)."""
        auth = quote(self.pg_user, safe="")
        if self.pg_password:
            auth += ":" + quote(self.pg_password, safe="")
        name = database or self.database
        return f"postgresql+asyncpg://{auth}@{self.pg_host}:{self.pg_port}/{name}"

    @property
    def redis_url(self) -> str:
        return f"redis://{self.redis_host}:{self.redis_port}/{self.redis_db}"

    @property
    def actions_webhook(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    def url(self, path: str = "/") -> str:
        """Where people reach the gateways (through the balancer)."""
        return f"http://127.0.0.1:{self.gateway_port}{path}"

    # --- environment -------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        """What every service of ours reads (triage/settings.py); the engines add theirs."""
        return {
            "BLUELAMP_VAR_DIR": str(self.var_dir),
            "BLUELAMP_RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
            "BLUELAMP_ACTION_SERVER_URL": self.actions_webhook,
            "DATABASE_URL": self.pg_url(),
            "REDIS_URL": self.redis_url,
            "BLUELAMP_REDIS_PREFIX": self.redis_prefix,
            "BLUELAMP_TRUSTED_PROXIES": "127.0.0.1/32",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **self.extra_env,
        }

    def engine_env(self) -> dict[str, str]:
        """The variables `bot/endpoints.production.yml` expands."""
        return {
            "BLUELAMP_ACTION_SERVER_URL": self.actions_webhook,
            "BLUELAMP_TRACKER_DB_HOST": self.pg_host,
            "BLUELAMP_TRACKER_DB_PORT": str(self.pg_port),
            "BLUELAMP_TRACKER_DB_NAME": self.tracker_database,
            "BLUELAMP_TRACKER_DB_USER": self.pg_user,
            "BLUELAMP_TRACKER_DB_PASSWORD": self.pg_password,
            "BLUELAMP_LOCK_REDIS_HOST": self.redis_host,
            "BLUELAMP_LOCK_REDIS_PORT": str(self.redis_port),
            "BLUELAMP_LOCK_REDIS_DB": str(self.redis_db),
            "BLUELAMP_LOCK_REDIS_PASSWORD": "",
            "BLUELAMP_LOCK_REDIS_PREFIX": self.lock_prefix,
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }

    # --- processes ---------------------------------------------------------------------

    def lb_command(self) -> list[str]:
        if self.balancer == "haproxy":
            return self._haproxy_command()

        def pool(name: str, port: int, ports: list[int]) -> str:
            urls = ",".join(f"http://127.0.0.1:{p}" for p in ports)
            return f"{name}={port}={urls}"

        return [
            str(SERVICES_PY),
            str(LB_SCRIPT),
            "--pool",
            pool("gateways", self.gateway_port, self.gateway_ports),
            "--pool",
            pool("engines", self.rasa_port, self.engine_ports),
            "--pool",
            pool("actions", self.action_port, self.action_ports),
            "--status-port",
            str(self.lb_status_port),
        ]

    def _haproxy_command(self) -> list[str]:
        binary = haproxy_binary()
        if binary is None:
            raise RuntimeError("haproxy is not installed (apt-get install haproxy)")
        config = self.var_dir / "haproxy.cfg"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            local_config(
                gateways=(self.gateway_port, self.gateway_ports),
                engines=(self.rasa_port, self.engine_ports),
                actions=(self.action_port, self.action_ports),
                status_port=self.lb_status_port,
            )
        )
        return [binary, "-db", "-f", str(config)]

    def engine_command(self, port: int) -> list[str]:
        return [
            str(RASA),
            "run",
            "--enable-api",
            "--model",
            str(self.model),
            "--endpoints",
            PRODUCTION_ENDPOINTS,
            "--credentials",
            "bot/credentials.yml",
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            f"--auth-token={self.rasa_token}",
        ]

    def action_command(self, port: int) -> list[str]:
        return [str(SERVICES_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]

    def build(self) -> list[Service]:
        """Balancer first and gateways last, so stopping (newest first) drains the front."""
        env = self._env()
        logs = self.var_dir / "logs"
        token = f"?token={quote(self.rasa_token, safe='')}"
        services = [
            Service(
                "load balancer",
                self.lb_command(),
                f"http://127.0.0.1:{self.lb_status_port}/health",
                env,
                logs / "lb.log",
            )
        ]
        for n, port in enumerate(self.action_ports, 1):
            services.append(
                Service(
                    f"action server {n}",
                    self.action_command(port),
                    f"http://127.0.0.1:{port}/health",
                    env,
                    logs / f"actions-{n}.log",
                )
            )
        for n, port in enumerate(self.engine_ports, 1):
            services.append(
                Service(
                    f"rasa engine {n}",
                    self.engine_command(port),
                    f"http://127.0.0.1:{port}/status{token}",
                    self.engine_env(),
                    logs / f"engine-{n}.log",
                )
            )
        if self.with_outbox_worker:
            services.append(self.outbox_worker_service(env, logs))
        for n, port in enumerate(self.gateway_ports, 1):
            services.append(
                Service(
                    f"gateway {n}",
                    [str(SERVICES_PY), "-m", "channels"],
                    f"http://127.0.0.1:{port}/health",
                    {
                        **env,
                        "BLUELAMP_GATEWAY_PORT": str(port),
                        "BLUELAMP_RASA_TOKEN": self.rasa_token,
                    },
                    logs / f"gateway-{n}.log",
                )
            )
        return services

    # --- shared state ------------------------------------------------------------------

    async def _admin(self, statements: list[str]) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        engine = create_async_engine(
            self.pg_url(self.pg_admin_database),
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
        )
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await engine.dispose()

    async def _missing_databases(self) -> list[str]:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        engine = create_async_engine(self.pg_url(self.pg_admin_database), poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(text("SELECT datname FROM pg_database"))
                present = {row[0] for row in rows}
        finally:
            await engine.dispose()
        return [name for name in (self.database, self.tracker_database) if name not in present]

    def prepare(self) -> None:
        """Create the two databases if missing and migrate the case store, as a release
        does once (`alembic -c triage/cases/alembic.ini upgrade head`); the engines make
        their tracker table themselves."""
        missing = asyncio.run(self._missing_databases())
        if missing:
            asyncio.run(self._admin([f'CREATE DATABASE "{name}"' for name in missing]))
        self.var_dir.mkdir(parents=True, exist_ok=True)
        migrated = subprocess.run(
            [str(ALEMBIC), "-c", "triage/cases/alembic.ini", "upgrade", "head"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": self.pg_url()},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if migrated.returncode != 0:
            raise RuntimeError(f"migrations failed:\n{migrated.stderr[-3000:]}")

    def drop_state(self) -> None:
        """Drop both databases and delete every Redis key of this cluster (tests)."""
        from redis import Redis

        names = (self.database, self.tracker_database)
        asyncio.run(self._admin([f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names]))
        client = Redis.from_url(self.redis_url)
        try:
            for pattern in (f"{self.redis_prefix}*", f"{self.lock_prefix}:*"):
                keys = list(client.scan_iter(match=pattern, count=1000))
                if keys:
                    client.delete(*keys)
        finally:
            client.close()

    def start(self, timeout: float = 300.0) -> None:
        self.prepare()
        super().start(timeout)


def main() -> int:
    cluster = Cluster(
        var_dir=ROOT / "var" / "cluster",
        outbox_worker_port=5056,
        balancer="haproxy" if haproxy_binary() else "lb",
    )
    print(
        "starting two engines, two action servers, two gateways, the outbox worker and the "
        f"load balancer ({cluster.balancer}; PostgreSQL database bluelamp_cluster, Redis "
        "prefix bluelamp-cluster:; a minute or two)...",
        flush=True,
    )
    # Ctrl-C and SIGTERM both stop everything, even when started in the background (where
    # a shell leaves SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    def stop() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not strand any
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()

    started = time.monotonic()
    try:
        cluster.start()
    except (RuntimeError, TimeoutError, OSError) as exc:
        print(f"the cluster did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stop()
        return 130
    print(
        f"\nbluelamp cluster is running (started in {time.monotonic() - started:.0f} s).\n"
        f"  Chat and console (gateways {cluster.gateway_ports}): {cluster.url('/')}\n"
        f"  REST (Rasa format): POST {cluster.url('/webhooks/rest/webhook')}\n"
        f"  Engines {cluster.engine_ports} behind http://127.0.0.1:{cluster.rasa_port}\n"
        f"  Action servers {cluster.action_ports} behind {cluster.actions_webhook}\n"
        f"  Balancer figures: http://127.0.0.1:{cluster.lb_status_port}/stats\n"
        f"  Logs: {cluster.var_dir / 'logs'}\n"
        f"Press Ctrl-C to stop.",
        flush=True,
    )
    return supervise(cluster.services, stop)


if __name__ == "__main__":
    sys.exit(main())
