"""An HAProxy configuration for the local cluster: the pools of `scripts/cluster.py` on
loopback, with the rules of deploy/haproxy.cfg (round robin, health checks, retry only a
connection that failed to open, long tunnels for sockets).

HAProxy is what production runs (deploy/); `scripts/lb.py` stands in for it when it is not
installed. Under the load bench the Python balancer costs a few milliseconds of CPU per
turn that HAProxy does not, on a machine where every millisecond is an engine's.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

UPSTREAM_HEADER = "X-Bluelamp-Upstream"


def haproxy_binary() -> str | None:
    """HAProxy's path when it is installed (Debian: `apt-get install haproxy`)."""
    return shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )


def _pool(name: str, port: int, upstreams: Sequence[int], check: str) -> str:
    servers = "\n".join(
        f"    server {name}-{n} 127.0.0.1:{upstream}" for n, upstream in enumerate(upstreams, 1)
    )
    return f"""
frontend {name}_in
    bind 127.0.0.1:{port}
    default_backend {name}

backend {name}
    balance roundrobin
    option httpchk GET {check}
    http-check expect rstatus ^(200|503)$
    http-response set-header {UPSTREAM_HEADER} %s
    default-server check inter 2s fall 3 rise 1
{servers}
"""


def local_config(
    *,
    gateways: tuple[int, Sequence[int]],
    engines: tuple[int, Sequence[int]],
    actions: tuple[int, Sequence[int]],
    status_port: int,
) -> str:
    """The whole configuration: three pools, and /health and /stats on ``status_port``."""
    return (
        f"""# Written by scripts/haproxy_local.py for the local cluster; see deploy/haproxy.cfg.
global
    maxconn 4000

defaults
    mode http
    option forwardfor
    option http-keep-alive
    timeout connect 5s
    timeout http-request 10s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout client-fin 30s
    retries 2
    retry-on conn-failure
    option redispatch

frontend status
    bind 127.0.0.1:{status_port}
    http-request return status 200 content-type text/plain string ok if {{ path /health }}
    stats enable
    stats uri /stats
"""
        + _pool("gateways", gateways[0], gateways[1], "/health")
        + _pool("engines", engines[0], engines[1], "/version")
        + _pool("actions", actions[0], actions[1], "/health")
    )
