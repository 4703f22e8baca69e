"""``python -m triage staff add|list|disable|enable|password``: console accounts, by command.

Accounts are made here, not in the console, so that creating a supervisor needs access to
the server. Passwords are read from the terminal twice (never from an argument, which the
process list and shell history would keep), or as one line from standard input with
``--password-stdin`` for scripts.

Exit status: 0 done, 1 no such account, the account exists, or a store is unavailable, 2
bad input (malformed user name, weak or mismatched password). Every change is written to
the console's audit log as ``cli:<os user>``. Disabling an account or changing its password
also ends its console sessions when ``REDIS_URL`` is set; without Redis they live in the
gateway's memory and end at its restart or after ``BLUELAMP_CONSOLE_IDLE_SECONDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import TextIO
from zoneinfo import ZoneInfo

from triage.settings import Settings
from triage.staff.passwords import check_display_name, check_username, normalise_username
from triage.staff.ports import (
    AccountExists,
    AuditAction,
    AuditEntry,
    Role,
    StaffUnavailable,
    WeakPassword,
)
from triage.staff.wiring import build_account_store, build_session_store, build_staff_audit

USAGE = 2
FAILED = 1


class InputError(ValueError):
    """Bad input from the person at the terminal; the message says what to fix."""


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def read_password(from_stdin: bool, stdin: TextIO) -> str:
    """One line from standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        line = stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise InputError("no password on standard input")
        return password
    first = getpass.getpass("New password: ")
    if getpass.getpass("Same password again: ") != first:
        raise InputError("the two passwords differ; nothing was changed")
    return first


async def _end_sessions(settings: Settings, username: str, out: TextIO) -> int:
    """End the account's console sessions in Redis; an exit status."""
    if not settings.redis_url:
        print(
            "No REDIS_URL: console sessions live in the gateway's memory and end when it "
            "restarts or after the idle timeout.",
            file=out,
        )
        return 0
    from triage.queue.redis_client import redis_client  # only with Redis: keeps start-up quick

    redis = redis_client(settings.redis_url)
    try:
        ended = await build_session_store(settings, redis).delete_for(username)
    except StaffUnavailable:
        print(
            "Could not reach Redis to end this account's console sessions; they end after "
            f"{settings.console_idle_seconds} seconds idle. Try again when Redis is back.",
            file=out,
        )
        return FAILED
    finally:
        await redis.aclose()
    print(f"Ended {ended} console session(s).", file=out)
    return 0


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    accounts = build_account_store(settings)
    audit = build_staff_audit(settings)
    actor = f"cli:{os_user()}"

    async def record(action: AuditAction, detail: str) -> None:
        await audit.record(AuditEntry(actor=actor, action=action, detail=detail))

    try:
        if args.action == "list":
            from triage.cases.cli import table  # its imports are heavy; only for the table

            zone = ZoneInfo(settings.timezone)
            rows = [
                (
                    a.username,
                    a.display_name,
                    a.role.value,
                    "yes" if a.active else "no",
                    a.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                    if a.created_at
                    else "-",
                )
                for a in await accounts.list_accounts()
            ]
            if not rows:
                print("No staff accounts. Add one with: python -m triage staff add ...", file=out)
                return 0
            print(table(("USERNAME", "NAME", "ROLE", "ACTIVE", "CREATED"), rows), file=out)
            print(f"\n{len(rows)} account(s).", file=out)
            return 0

        if args.action == "add":
            # Say what is wrong with the name before asking for a password.
            check_display_name(args.name)
            if await accounts.get(check_username(args.username)) is not None:
                raise AccountExists(
                    f"an account named {normalise_username(args.username)!r} already exists"
                )
            password = read_password(args.password_stdin, stdin)
            account = await accounts.create(args.username, args.name, Role(args.role), password)
            await record(
                AuditAction.ACCOUNT_CREATED,
                f"account={account.username} role={account.role.value}",
            )
            print(f"Added {account.username} ({account.role.value}).", file=out)
            return 0

        current = await accounts.get(args.username)
        if current is None:
            print(f"No account {args.username.strip()!r}.", file=out)
            return FAILED
        name = current.username

        if args.action in ("disable", "enable"):
            active = args.action == "enable"
            await accounts.set_active(name, active)
            await record(AuditAction.ACCOUNT_CHANGED, f"account={name} {args.action}d")
            print(f"{name} is now {'enabled' if active else 'disabled'}.", file=out)
            return await _end_sessions(settings, name, out) if not active else 0

        # password
        password = read_password(args.password_stdin, stdin)
        await accounts.set_password(name, password)
        await record(AuditAction.ACCOUNT_CHANGED, f"account={name} password_changed")
        print(f"Password changed for {name}.", file=out)
        return await _end_sessions(settings, name, out)
    finally:
        await audit.aclose()
        await accounts.aclose()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m triage staff", description="operator console accounts"
    )
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account (asks for its password)")
    add.add_argument("username", help="the login, e.g. a collar number: letters, digits, . _ -")
    add.add_argument("--name", required=True, help="display name shown to colleagues")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--password-stdin", action="store_true", help="read one line from stdin")
    actions.add_parser("list", help="every account, active or not (no password hashes)")
    for verb, text in (
        ("disable", "stop an account signing in and end its console sessions"),
        ("enable", "let a disabled account sign in again"),
    ):
        actions.add_parser(verb, help=text).add_argument("username")
    password = actions.add_parser("password", help="set a new password; ends its sessions")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", help="read one line from stdin")
    return parser


def main(
    argv: list[str] | None = None, *, out: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    try:
        return asyncio.run(_run(args, Settings.from_env(), out, stdin or sys.stdin))
    except (InputError, WeakPassword) as exc:
        print(f"Not done: {exc}.", file=out)
        return USAGE
    except AccountExists as exc:
        print(f"Not done: {exc}.", file=out)
        return FAILED
    except ValueError as exc:  # malformed user name or display name
        print(f"Not done: {exc}.", file=out)
        return USAGE
    except (StaffUnavailable, OSError) as exc:
        print(f"Unavailable: {exc}", file=out)
        return FAILED
    except (KeyboardInterrupt, EOFError):
        return 130
