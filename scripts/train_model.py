"""Train the Rasa model only when its inputs changed.

The model is named after a fingerprint of everything Rasa trains from (config, domain,
stories, rules, NLU data, the engine's lock file), so an unchanged checkout reuses the
model and a changed one never runs with a stale model. `--force` trains from scratch.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ["config.yml", "bot/domain", "bot/data", "nlu_data", "requirements-rasa.lock"]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train from scratch")
    parser.add_argument("--out", default=str(ROOT / "models"))
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"bluelamp-{fingerprint()}"
    model = out / f"{name}.tar.gz"
    current = out / "current.tar.gz"
    if model.exists() and not args.force:
        print(f"model up to date: {model.relative_to(ROOT)}")
    else:
        cmd = [
            str(RASA),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "bot/domain",
            "--data",
            "nlu_data",
            "bot/data",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ]
        if args.force:
            # The graph cache would reuse components trained earlier.
            shutil.rmtree(ROOT / ".rasa", ignore_errors=True)
            cmd.append("--force")
        log = ROOT / "results" / "train.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        print(f"training {name} (log: {log.relative_to(ROOT)})", flush=True)
        started = time.monotonic()
        with log.open("wb") as out_file:
            result = subprocess.run(cmd, cwd=ROOT, stdout=out_file, stderr=out_file)
        if result.returncode != 0 or not model.exists():
            tail = log.read_text(errors="replace")[-4000:]
            print(f"training failed:\n{tail}", file=sys.stderr)
            return 1
        print(f"trained in {time.monotonic() - started:.0f} s")
    tmp = out / "current.tar.gz.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(model.name)
    tmp.replace(current)
    print(f"current model: {current.relative_to(ROOT)} -> {model.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
