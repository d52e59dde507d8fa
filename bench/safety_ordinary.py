"""Alarms on the eval sets' ordinary questions: the crisis check's false alarms on realistic parent traffic.

The safety set's calm messages are hard negatives written to look like a crisis; these are the questions
parents really ask (dev, heldout, fresh, fresh2, fresh3). Prints, per set, how many ordinary questions raise
an alarm (and whether it is doubtful: help lines, then the answer) and how many crisis questions are caught.
Usage: .venv/bin/python bench/safety_ordinary.py [--config config.yaml] > bench/results/safety-ordinary.txt
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.evaluation import load_cases
from bot.safety.commands import detector
from bot.settings import load_settings

SETS = ("dev", "heldout", "fresh", "fresh2", "fresh3")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args()
    settings = load_settings(args.config)
    check = detector(settings)
    total = alarms = 0
    for name in SETS:
        cases = load_cases(Path("knowledge/eval") / f"{name}.yaml")
        calm = [c for c in cases if c.expect != "crisis"]
        crisis = [c for c in cases if c.expect == "crisis"]
        hits = [(c, s) for c in calm if (s := check.check(c.question)) is not None]
        caught = sum(check.check(c.question) is not None for c in crisis)
        print(f"{name:8s} ordinary {len(calm):3d}  alarms {len(hits)}  | crisis caught {caught}/{len(crisis)}")
        for case, signal in hits:
            kind = "sure" if signal.sure else "doubtful"
            print(f"    {case.id} [{signal.category}, {kind}] {case.question[:90]}")
        total += len(calm)
        alarms += len(hits)
    print(f"all: {alarms} of {total} ordinary questions raise an alarm ({alarms / total:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
