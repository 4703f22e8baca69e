"""One settings object for every bluelamp process, read from the environment.

Defaults are safe for `make demo`: everything on loopback, SQLite under `var/`,
no Redis required.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _env_str(name: str, default: str) -> str:
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else raw.strip()


@dataclass(frozen=True)
class Settings:
    """Configuration shared by the engine wrapper, action server and gateway."""

    var_dir: Path = PROJECT_ROOT / "var"
    rasa_port: int = 5005
    action_port: int = 5055
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    database_url: str = ""
    redis_url: str | None = None
    redis_prefix: str = "bluelamp:"
    """Every Redis key and channel bluelamp uses starts with this, so deployments can share."""
    force_name: str = "Northshire Police"
    live_chat_open_hour: int = 8
    live_chat_close_hour: int = 24
    timezone: str = "Europe/London"
    max_message_chars: int = 2000
    rasa_timeout_seconds: float = 10.0
    extra: dict[str, str] = field(default_factory=dict)
    case_system: str = "local"
    """``local`` (the SQL store on DATABASE_URL) or ``http`` (an external records system)."""
    case_system_url: str = ""
    case_system_token: str = ""
    case_system_timeout_seconds: float = 2.0
    """Per HTTP request to the external records system."""
    case_system_attempts: int = 3
    """HTTP tries per call (with backoff) before the call counts as unavailable."""
    submit_budget_seconds: float = 7.0
    """How long a conversation waits for the case system before the report goes to the outbox."""
    outbox_path: Path | None = None
    """The local outbox spool (SQLite) when Redis is not configured; default var/outbox.db."""
    outbox_worker_port: int = 5056
    outbox_poll_seconds: float = 2.0
    track_limit_per_conversation: str = "5 per 15 minutes"
    """Case tracking and updating attempts one conversation may make (`limits` notation)."""
    track_limit_per_reference: str = "10 per hour"
    """Attempts on one reference or receipt code, from every conversation together."""
    retention_closed_days: int = 365
    """Days after its last change that a closed case keeps its personal data (DPA s.39)."""
    review_days: int = 90
    """Days an open case may go untouched before `cases review` lists it for a decision."""
    x_bearer_token: str = ""
    """App (or OAuth 2 user) token for the X API; the X channel runs only when it is set."""
    x_consumer_key: str = ""
    x_consumer_secret: str = ""
    """Also the key for webhook CRC answers and signature checks."""
    x_access_token: str = ""
    x_access_token_secret: str = ""
    """OAuth 1.0a user context for replies and DMs; without it the bearer token is used."""
    x_user_id: str = ""
    """The force account's numeric user id, whose mentions are polled."""
    x_poll_seconds: float = 15.0
    x_api_base: str = "https://api.twitter.com"
    """Where the X API is reached; tests and the bench point it at a local fake."""
    x_poll: bool = True
    """Poll mentions and DMs; off for accounts that take webhook deliveries instead."""
    rasa_token: str = ""
    """The engine HTTP API's token (`rasa run --auth-token`); needed to pause and resume the
    bot for an operator and to read what it collected. Empty: the API is called without one."""
    console_idle_seconds: int = 900
    """A console session ends after this long without a request (15 minutes)."""
    console_session_hours: int = 12
    """A console session ends this long after sign-in, however busy (one shift)."""
    console_secure_cookie: bool = False
    """Mark the console session cookie Secure; on in production behind TLS, off for the
    loopback demo (browsers drop Secure cookies on plain http)."""
    console_login_limit: str = "5 per 15 minutes"
    """Failed sign-ins allowed per account name and per address (`limits` notation)."""
    presence_seconds: int = 60
    """An operator counts as signed in while their console was heard from this recently."""
    trusted_proxies: str = ""
    """Comma-separated CIDRs of our own reverse proxies, whose ``X-Forwarded-For`` the gateway
    believes when counting requests per address; none by default (the socket's peer counts)."""
    ip_limit_rest: str = "120 per minute"
    """Requests to the REST webhook per address (`limits` notation; generous: a school or a
    mobile network may put many people behind one address)."""
    ip_limit_websocket: str = "60 per minute"
    """WebSocket upgrades (chat and console) per address."""
    ip_limit_login: str = "30 per minute"
    """Console sign-in requests per address, on top of the failed sign-in limit."""
    ip_limit_other: str = "600 per minute"
    """Every other counted request (pages, widget files, health, the console API) per address."""
    conversation_limit_rest: str = "30 per minute"
    """Messages one conversation may send through the REST webhook, from any address."""
    conversation_limit_socket: str = "30 per minute"
    """Messages one conversation may send through the widget's sockets, however many it opens
    or however often it reconnects (each socket also has its own 10 per 10 s); like the REST
    one, a message every 2 s for a whole minute, which no typist keeps up."""
    retention_conversation_days: int = 30
    """Days after its last message that the gateway keeps a conversation (transcript, mode,
    channel, seen ids). DPA 2018 s.39 (docs: shared domain.md, "Data protection"): keep
    personal data no longer than needed, with time limits; a chat that has gone quiet for a
    month is no longer a live contact, and anything worth keeping has become a case."""
    retention_queue_days: int = 30
    """Days an operator queue item (and an action-server handoff request) may stay open
    before retention removes it: nobody is going to answer it any more."""
    retention_decision_days: int = 90
    """Days triage decisions (redacted) and contact records are kept: long enough to audit
    "why did this go to the bot?" and to measure the classifier over a quarter."""
    retention_audit_days: int = 2190
    """Days the staff audit log keeps an entry (six years, a common UK policing retention for
    audit logs; 0 keeps them for ever). DPA 2018 s.39 applies to the log too: the retention
    pass deletes older entries and records that it did."""
    retention_draft_days: int = 30
    """Days an unsent report draft (what a person answered before leaving a report) is kept
    after its last change: staff follow it up well within that, or it is not needed."""
    console_draft_idle_minutes: int = 10
    """The console lists unsent report drafts idle for at least this long (the person has
    probably left), unless the request asks for another period."""
    retention_interval_seconds: float = 3600.0
    """How often one gateway runs the retention pass (0 turns the schedule off; the
    `python -m channels privacy retention` command still works)."""

    @property
    def x_enabled(self) -> bool:
        """The X channel needs a token and the account it speaks for."""
        return bool(self.x_bearer_token and self.x_user_id)

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy async URL; a SQLite file under var/ unless DATABASE_URL is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'bluelamp.db'}"

    @property
    def effective_outbox_path(self) -> Path:
        """The spool file, kept apart from the case database so it outlives its outages."""
        return self.outbox_path or self.var_dir / "outbox.db"

    @classmethod
    def from_env(cls) -> Settings:
        rasa_port = _env_int("BLUELAMP_RASA_PORT", 5005)
        action_port = _env_int("BLUELAMP_ACTION_PORT", 5055)
        redis_url = os.environ.get("REDIS_URL") or None
        return cls(
            var_dir=Path(_env_str("BLUELAMP_VAR_DIR", str(PROJECT_ROOT / "var"))),
            rasa_port=rasa_port,
            action_port=action_port,
            gateway_host=_env_str("BLUELAMP_GATEWAY_HOST", "127.0.0.1"),
            gateway_port=_env_int("BLUELAMP_GATEWAY_PORT", 8080),
            rasa_url=_env_str("BLUELAMP_RASA_URL", f"http://127.0.0.1:{rasa_port}"),
            action_server_url=_env_str(
                "BLUELAMP_ACTION_SERVER_URL", f"http://127.0.0.1:{action_port}/webhook"
            ),
            database_url=_env_str("DATABASE_URL", ""),
            redis_url=redis_url,
            redis_prefix=_env_str("BLUELAMP_REDIS_PREFIX", "bluelamp:"),
            force_name=_env_str("BLUELAMP_FORCE_NAME", "Northshire Police"),
            live_chat_open_hour=_env_int("BLUELAMP_LIVE_CHAT_OPEN_HOUR", 8),
            live_chat_close_hour=_env_int("BLUELAMP_LIVE_CHAT_CLOSE_HOUR", 24),
            timezone=_env_str("BLUELAMP_TIMEZONE", "Europe/London"),
            max_message_chars=_env_int("BLUELAMP_MAX_MESSAGE_CHARS", 2000),
            case_system=_env_str("BLUELAMP_CASE_SYSTEM", "local"),
            case_system_url=_env_str("BLUELAMP_CASE_SYSTEM_URL", ""),
            case_system_token=_env_str("BLUELAMP_CASE_SYSTEM_TOKEN", ""),
            case_system_timeout_seconds=_env_float("BLUELAMP_CASE_SYSTEM_TIMEOUT_SECONDS", 2.0),
            case_system_attempts=_env_int("BLUELAMP_CASE_SYSTEM_ATTEMPTS", 3),
            submit_budget_seconds=_env_float("BLUELAMP_SUBMIT_BUDGET_SECONDS", 7.0),
            outbox_path=Path(outbox) if (outbox := _env_str("BLUELAMP_OUTBOX_PATH", "")) else None,
            outbox_worker_port=_env_int("BLUELAMP_OUTBOX_WORKER_PORT", 5056),
            outbox_poll_seconds=_env_float("BLUELAMP_OUTBOX_POLL_SECONDS", 2.0),
            track_limit_per_conversation=_env_str(
                "BLUELAMP_TRACK_LIMIT_PER_CONVERSATION", "5 per 15 minutes"
            ),
            track_limit_per_reference=_env_str("BLUELAMP_TRACK_LIMIT_PER_REFERENCE", "10 per hour"),
            retention_closed_days=_env_int("BLUELAMP_RETENTION_CLOSED_DAYS", 365),
            review_days=_env_int("BLUELAMP_REVIEW_DAYS", 90),
            x_bearer_token=_env_str("BLUELAMP_X_BEARER_TOKEN", ""),
            x_consumer_key=_env_str("BLUELAMP_X_CONSUMER_KEY", ""),
            x_consumer_secret=_env_str("BLUELAMP_X_CONSUMER_SECRET", ""),
            x_access_token=_env_str("BLUELAMP_X_ACCESS_TOKEN", ""),
            x_access_token_secret=_env_str("BLUELAMP_X_ACCESS_TOKEN_SECRET", ""),
            x_user_id=_env_str("BLUELAMP_X_USER_ID", ""),
            x_poll_seconds=_env_float("BLUELAMP_X_POLL_SECONDS", 15.0),
            x_api_base=_env_str("BLUELAMP_X_API_BASE", "https://api.twitter.com"),
            x_poll=_env_str("BLUELAMP_X_POLL", "1") not in ("0", "false", "no"),
            rasa_token=_env_str("BLUELAMP_RASA_TOKEN", ""),
            console_idle_seconds=_env_int("BLUELAMP_CONSOLE_IDLE_SECONDS", 900),
            console_session_hours=_env_int("BLUELAMP_CONSOLE_SESSION_HOURS", 12),
            console_secure_cookie=_env_str("BLUELAMP_CONSOLE_SECURE_COOKIE", "0")
            in ("1", "true", "yes"),
            console_login_limit=_env_str("BLUELAMP_CONSOLE_LOGIN_LIMIT", "5 per 15 minutes"),
            presence_seconds=_env_int("BLUELAMP_PRESENCE_SECONDS", 60),
            trusted_proxies=_env_str("BLUELAMP_TRUSTED_PROXIES", ""),
            ip_limit_rest=_env_str("BLUELAMP_IP_LIMIT_REST", "120 per minute"),
            ip_limit_websocket=_env_str("BLUELAMP_IP_LIMIT_WEBSOCKET", "60 per minute"),
            ip_limit_login=_env_str("BLUELAMP_IP_LIMIT_LOGIN", "30 per minute"),
            ip_limit_other=_env_str("BLUELAMP_IP_LIMIT_OTHER", "600 per minute"),
            conversation_limit_rest=_env_str("BLUELAMP_CONVERSATION_LIMIT_REST", "30 per minute"),
            conversation_limit_socket=_env_str(
                "BLUELAMP_CONVERSATION_LIMIT_SOCKET", "30 per minute"
            ),
            retention_conversation_days=_env_int("BLUELAMP_RETENTION_CONVERSATION_DAYS", 30),
            retention_queue_days=_env_int("BLUELAMP_RETENTION_QUEUE_DAYS", 30),
            retention_decision_days=_env_int("BLUELAMP_RETENTION_DECISION_DAYS", 90),
            retention_audit_days=_env_int("BLUELAMP_RETENTION_AUDIT_DAYS", 2190),
            retention_draft_days=_env_int("BLUELAMP_RETENTION_DRAFT_DAYS", 30),
            console_draft_idle_minutes=_env_int("BLUELAMP_CONSOLE_DRAFT_IDLE_MINUTES", 10),
            retention_interval_seconds=_env_float("BLUELAMP_RETENTION_INTERVAL_SECONDS", 3600.0),
        )
