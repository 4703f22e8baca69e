"""`python -m triage classify | train` (see `triage/cli.py`)."""

from triage.cli import main

raise SystemExit(main())
