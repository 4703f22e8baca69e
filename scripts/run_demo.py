"""`make demo`: run the engine, the action server and the gateway until Ctrl-C."""

from __future__ import annotations

import os
import secrets
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.stack import Stack, supervise

DEMO_STAFF = (
    ("demo-operator", "Demo Operator", "operator"),
    ("demo-supervisor", "Demo Supervisor", "supervisor"),
)


def demo_staff(stack: Stack) -> list[str]:
    """Console accounts for trying the demo: made on the first run, with a fresh random
    password shown once; later runs keep them (the password can be reset by command)."""
    lines = []
    for username, name, role in DEMO_STAFF:
        password = secrets.token_urlsafe(12)
        result = stack.add_staff(username, name, role, password)
        if result.returncode == 0:
            lines.append(f"    {role}: {username}  password: {password}")
        elif "already exists" in result.stderr:
            lines.append(
                f"    {role}: {username}  (made by an earlier run; new password: "
                f".venv/bin/python -m triage staff password {username})"
            )
        else:
            lines.append(f"    {role}: {username} could not be made: {result.stderr.strip()}")
    return lines


def main() -> int:
    stack = Stack(
        rasa_port=int(os.environ.get("BLUELAMP_RASA_PORT", "5005")),
        action_port=int(os.environ.get("BLUELAMP_ACTION_PORT", "5055")),
        gateway_port=int(os.environ.get("BLUELAMP_GATEWAY_PORT", "8080")),
        outbox_worker_port=int(os.environ.get("BLUELAMP_OUTBOX_WORKER_PORT", "5056")),
        database_url=os.environ.get("DATABASE_URL") or None,
    )
    print(
        "starting the action server, the Rasa engine, the gateway and the outbox worker "
        "(about 30 s)..."
    )
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    def stop() -> None:
        # A second Ctrl-C (or SIGTERM) while stopping must not leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()

    try:
        stack.start()
    except (RuntimeError, TimeoutError) as exc:
        print(f"bluelamp did not start: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stop()
        return 130
    port = stack.gateway_port
    staff = "\n".join(demo_staff(stack))
    print(
        f"\nbluelamp is running.\n"
        f"  Open http://127.0.0.1:{port}/ for the demo force page with the chat widget.\n"
        f"  Operator console: http://127.0.0.1:{port}/console\n{staff}\n"
        f"  REST (Rasa format): POST http://127.0.0.1:{port}/webhooks/rest/webhook\n"
        f"  Logs: {stack.var_dir / 'logs'}\n"
        f"Press Ctrl-C to stop.",
        flush=True,
    )
    return supervise(stack.services, stop)


if __name__ == "__main__":
    sys.exit(main())
