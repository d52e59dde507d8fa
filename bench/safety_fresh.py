"""The crisis check on a batch of safety messages written after it was trained (a fresh held-out test).

A new batch (e.g. ``knowledge/safety/messages/*-c.yaml``, written by other authors without seeing the
set) is scored by the committed model before it gets a split, so the figure says how the detector does
on messages nobody tuned it on, like a hidden set. ``--code`` adds the phrase lists of an older checkout.
Usage: .venv/bin/python bench/safety_fresh.py knowledge/safety/messages/*-c.yaml [--code /tmp/before]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from old_checkout import old_inspect

from bot.safety.commands import detector
from bot.safety.dataset import load_messages
from bot.safety.evaluate import evaluate, format_report
from bot.settings import load_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="message files of the fresh batch")
    parser.add_argument("--code", help="checkout holding an older bot/safety.py to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.files:
            shutil.copy(path, Path(tmp) / path.name)
        messages, problems = load_messages(Path(tmp))
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    settings = load_settings(None)
    check = detector(settings)
    print(f"# Fresh batch: {', '.join(p.name for p in args.files)} ({len(messages)} messages), committed model")
    print(format_report(evaluate(messages, check.inspect).metrics(), title="now (patterns + classifier)"))
    if args.code:
        before = evaluate(messages, old_inspect(args.code))
        print()
        print(format_report(before.metrics(), title=f"before ({args.code}, phrase lists)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
