"""`python -m triage classify` as a subprocess: order, errors that do not stop the run,
limits from Settings, prompt answers to one line at a time, and a closed output pipe."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from triage.cli import Accepted, LineReader, Rejected, parse_line
from triage.decisions import Channel
from triage.nlp.train import MODELS_ENV, TrainedModel

ROOT = Path(__file__).resolve().parents[3]


def env_for(models: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, MODELS_ENV: str(models), **extra}


def run_cli(
    args: list[str], lines: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def answers(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def model_args(trained: TrainedModel) -> list[str]:
    return ["classify", "--model", str(trained.path)]


def test_answers_in_order_and_carries_on_after_bad_lines(
    model_args: list[str], models_root: Path
) -> None:
    lines = [
        json.dumps(
            {"id": "a", "text": "someone is stabbing a man outside right now", "channel": "x"}
        ),
        "this is not json",
        json.dumps({"id": 7, "text": "what time does the station open?", "channel": "webchat"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "c", "text": "   "}),
        "",
        json.dumps({"id": "d", "text": "hi", "channel": "fax"}),
        json.dumps({"id": "e"}),
        json.dumps({"id": "f", "text": 42}),
        json.dumps({"id": "g", "text": "my bike was nicked from the station yesterday"}),
    ]
    result = run_cli(model_args, lines, env_for(models_root))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = answers(result)
    assert [a["id"] for a in out] == ["a", None, 7, None, "c", "d", "e", "f", "g"]
    first = out[0]
    assert set(first) == {"id", "category", "priority", "flags", "confidence"}
    assert (first["category"], first["priority"]) == ("emergency", "P1")
    assert {"flag": "in_progress", "evidence": "right now"} in first["flags"]
    assert 0.0 <= first["confidence"] <= 1.0
    assert out[2]["category"] == "enquiry"
    assert out[8]["category"] == "crime_report"
    errors = {a["id"]: a["error"] for a in out if "error" in a}
    assert "not valid JSON" in errors[None] or "JSON object" in errors[None]
    assert errors["c"] == "text is empty: there is no message to classify"
    assert "channel must be one of webchat, x" in errors["d"]
    assert errors["e"] == 'text is missing: please put the message in "text"'
    assert errors["f"] == "text must be a string"


def test_text_limit_comes_from_settings(model_args: list[str], models_root: Path) -> None:
    lines = [
        json.dumps({"id": 1, "text": "a" * 2000}),
        json.dumps({"id": 2, "text": "a" * 2001}),
    ]
    out = answers(run_cli(model_args, lines, env_for(models_root)))
    assert "category" in out[0]
    assert out[1] == {
        "id": 2,
        "error": "text is 2001 characters long; the limit is 2000, please shorten it",
    }
    small = answers(
        run_cli(model_args, lines[:1], env_for(models_root, BLUELAMP_MAX_MESSAGE_CHARS="50"))
    )
    assert small == [
        {"id": 1, "error": "text is 2000 characters long; the limit is 50, please shorten it"}
    ]


def test_nothing_in_nothing_out(model_args: list[str], models_root: Path) -> None:
    result = run_cli(model_args, [], env_for(models_root))
    assert (result.returncode, result.stdout) == (0, "")


def test_answers_each_line_as_it_arrives(model_args: list[str], models_root: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "triage", *model_args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env_for(models_root),
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for ident, text in ((1, "hello"), (2, "my car was stolen last night")):
            process.stdin.write((json.dumps({"id": ident, "text": text}) + "\n").encode())
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 120)
            assert ready, "no answer while the input is still open"
            assert json.loads(process.stdout.readline())["id"] == ident
        process.stdin.close()
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait()


def test_closed_output_exits_non_zero_without_a_traceback(
    model_args: list[str], models_root: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    line = json.dumps({"id": 1, "text": "someone is stabbing a man outside right now"})
    source.write_text((line + "\n") * 20000)
    with source.open("rb") as stdin:
        process = subprocess.Popen(
            [sys.executable, "-m", "triage", *model_args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env_for(models_root),
        )
        assert process.stdout is not None and process.stderr is not None
        assert json.loads(process.stdout.readline())["id"] == 1
        process.stdout.close()
        stderr = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert code == 1
    assert "output was closed" in stderr
    assert "Traceback" not in stderr


def test_trains_first_when_the_model_is_missing(tiny_data: Path, tmp_path: Path) -> None:
    models = tmp_path / "empty-models"
    line = json.dumps({"id": 1, "text": "hello"})
    result = run_cli(["classify", "--data-dir", str(tiny_data)], [line], env_for(models))
    assert result.returncode == 0, result.stderr
    assert "training the classifier" in result.stderr
    assert [a["id"] for a in answers(result)] == [1]  # progress never reaches stdout
    assert (models / "current").is_file()
    again = run_cli(["train", "--data-dir", str(tiny_data)], [], env_for(models))
    assert again.returncode == 0
    assert "reused" in again.stdout


@pytest.mark.parametrize(
    ("raw", "ident", "error"),
    [
        (None, None, "this line is too long to read; please send one message per line"),
        (b"\xff\xfe{", None, "this line is not valid UTF-8 text"),
        (b'{"id": 1, "text": "x"', None, "this line is not valid JSON"),
        (b'"just a string"', None, "please send each message as a JSON object"),
        (b"42", None, "please send each message as a JSON object"),
        (b'{"id": true, "text": "x"}', None, "id must be a string or a whole number"),
        (b'{"id": {"a": 1}, "text": "x"}', None, "id must be a string or a whole number"),
        (b'{"id": 1.5, "text": "x"}', None, "id must be a string or a whole number"),
        (b'{"id": "q", "text": ""}', "q", "text is empty"),
        (b'{"id": "q", "text": null}', "q", "text is missing"),
        (b'{"id": "q", "text": "x", "channel": 3}', "q", "channel must be one of webchat, x"),
    ],
)
def test_malformed_lines(raw: bytes | None, ident: Any, error: str) -> None:
    parsed = parse_line(raw, 2000)
    assert isinstance(parsed, Rejected)
    assert parsed.id == ident
    assert parsed.error.startswith(error)


def test_good_lines() -> None:
    parsed = parse_line(b'{"id": 5, "text": "hi", "channel": "x"}', 2000)
    assert isinstance(parsed, Accepted)
    assert parsed.id == 5
    assert (parsed.contact.id, parsed.contact.channel, parsed.contact.public) == (
        "5",
        Channel.X,
        True,
    )
    no_id = parse_line(b'{"text": "hi"}', 2000)
    assert isinstance(no_id, Accepted)
    assert (no_id.id, no_id.contact.channel) == (None, Channel.WEBCHAT)


def test_line_reader_joins_chunks_and_skips_runaway_lines() -> None:
    read_end, write_end = os.pipe()
    chunks = [b'{"a": 1}\n{"b"', b": 2}\n" + b"x" * 300, b"y" * 300 + b"\n", b'{"c": 3}']
    for chunk in chunks:
        os.write(write_end, chunk)
    os.close(write_end)
    reader = LineReader(read_end, max_lines=10, max_line_bytes=256)
    lines = [line for batch in reader for line in batch]
    os.close(read_end)
    assert lines == [b'{"a": 1}', b'{"b": 2}', None, b'{"c": 3}']


def test_line_reader_batches_at_most_max_lines() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"1\n2\n3\n4\n5\n")
    os.close(write_end)
    batches = list(LineReader(read_end, max_lines=2, max_line_bytes=100))
    os.close(read_end)
    assert batches == [[b"1", b"2"], [b"3", b"4"], [b"5"]]
