"""`python -m triage classify | train`: triage as a filter, with nothing else running.

`classify` reads JSON lines `{"id": ..., "text": ..., "channel": "webchat" | "x"}` and
writes one JSON line per input, in order: the decision, or `{"id", "error"}` for a line it
cannot use (and carries on). Lines are read in batches of whatever is already waiting (up
to `--batch-size`), so a pipe of a million lines goes through `nlp.pipe` in large batches
while a person typing one line at a time gets each answer at once. Blank lines are skipped.
Exit status: 0, or 1 when reading the input or writing the output fails (a closed pipe).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from triage.decisions import Channel, Contact
from triage.nlp.classifier import ModelMissingError, TriageClassifier
from triage.nlp.train import ensure_model
from triage.nlp.training_data import DATA_DIR, TrainingDataError
from triage.settings import Settings

DEFAULT_BATCH = 512
READ_CHUNK = 1 << 16
_CHANNELS = ", ".join(c.value for c in Channel)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class LineReader:
    """Batches of complete input lines: blocks for the first, then takes only what is ready.

    A line longer than `max_line_bytes` is skipped up to its newline and yielded as None,
    so one runaway line cannot exhaust memory.
    """

    def __init__(self, fd: int, max_lines: int, max_line_bytes: int) -> None:
        self.fd = fd
        self.max_lines = max_lines
        self.max_line_bytes = max_line_bytes
        self._buffer = bytearray()
        self._skipping = False
        self._eof = False
        self._lines: list[bytes | None] = []

    def _finish_line(self) -> None:
        if self._skipping:
            self._skipping = False  # its None was queued when it grew too long
        elif len(self._buffer) > self.max_line_bytes:
            self._lines.append(None)
        else:
            self._lines.append(bytes(self._buffer))
        self._buffer.clear()

    def _read(self) -> None:
        data = os.read(self.fd, READ_CHUNK)
        if not data:
            self._eof = True
            if self._buffer or self._skipping:
                self._finish_line()
            return
        start = 0
        while (newline := data.find(b"\n", start)) >= 0:
            if not self._skipping:
                self._buffer += data[start:newline]
            self._finish_line()
            start = newline + 1
        if not self._skipping:
            self._buffer += data[start:]
            if len(self._buffer) > self.max_line_bytes:
                self._lines.append(None)
                self._buffer.clear()
                self._skipping = True

    def _ready(self) -> bool:
        try:
            return bool(select.select([self.fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def __iter__(self) -> Iterator[list[bytes | None]]:
        while True:
            while not self._lines and not self._eof:
                self._read()
            while len(self._lines) < self.max_lines and not self._eof and self._ready():
                self._read()
            if not self._lines:
                return
            batch, self._lines = self._lines[: self.max_lines], self._lines[self.max_lines :]
            yield batch


@dataclass(frozen=True)
class Rejected:
    """A line that cannot be classified, and the reason given back to the sender."""

    id: Any
    error: str


@dataclass(frozen=True)
class Accepted:
    """A usable line: the id exactly as sent (string or number) and the contact."""

    id: Any
    contact: Contact


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_line(raw: bytes | None, max_chars: int) -> Accepted | Rejected:
    """The contact on one input line, or the polite reason it cannot be used."""
    if raw is None:
        return Rejected(None, "this line is too long to read; please send one message per line")
    try:
        item = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Rejected(None, "this line is not valid UTF-8 text; please send UTF-8")
    except json.JSONDecodeError as exc:
        return Rejected(
            None,
            f"this line is not valid JSON ({exc.msg} at column {exc.colno}); "
            "please send one JSON object per line",
        )
    if not isinstance(item, dict):
        return Rejected(
            None,
            'please send each message as a JSON object: {"id": ..., "text": ..., "channel": ...}',
        )
    ident = item.get("id")
    if isinstance(ident, bool) or not isinstance(ident, str | int | None):
        return Rejected(None, "id must be a string or a whole number")
    text = item.get("text")
    if text is None:
        return Rejected(ident, 'text is missing: please put the message in "text"')
    if not isinstance(text, str):
        return Rejected(ident, "text must be a string")
    if not text.strip():
        return Rejected(ident, "text is empty: there is no message to classify")
    if len(text) > max_chars:
        return Rejected(
            ident,
            f"text is {len(text)} characters long; the limit is {max_chars}, please shorten it",
        )
    channel_value = item.get("channel", Channel.WEBCHAT.value)
    try:
        channel = Channel(channel_value)
    except ValueError:
        return Rejected(ident, f"channel must be one of {_CHANNELS} (got {_short(channel_value)})")
    contact = Contact(
        id="" if ident is None else str(ident),
        text=text,
        channel=channel,
        public=channel is Channel.X,
    )
    return Accepted(ident, contact)


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)


def classify_stream(
    classifier: TriageClassifier, reader: LineReader, out: BinaryIO, max_chars: int
) -> int:
    """Classify every batch from `reader`, writing the answers to `out` in order; returns
    how many lines were answered."""
    answered = 0
    for batch in reader:
        parsed = [parse_line(raw, max_chars) for raw in batch if raw is None or raw.strip()]
        accepted = [p.contact for p in parsed if isinstance(p, Accepted)]
        decisions = iter(classifier.classify_many(accepted))
        lines = [
            _dump({"id": p.id, **next(decisions).as_dict()})
            if isinstance(p, Accepted)
            else _dump({"id": p.id, "error": p.error})
            for p in parsed
        ]
        if lines:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
            out.flush()
            answered += len(lines)
    return answered


def _load_classifier(model: Path | None, data_dir: Path) -> TriageClassifier:
    if model is not None:
        return TriageClassifier.load(model)
    return TriageClassifier.load_or_train(data_dir, log=_stderr)


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so exit does not print a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def run_classify(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        _stderr(f"triage: {exc}")
        return 2
    try:
        classifier = _load_classifier(args.model, args.data_dir)
    except (ModelMissingError, TrainingDataError, OSError) as exc:
        _stderr(f"triage: cannot load the classifier: {exc}")
        return 1
    max_chars = settings.max_message_chars
    # Room for JSON escapes of a text at the limit; anything longer is refused unread.
    max_line_bytes = max(1 << 16, max_chars * 16)
    reader = LineReader(sys.stdin.fileno(), args.batch_size, max_line_bytes)
    try:
        classify_stream(classifier, reader, sys.stdout.buffer, max_chars)
    except BrokenPipeError:
        _silence_stdout()
        _stderr("triage: the output was closed before all answers were written")
        return 1
    except OSError as exc:
        _stderr(f"triage: cannot read the input or write the output: {exc.strerror or exc}")
        return 1
    return 0


def run_train(args: argparse.Namespace) -> int:
    try:
        trained = ensure_model(args.data_dir, force=args.force, split=args.split, log=_stderr)
    except (TrainingDataError, OSError) as exc:
        _stderr(f"triage: cannot train: {exc}")
        return 1
    state = "reused (data unchanged)" if trained.reused else "trained"
    print(f"triage model {trained.fingerprint}: {state} at {trained.path}")
    if trained.threshold is not None:
        check = "met" if trained.threshold.met else "NOT met"
        print(
            f"safety threshold {trained.threshold.value:.2f}, chosen on dev "
            f"({trained.threshold.procedure}; {check})"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m triage", description="bluelamp triage from the command line"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    classify = commands.add_parser(
        "classify",
        help="classify JSON lines from standard input",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    classify.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH, help="most lines per batch"
    )
    classify.add_argument(
        "--model", type=Path, help="a saved model folder (default: cached, trained if missing)"
    )
    data_help = "training data folder (default: nlu_data/)"
    classify.add_argument("--data-dir", type=Path, default=DATA_DIR, help=data_help)
    train = commands.add_parser("train", help="train the classifier unless the cache is current")
    train.add_argument("--data-dir", type=Path, default=DATA_DIR, help=data_help)
    train.add_argument("--force", action="store_true", help="train even if the cache is current")
    train.add_argument(
        "--split",
        choices=["all", "train"],
        default="all",
        help="all data (default), or the train part of the train/dev/test split (the figures "
        "bench's model); either way the threshold is chosen on that split's dev part",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "classify" and args.batch_size < 1:
        _stderr("triage: --batch-size must be at least 1")
        return 2
    try:
        return run_classify(args) if args.command == "classify" else run_train(args)
    except KeyboardInterrupt:
        return 130
