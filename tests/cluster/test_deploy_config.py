"""The deployment files (deploy/) agree with what `make cluster` runs and what the code reads.

Docker and HAProxy's servers cannot run here, so these files are checked by parsing: every
service's command is the one `scripts/cluster.py` runs (paths, ports and the token aside),
every port matches between compose, HAProxy and the settings' defaults, and every
environment variable they set is one that `triage/settings.py` or
`bot/endpoints.production.yml` reads, with none that Rasa needs missing.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.cluster import PRODUCTION_ENDPOINTS, Cluster
from scripts.stack import ROOT
from triage.settings import Settings

DEPLOY = ROOT / "deploy"
THIRD_PARTY = {
    "RASA_TELEMETRY_ENABLED",  # Rasa
    "SQLALCHEMY_SILENCE_UBER_WARNING",  # SQLAlchemy 1.4 in the engine
    "TF_CPP_MIN_LOG_LEVEL",  # TensorFlow in the engine
    "HOME",
}
COMPOSE_ONLY = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}  # the postgres image
SECRETS = {
    "DATABASE_URL",
    "BLUELAMP_TRACKER_DB_PASSWORD",
    "BLUELAMP_RASA_TOKEN",
    "BLUELAMP_LOCK_REDIS_PASSWORD",
}


def settings_names() -> set[str]:
    """Every variable our processes read: triage/settings.py and the triage model folder."""
    text = (ROOT / "triage" / "settings.py").read_text()
    names = set(re.findall(r'_env_\w+\(\s*"([A-Z0-9_]+)"', text))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', text))
    names |= set(
        re.findall(r'MODELS_ENV = "([A-Z0-9_]+)"', (ROOT / "triage/nlp/train.py").read_text())
    )
    return names


def endpoint_names() -> set[str]:
    """What Rasa expands in the production endpoints (it refuses to start if one is unset)."""
    lines = (ROOT / PRODUCTION_ENDPOINTS).read_text().splitlines()
    values = "\n".join(line.split("#", 1)[0] for line in lines)
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", values))


KNOWN = settings_names() | endpoint_names() | THIRD_PARTY


def normalise(argv: list[str]) -> list[str]:
    """A command with the parts that differ between installations replaced by placeholders."""
    out: list[str] = []
    value_of = {"--port": "PORT", "--model": "MODEL", "--interface": "ADDRESS"}
    pending: str | None = None
    for arg in argv:
        if pending is not None:
            out.append(pending)
            pending = None
        elif arg in value_of:
            out.append(arg)
            pending = value_of[arg]
        elif arg.startswith("--auth-token="):
            out.append("--auth-token=TOKEN")
        elif not out:  # the program: only its name matters
            out.append(Path(arg).name)
        else:
            out.append(arg)
    return out


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return Cluster(var_dir=ROOT / "var" / "cluster-config-test")


@pytest.fixture(scope="module")
def expected(cluster: Cluster) -> dict[str, list[str]]:
    """What `make cluster` runs, per kind of process, normalised."""
    by_kind: dict[str, list[str]] = {}
    for service in cluster.build():
        kind = service.name.rstrip(" 0123456789").replace(" ", "-")
        by_kind[kind] = normalise(service.cmd)
    return by_kind


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def engine_image_command() -> list[str]:
    """The engine container's command: the `sh -c` string of Dockerfile.engine's CMD."""
    text = (DEPLOY / "Dockerfile.engine").read_text()
    match = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert match, "Dockerfile.engine has no exec-form CMD"
    cmd = yaml.safe_load(match.group(1))
    assert cmd[:2] == ["sh", "-c"]
    argv = shlex.split(cmd[2])
    assert argv[0] == "exec"
    assert argv[-1] == "--auth-token=$BLUELAMP_RASA_TOKEN"  # from the environment at run time
    return argv[1:]


def test_cluster_runs_the_production_endpoints_with_every_variable_they_need(
    cluster: Cluster,
) -> None:
    engines = [s for s in cluster.build() if s.name.startswith("rasa engine")]
    assert len(engines) == 2
    for engine in engines:
        assert PRODUCTION_ENDPOINTS in engine.cmd
        assert endpoint_names() <= set(engine.env), endpoint_names() - set(engine.env)
    config = yaml.safe_load((ROOT / PRODUCTION_ENDPOINTS).read_text())
    assert config["tracker_store"]["dialect"] == "postgresql"
    assert config["lock_store"]["type"] == "redis"
    assert cluster.lock_prefix.isalnum()  # Rasa ignores any other prefix


def test_cluster_sets_only_variables_something_reads(cluster: Cluster) -> None:
    for service in cluster.build():
        unknown = set(service.env) - KNOWN
        assert not unknown, (service.name, unknown)


def test_compose_commands_match_the_cluster(
    compose: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    services = compose["services"]
    assert normalise(engine_image_command()) == expected["rasa-engine"]
    for name in ("engine-1", "engine-2"):
        assert services[name]["image"] == "bluelamp-engine:latest"
        assert "command" not in services[name]  # the image's CMD above
    for name, kind in (
        ("actions-1", "action-server"),
        ("actions-2", "action-server"),
        ("gateway-1", "gateway"),
        ("gateway-2", "gateway"),
        ("outbox-worker", "outbox-worker"),
    ):
        # The cluster runs .venv/bin/python; the image's python is on PATH.
        assert normalise(services[name]["command"]) == expected[kind], name
    assert services["migrate"]["command"] == [
        "alembic",
        "-c",
        "triage/cases/alembic.ini",
        "upgrade",
        "head",
    ]


def test_compose_environment_names_are_read_by_the_code(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment") or {}
        unknown = set(env) - KNOWN - COMPOSE_ONLY
        assert not unknown, (name, unknown)
        if name.startswith("engine-"):
            assert endpoint_names() <= set(env), (name, endpoint_names() - set(env))
            assert "BLUELAMP_RASA_TOKEN" in env  # the image's command uses it
        if name.startswith("gateway-"):
            assert env["BLUELAMP_CONSOLE_SECURE_COOKIE"] == "1"
            assert env["BLUELAMP_GATEWAY_HOST"] == "0.0.0.0"  # reachable from HAProxy
            assert "BLUELAMP_RASA_TOKEN" in env
    assert "--appendonly" in compose["services"]["redis"]["command"]


def parse_haproxy(text: str) -> dict[str, list[list[str]]]:
    """Sections (``backend gateways``) and their keyword lines, split into words."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not raw[0].isspace():
            current = sections.setdefault(line.strip(), [])
        else:
            assert current is not None, raw
            current.append(line.split())
    return sections


def test_haproxy_pools_match_compose_and_the_settings(compose: dict[str, Any]) -> None:
    sections = parse_haproxy((DEPLOY / "haproxy.cfg").read_text())
    defaults = Settings()
    ports = {
        "gateways": defaults.gateway_port,
        "engines": defaults.rasa_port,
        "actions": defaults.action_port,
    }
    services = compose["services"]
    prefixes = {"gateways": "gateway-", "engines": "engine-", "actions": "actions-"}
    for pool, port in ports.items():
        lines = sections[f"backend {pool}"]
        servers = [words[2] for words in lines if words[0] == "server"]
        assert servers == [f"{prefixes[pool]}{n}:{port}" for n in (1, 2)], pool
        assert all(server.split(":")[0] in services for server in servers)
        assert ["balance", "roundrobin"] in lines  # per request, no stickiness
        assert not any(words[0] in ("cookie", "stick", "hash-type") for words in lines)
        assert ["option", "httpchk", "GET", "/version" if pool == "engines" else "/health"] in lines
    gateway_env = services["gateway-1"]["environment"]
    assert gateway_env["BLUELAMP_GATEWAY_PORT"] == str(defaults.gateway_port)
    # The private frontends are where the compose services send their engine and action calls.
    assert ["bind", f":{defaults.rasa_port}"] in sections["frontend engines_internal"]
    assert ["bind", f":{defaults.action_port}"] in sections["frontend actions_internal"]
    assert gateway_env["BLUELAMP_RASA_URL"] == f"http://haproxy:{defaults.rasa_port}"
    webhook = f"http://haproxy:{defaults.action_port}/webhook"
    assert gateway_env["BLUELAMP_ACTION_SERVER_URL"] == webhook
    assert services["engine-1"]["environment"]["BLUELAMP_ACTION_SERVER_URL"] == webhook
    defaults_section = sections["defaults"]
    assert ["retry-on", "conn-failure"] in defaults_section  # as scripts/lb.py: never a resend
    assert any(words[:2] == ["timeout", "tunnel"] for words in defaults_section)
    haproxy_ip = services["haproxy"]["networks"]["internal"]["ipv4_address"]
    assert gateway_env["BLUELAMP_TRUSTED_PROXIES"] == f"{haproxy_ip}/32"


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep the case
    parser.read_string(path.read_text())
    return parser


def env_file_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            names.add(line.split("=", 1)[0].strip())
    return names


def test_systemd_units_match_the_cluster(expected: dict[str, list[str]]) -> None:
    units = {
        "rasa-engine": "bluelamp-engine@.service",
        "action-server": "bluelamp-actions@.service",
        "gateway": "bluelamp-gateway@.service",
        "outbox-worker": "bluelamp-outbox-worker.service",
    }
    for kind, filename in units.items():
        service = read_unit(DEPLOY / "systemd" / filename)["Service"]
        argv = shlex.split(service["ExecStart"])
        assert normalise(argv) == expected[kind], filename
        if "--port" in argv:
            port = argv[argv.index("--port") + 1]
            assert port == ("%i" if filename.endswith("@.service") else "5056"), filename
        assert service["EnvironmentFile"]  # settings and secrets from /etc/bluelamp
    gateway = read_unit(DEPLOY / "systemd" / "bluelamp-gateway@.service")["Service"]
    assert gateway["Environment"] == "BLUELAMP_GATEWAY_PORT=%i"


def test_systemd_environment_example_has_every_name_and_no_secret() -> None:
    example = DEPLOY / "systemd" / "bluelamp.env.example"
    names = env_file_names(example)
    exec_names: set[str] = set()
    for unit in (DEPLOY / "systemd").glob("*.service"):
        exec_names |= set(
            re.findall(r"\$\{([A-Z0-9_]+)\}", read_unit(unit)["Service"]["ExecStart"])
        )
    assert not names & SECRETS, names & SECRETS
    assert names <= KNOWN | exec_names, names - KNOWN - exec_names
    # With the secrets (documented in the example's header), the engines have all they need.
    text = example.read_text()
    assert all(f"#   {secret}=" in text for secret in SECRETS)
    assert endpoint_names() <= names | SECRETS, endpoint_names() - names - SECRETS
    assert exec_names <= names | SECRETS, exec_names - names - SECRETS
    values = dict(line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    assert values["BLUELAMP_CONSOLE_SECURE_COOKIE"] == "1"


def test_readme_names_the_release_migration() -> None:
    text = (DEPLOY / "README.md").read_text()
    assert "alembic -c triage/cases/alembic.ini upgrade head" in text
    assert (ROOT / "triage" / "cases" / "alembic.ini").exists()
