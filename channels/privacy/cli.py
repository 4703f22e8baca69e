"""Staff commands: ``python -m channels privacy retention [--dry-run]`` and
``python -m channels privacy export --conversation ID | --reporter CONTACT --by USER
--reason TEXT [--out FILE]``.

Exit status: 0 done; 1 nothing is held about the subject, or a store is unavailable;
2 a usage error (no reason given, a reporter contact that is neither an email address nor a
phone number). The export is JSON on standard output, or in ``--out FILE`` (created
readable by its owner only: it is personal data); messages go to standard error so the
JSON stays clean for a pipe.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

import structlog
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, OperationalError

from channels.privacy.export import NothingHeld, counts, to_json
from channels.privacy.retention import (
    DECISIONS,
    STAFF_AUDIT,
    RetentionReport,
    group_counts,
)
from channels.privacy.wiring import open_tools
from triage.cases.ports import CaseSystemUnavailable
from triage.queue.ports import QueueUnavailable
from triage.settings import Settings
from triage.staff.ports import StaffUnavailable

_UNAVAILABLE = (
    CaseSystemUnavailable,
    QueueUnavailable,
    StaffUnavailable,
    RedisError,
    OperationalError,
    DBAPIError,
    OSError,
)


def describe(report: RetentionReport, settings: Settings) -> list[str]:
    """The report as lines for staff (ids and counts, never content)."""
    verb = "Would erase" if report.dry_run else "Erased"
    lines = ["Dry run: nothing was changed."] if report.dry_run else []
    if report.conversation_store:
        lines.append(
            f"{verb} {len(report.conversations)} conversation(s) quiet for more than "
            f"{settings.retention_conversation_days} days "
            f"(before {report.conversations_before:%Y-%m-%d %H:%M} UTC)."
        )
        lines += [
            f"  {c.conversation_id}  {c.footprint.counts()}"
            + (f" queue_item={c.queue_item}" if c.queue_item else "")
            for c in report.conversations
        ]
        if report.skipped:
            lines.append(f"Left {len(report.skipped)} conversation(s) that became active again.")
    else:
        lines.append(
            "Conversations: not looked at; without REDIS_URL they live inside the gateway, "
            "whose own scheduled pass erases them."
        )
    if report.queue:
        lines.append(
            f"{verb} {len(report.queue_items)} queue item(s) open for more than "
            f"{settings.retention_queue_days} days."
        )
        lines += [f"  {i.item_id}  {i.conversation_id}" for i in report.queue_items]
    counts = group_counts(report.rows)
    lines.append(
        f"{verb} {counts.get(DECISIONS, 0)} triage decision(s) and "
        f"{counts.get('contact_logs', 0)} contact record(s) older than "
        f"{settings.retention_decision_days} days, and {counts.get('handoff_requests', 0)} "
        f"handoff request(s) older than {settings.retention_queue_days} days."
    )
    lines.append(
        f"{verb} {counts.get('report_drafts', 0)} unsent report draft(s) unchanged for "
        f"{settings.retention_draft_days} days."
    )
    if report.audit_before is None:
        lines.append("Staff audit log: kept for ever (BLUELAMP_RETENTION_AUDIT_DAYS=0).")
    else:
        lines.append(
            f"{verb} {counts.get(STAFF_AUDIT, 0)} staff audit record(s) older than "
            f"{settings.retention_audit_days} days (before {report.audit_before:%Y-%m-%d %H:%M} "
            "UTC)."
        )
    if not report.dry_run and not report.nothing:
        lines.append("Each erasure is in the staff audit log as system:retention (ids and counts).")
    return lines


async def _retention(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    async with open_tools(settings) as tools:
        report = await tools.retention(settings).run(dry_run=args.dry_run)
    for line in describe(report, settings):
        print(line, file=out)
    return 0


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read (created so, never widened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


async def _export(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    if not (args.reason or "").strip() or not (args.by or "").strip():
        print(
            'Not exported: say who you are with --by and why with --reason "..." '
            "(for example the subject access request's reference). Both are kept in the "
            "audit log (DPA 2018 s.62).",
            file=err,
        )
        return 2
    async with open_tools(settings) as tools:
        access = tools.subject_access()
        try:
            export = await access.export(
                conversation=args.conversation,
                reporter=args.reporter,
                by=args.by,
                reason=args.reason,
            )
        except NothingHeld as exc:
            print(f"Nothing exported: {exc}.", file=err)
            return 1
        except ValueError as exc:
            print(f"Not exported: {exc}.", file=err)
            return 2
    text = to_json(export)
    conversations, cases = counts(export)
    if args.out:
        _write_private(Path(args.out), text)
        print(
            f"Exported {conversations} conversation(s) and {cases} case(s) to {args.out}; "
            "the export is recorded in the audit log.",
            file=err,
        )
    else:
        out.write(text)
    for note in export["subject_access_export"]["notes"]:
        print(f"Note: {note}", file=err)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m channels", description="bluelamp gateway (no arguments: serve)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    privacy = commands.add_parser("privacy", help="retention and subject access (DPA 2018)")
    actions = privacy.add_subparsers(dest="action", required=True)
    retention = actions.add_parser(
        "retention",
        help="erase conversations, stale queue items, old triage decisions, contact records "
        "and staff audit entries past their periods (BLUELAMP_RETENTION_*_DAYS)",
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="say what would go; change nothing"
    )
    export = actions.add_parser(
        "export", help="everything held about a conversation or a reporter, as JSON (audited)"
    )
    subject = export.add_mutually_exclusive_group(required=True)
    subject.add_argument("--conversation", metavar="ID", help="a conversation id")
    subject.add_argument(
        "--reporter", metavar="CONTACT", help="the reporter's email address or phone number"
    )
    export.add_argument("--by", required=True, metavar="USER", help="who is exporting")
    export.add_argument(
        "--reason", required=True, metavar="TEXT", help="why (kept in the audit log)"
    )
    export.add_argument("--out", metavar="FILE", help="write the JSON here (mode 600)")
    return parser


def main(
    argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    args = build_parser().parse_args(argv)
    # The report is the output; only warnings (ids and error types) go to standard error.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )
    settings = Settings.from_env()
    stdout, stderr = out or sys.stdout, err or sys.stderr
    try:
        if args.action == "retention":
            return asyncio.run(_retention(args, settings, stdout))
        return asyncio.run(_export(args, settings, stdout, stderr))
    except _UNAVAILABLE as exc:
        # Driver errors can quote SQL parameters (personal data): their type only.
        ours = isinstance(exc, CaseSystemUnavailable | QueueUnavailable | StaffUnavailable)
        print(f"Unavailable: {exc if ours else type(exc).__name__}", file=stderr)
        return 1
    except KeyboardInterrupt:
        return 130
