"""Every action runs with the person's name declared to the log redaction.

`triage.redact` only finds names given in so many words ("my name is ..."); the action
server knows the reporter's name from the tracker, so anything logged while an action runs
(an exception quoting a case-system request, a library warning) has it replaced as well.
`install` wraps the ``run`` of every action class once, when the package is imported and
before rasa-sdk registers the actions, so no action has to remember to do it.

If ``run`` raises, the names stay declared for the rest of the request's task: rasa-sdk logs
the escaping exception just after ``run``, in the same task, and the next action run in that
task declares its own. A stale name can only be over-redacted, never leaked.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType

from triage.log_redaction import reset_known_names, set_known_names
from triage.validation import parse_name

NAME_SLOTS = ("reporter_name",)
"""Slots whose value is a person's name (report_spec: the reporter's details)."""
_MARK = "_bluelamp_knows_names"

Run = Callable[..., Awaitable[list[EventType]]]


def names_in(tracker: Tracker) -> list[str]:
    """The names in the tracker's name slots, and in a value just given for one of them (the
    one a form is about to validate), as `parse_name` reads them; "anonymous" is no name."""
    candidates = tracker.slots_to_validate()
    names: list[str] = []
    for slot in NAME_SLOTS:
        for value in (tracker.get_slot(slot), candidates.get(slot)):
            if not isinstance(value, str):
                continue
            parsed = parse_name(value)
            if parsed.ok and parsed.value is not None and parsed.value not in names:
                names.append(parsed.value)
    return names


def knowing_names(run: Run) -> Run:
    """``run`` with the tracker's names declared while it runs (see the module docstring)."""

    @functools.wraps(run)
    async def run_knowing_names(
        self: Action, dispatcher: Any, tracker: Tracker, domain: Any
    ) -> list[EventType]:
        token = set_known_names(names_in(tracker))
        events = await run(self, dispatcher, tracker, domain)
        reset_known_names(token)  # not on an exception: rasa-sdk logs it after this
        return events

    setattr(run_knowing_names, _MARK, True)
    return run_knowing_names


def knows_names(action: type[Action]) -> bool:
    return bool(getattr(action.run, _MARK, False))


def our_actions(package: str = "actions") -> Iterable[type[Action]]:
    """Every `Action` subclass defined in ``package`` (abstract ones included)."""
    seen: set[type[Action]] = set()
    pending = list(Action.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
    return sorted(
        (cls for cls in seen if cls.__module__.startswith(package + ".")),
        key=lambda cls: (len(cls.__mro__), cls.__qualname__),
    )


def install(package: str = "actions") -> None:
    """Wrap the ``run`` of every action in ``package`` once (idempotent; bases first, so a
    subclass inheriting a wrapped ``run`` is not wrapped twice)."""
    for cls in our_actions(package):
        if not knows_names(cls):
            setattr(cls, "run", knowing_names(cls.run))  # noqa: B010
