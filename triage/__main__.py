"""`python -m triage classify | train` (see `triage/cli.py`), the case system's staff
commands `python -m triage cases ... | outbox-worker` (see `triage/cases/cli.py`), and the
console accounts `python -m triage staff ...` (see `triage/staff/cli.py`).

The case and staff commands are dispatched here, before `triage.cli` is imported, so they
neither load spaCy nor depend on the classifier's command line.
"""

import sys

CASE_COMMANDS = frozenset({"cases", "outbox-worker"})

if len(sys.argv) > 1 and sys.argv[1] in CASE_COMMANDS:
    from triage.cases.cli import main as cases_main

    if sys.argv[1] == "outbox-worker":  # a long-running process: redacted JSON log lines
        from triage.log_setup import configure_logging

        configure_logging()

    raise SystemExit(cases_main(sys.argv[1:]))

if len(sys.argv) > 1 and sys.argv[1] == "staff":
    from triage.staff.cli import main as staff_main

    raise SystemExit(staff_main(sys.argv[2:]))

from triage.cli import main  # noqa: E402  (only for the classifier's commands)

raise SystemExit(main())
