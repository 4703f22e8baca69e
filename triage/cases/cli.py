"""Staff commands: ``python -m triage cases list|show|update|message|log|review|purge|
statuses|outbox`` and ``python -m triage outbox-worker``.

The case commands work on the local case store (DATABASE_URL, or the demo's SQLite file);
an external records system has its own tools. Exit status: 0 done, 1 not found or the
store is unavailable, 2 a usage error (unknown status, closing without an outcome, looking
at a case without a reason ...).

Every command that reads or changes a case's personal data is written to the processing
log (DPA 2018 s.62) as the member of staff given by ``--by``; ``show`` and ``log`` also
need ``--reason``, the justification the log must record for a consultation.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from aiohttp import web

from triage.cases.models import utcnow
from triage.cases.outbox import OutboxUnavailable
from triage.cases.ports import CaseSystemUnavailable
from triage.cases.processing_log import Access, LogEntry
from triage.cases.references import normalise_reference
from triage.cases.retention import PurgeReport
from triage.cases.staff import CaseDetail, CaseSummary
from triage.cases.statuses import OUTCOME_LABELS, STATUS_LABELS, CaseOutcome, CaseStatus
from triage.cases.wiring import (
    build_case_system,
    build_outbox,
    build_retention,
    build_sql_store,
    build_worker,
)
from triage.settings import Settings

MAX_CELL = 40
REASON_NEEDED = (
    'Not shown: please say why you need to see {what} with --reason "..." '
    '(for example "reviewing for allocation"; no personal details). '
    "The Data Protection Act 2018 (s.62) requires a justification for every consultation, "
    "and it is kept in the case's processing log."
)


def _cell(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned table with a rule under the headings (no colour: it may be piped)."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max([len(header), *(len(row[i]) for row in cells)]) for i, header in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


class Printer:
    """Times in the force's zone, written to ``out``."""

    def __init__(self, out: TextIO, timezone: str) -> None:
        self.out = out
        self.zone = ZoneInfo(timezone)

    def when(self, at: datetime) -> str:
        return at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def case_list(self, cases: Sequence[CaseSummary]) -> None:
        if not cases:
            self.line("No cases.")
            return
        rows = [
            (
                c.reference,
                self.when(c.created_at),
                c.crime_type,
                c.crime_family,
                c.priority,
                c.status + (f" ({c.outcome})" if c.outcome else ""),
                ",".join(c.flags) or "-",
                c.channel,
            )
            for c in cases
        ]
        headers = ("REFERENCE", "RECEIVED", "TYPE", "FAMILY", "PRI", "STATUS", "FLAGS", "CHANNEL")
        self.line(table(headers, rows))
        self.line(f"\n{len(cases)} case(s), newest first.")

    def case_detail(self, case: CaseDetail) -> None:
        s = case.summary
        status = s.status_label + (
            f": {OUTCOME_LABELS[CaseOutcome(s.outcome)]}" if s.outcome else ""
        )
        fields = [
            ("Reference", s.reference),
            ("Receipt code", case.receipt_code or "-"),
            ("Type", f"{s.crime_type} ({s.crime_family})"),
            ("Priority", s.priority),
            ("Flags", ", ".join(s.flags) or "-"),
            ("Status", f"{status} [{s.status}]"),
            ("Received", f"{self.when(s.created_at)} via {s.channel}"),
            ("Updated", self.when(s.updated_at)),
            ("When", case.time_window or "-"),
            ("Where", case.location or "-"),
            ("Reporter", case.reporter_name or "-"),
            ("Contact", case.reporter_contact or "-"),
            ("May contact", "yes" if case.contact_consent else "no"),
        ]
        width = max(len(label) for label, _ in fields)
        for label, value in fields:
            self.line(f"{label.ljust(width)}  {value}")
        self.line("\nAccount")
        self.line(f"  {case.account or '-'}")
        if case.details:
            self.line("\nOther answers")
            self.line(table(("QUESTION", "ANSWER"), sorted(case.details.items())))
        self.line("\nStatus history")
        self.line(
            table(
                ("WHEN", "STATUS", "OUTCOME", "BY", "NOTE"),
                [
                    (self.when(e.at), e.status, e.outcome or "", e.changed_by or "", e.note or "")
                    for e in case.history
                ],
            )
        )
        self.line("\nMessages to the reporter")
        if case.messages:
            for m in case.messages:
                self.line(f"  {self.when(m.at)}  {m.sent_by or '-'}: {m.text}")
        else:
            self.line("  none")
        self.line("\nInformation added by the reporter")
        if case.updates:
            for u in case.updates:
                self.line(f"  {self.when(u.at)}  {u.text}")
        else:
            self.line("  none")

    def processing_log(self, reference: str, entries: Sequence[LogEntry]) -> None:
        rows = [
            (
                self.when(e.at),
                e.action.value,
                e.subject_ref if e.subject_ref != reference else "",
                e.actor,
                e.justification or "-",
                ", ".join(e.fields) or "-",
                e.detail or "",
            )
            for e in entries
        ]
        self.line(f"Processing log for {reference} (oldest first)")
        self.line(table(("WHEN", "ACTION", "OF", "BY", "WHY", "FIELDS", "DETAIL"), rows))
        self.line(f"\n{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}.")

    def review(self, days: int, cases: Sequence[CaseSummary], now: datetime) -> None:
        if not cases:
            self.line(f"No open case has been untouched for more than {days} days.")
            return
        rows = [
            (
                c.reference,
                self.when(c.updated_at),
                (now - c.updated_at).days,
                c.status,
                c.crime_type,
                c.priority,
            )
            for c in cases
        ]
        self.line(table(("REFERENCE", "LAST CHANGED", "DAYS", "STATUS", "TYPE", "PRI"), rows))
        self.line(
            f"\n{len(cases)} open case(s) untouched for more than {days} days: "
            "decide whether each is still needed (DPA 2018 s.39)."
        )

    def purge(self, report: PurgeReport, days: int) -> None:
        verb = "Would erase" if report.dry_run else "Erased"
        if report.dry_run:
            self.line("Dry run: nothing was changed.")
        self.line(
            f"{verb} the personal data of {len(report.cases)} closed case(s) "
            f"unchanged for more than {days} days (before {self.when(report.closed_before)})."
        )
        for erased in report.cases:
            fields = ", ".join(erased.fields) or "nothing left to erase"
            self.line(f"  {erased.reference}  last changed {self.when(erased.last_changed)}")
            self.line(f"    {fields}")
        self.line(f"{verb} the personal data of {len(report.outbox)} delivered outbox entry(ies).")
        for code, names in report.outbox.items():
            self.line(f"  {code}  {', '.join(names)}")
        if not report.dry_run:
            self.line(f"Forgot {report.expired_receipts} expired delivered receipt code(s).")
            self.line("Each erasure is in the processing log (references and field names only).")


def _default_staff() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "staff"


def _staff(args: argparse.Namespace) -> Access:
    return Access.staff(args.by, getattr(args, "reason", None))


async def _retention(args: argparse.Namespace, settings: Settings, printer: Printer) -> int:
    store = build_sql_store(settings)
    outbox = build_outbox(settings)
    retention = build_retention(settings, store, outbox)
    try:
        if args.action == "review":
            _cutoff, cases = await retention.review()
            printer.review(settings.review_days, cases, utcnow())
            return 0
        access = Access.staff(args.by, "retention period passed (DPA 2018 s.39)")
        report = await retention.purge(access, dry_run=args.dry_run)
        printer.purge(report, settings.retention_closed_days)
        return 0
    finally:
        await outbox.close()
        await store.close()


async def _cases(args: argparse.Namespace, settings: Settings, printer: Printer) -> int:
    if args.action in ("show", "log") and not (args.reason or "").strip():
        printer.line(REASON_NEEDED.format(what="this case" if args.action == "show" else "its log"))
        return 2
    store = build_sql_store(settings)
    try:
        if args.action == "list":
            cases = await store.list_cases(args.limit, status=args.status, family=args.family)
            printer.case_list(cases)
            return 0
        if args.action == "show":
            case = await store.get_case(args.reference, access=_staff(args).require_reason())
            if case is None:
                printer.line(f"No case {args.reference}.")
                return 1
            printer.case_detail(case)
            return 0
        if args.action == "log":
            entries = await store.log_for(args.reference, _staff(args).require_reason())
            if entries is None:
                printer.line(f"No case {args.reference}.")
                return 1
            reference = normalise_reference(args.reference) or args.reference.strip().upper()
            printer.processing_log(reference, entries)
            return 0
        if args.action == "update":
            try:
                changed = await store.set_status(
                    args.reference,
                    args.status,
                    args.note,
                    outcome=args.outcome,
                    changed_by=args.by,
                    access=_staff(args),
                )
            except ValueError as exc:
                printer.line(f"Not changed: {exc}.")
                return 2
            if not changed:
                printer.line(f"No case {args.reference}.")
                return 1
            if args.message:
                await store.send_message(
                    args.reference, args.message, sent_by=args.by, access=_staff(args)
                )
            reference = normalise_reference(args.reference) or args.reference
            printer.line(f"{reference}: now {STATUS_LABELS[CaseStatus(args.status)]}.")
            if args.message:
                printer.line("Message left for the reporter.")
            return 0
        # message
        try:
            sent = await store.send_message(
                args.reference, args.text, sent_by=args.by, access=_staff(args)
            )
        except ValueError as exc:
            printer.line(f"Not sent: {exc}.")
            return 2
        if not sent:
            printer.line(f"No case {args.reference}.")
            return 1
        printer.line("Message left for the reporter; they see it when they next track the case.")
        return 0
    finally:
        await store.close()


def _statuses(printer: Printer) -> int:
    printer.line(
        table(
            ("STATUS", "THE PUBLIC SEES"), [(s.value, label) for s, label in STATUS_LABELS.items()]
        )
    )
    printer.line("")
    printer.line(
        table(
            ("OUTCOME (closed only)", "THE PUBLIC SEES"),
            [(o.value, label) for o, label in OUTCOME_LABELS.items()],
        )
    )
    return 0


async def _outbox_counts(settings: Settings, printer: Printer) -> int:
    outbox = build_outbox(settings)
    try:
        counts = await outbox.counts()
    finally:
        await outbox.close()
    printer.line(table(("STATE", "REPORTS"), sorted(counts.items())))
    return 0


async def run_worker(settings: Settings, *, once: bool, port: int | None) -> int:
    """Deliver held reports until SIGTERM/SIGINT (or one round with ``once``)."""
    cases = build_case_system(settings)
    outbox = build_outbox(settings)
    worker = build_worker(settings, cases, outbox)
    runner: web.AppRunner | None = None
    try:
        if once:
            result = await worker.run_once()
            print(
                f"delivered {result.delivered}, retry later {result.retried}, refused {result.dead}"
            )
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if port:
            runner = web.AppRunner(worker.health_app(), access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
        await worker.run(stop)
        return 0
    finally:
        if runner is not None:
            await runner.cleanup()
        await outbox.close()
        await cases.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m triage", description="bluelamp staff commands")
    commands = parser.add_subparsers(dest="command", required=True)

    cases = commands.add_parser("cases", help="list, show and update cases")
    actions = cases.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the newest cases")
    listing.add_argument("--status", choices=[s.value for s in CaseStatus])
    listing.add_argument("--family", help="crime family, e.g. acquisitive, violence")
    listing.add_argument("--limit", type=int, default=50)
    show = actions.add_parser(
        "show", help="one case: report, reporter, history, messages (logged; needs --reason)"
    )
    show.add_argument("reference", help="BL-XXXX-XXXX, or the RC- receipt code it came with")
    show.add_argument("--by", default=_default_staff(), help="who is looking")
    show.add_argument("--reason", help="why you need to see it (kept in the processing log)")
    update = actions.add_parser("update", help="move a case to another status")
    update.add_argument("reference")
    update.add_argument("--status", required=True, choices=[s.value for s in CaseStatus])
    update.add_argument("--outcome", choices=[o.value for o in CaseOutcome], help="closed only")
    update.add_argument("--note", help="for the history (staff only)")
    update.add_argument("--message", help="also leave this message for the reporter")
    update.add_argument("--by", default=_default_staff(), help="who is making the change")
    message = actions.add_parser("message", help="leave a message the reporter sees")
    message.add_argument("reference")
    message.add_argument("text")
    message.add_argument("--by", default=_default_staff())
    log = actions.add_parser(
        "log", help="a case's processing log, DPA 2018 s.62 (logged; needs --reason)"
    )
    log.add_argument("reference", help="BL-XXXX-XXXX, or the RC- receipt code it came with")
    log.add_argument("--by", default=_default_staff(), help="who is looking")
    log.add_argument("--reason", help="why you need to see it (kept in the processing log)")
    actions.add_parser(
        "review", help="open cases untouched for longer than BLUELAMP_REVIEW_DAYS (s.39)"
    )
    purge = actions.add_parser(
        "purge",
        help="erase personal data of closed cases past BLUELAMP_RETENTION_CLOSED_DAYS and of "
        "delivered outbox entries (s.39)",
    )
    purge.add_argument("--dry-run", action="store_true", help="say what would go; change nothing")
    purge.add_argument("--by", default=_default_staff(), help="who is running the purge")
    actions.add_parser("statuses", help="the statuses and outcomes, with what the public sees")
    actions.add_parser("outbox", help="how many reports wait in the outbox")

    worker = commands.add_parser("outbox-worker", help="deliver held reports to the case system")
    worker.add_argument("--once", action="store_true", help="one round, then exit")
    worker.add_argument("--port", type=int, help="serve GET /health on 127.0.0.1:PORT")
    return parser


def main(argv: list[str] | None = None, *, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    printer = Printer(out or sys.stdout, settings.timezone)
    try:
        if args.command == "outbox-worker":
            return asyncio.run(run_worker(settings, once=args.once, port=args.port))
        if args.action == "statuses":
            return _statuses(printer)
        if args.action == "outbox":
            return asyncio.run(_outbox_counts(settings, printer))
        if args.action in ("review", "purge"):
            return asyncio.run(_retention(args, settings, printer))
        return asyncio.run(_cases(args, settings, printer))
    except (CaseSystemUnavailable, OutboxUnavailable, OSError) as exc:
        printer.line(f"Unavailable: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
