"""The crisis check of an older checkout on today's held-out safety split, for a before/after table.

The phrase-list detector of commit f828cfc (``bot/safety.py: detect_crisis``) is imported from a git
worktree of that commit and run over the same ``test`` messages and dev questions as
``ouderwijzer eval-safety``. It had no misuse layer, so misuse recall is 0 by construction.
Usage: git worktree add /tmp/before f828cfc
       .venv/bin/python bench/safety_before.py --code /tmp/before > bench/results/safety-before.txt
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from old_checkout import old_inspect

from bot.safety.commands import load_set
from bot.safety.evaluate import evaluate, format_report
from bot.settings import load_settings

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", required=True, help="checkout holding bot/safety.py (the old detector)")
    args = parser.parse_args()
    inspect = old_inspect(args.code)
    settings = load_settings(None)
    result = evaluate(load_set(settings, "test"), inspect)
    dev = yaml.safe_load((REPO / "knowledge" / "eval" / "dev.yaml").read_text(encoding="utf-8"))
    calm = [c["question"] for c in dev if c.get("expect") != "crisis"]
    crisis = [c["question"] for c in dev if c.get("expect") == "crisis"]
    result.extra_false_alarms = {
        "dev_false_alarms": sum(inspect(q).signal is not None for q in calm),
        "dev_crisis_ok": f"{sum(inspect(q).signal is not None for q in crisis)}/{len(crisis)}",
    }
    print(format_report(result.metrics(), title=f"BEFORE (the phrase-list detector in {args.code}), split 'test'"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
