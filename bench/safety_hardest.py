"""The held-out crisis messages today's check catches and an older checkout's phrase lists missed.

Prints the ten hardest of them (caught by the classifier alone, smallest margin past its alarm first -
``SafetyModel.margin``: the summed score or the safety net's - at most two per language) and ten of the
messages it still misses, for the closing note.
Usage: git worktree add /tmp/before f828cfc
       .venv/bin/python bench/safety_hardest.py --code /tmp/before > bench/results/safety-hardest.txt
"""

from __future__ import annotations

import argparse

from old_checkout import old_inspect

from bot.safety.commands import detector, load_set
from bot.safety.detector import SafetyReport
from bot.settings import load_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", required=True, help="checkout holding bot/safety.py (the old detector)")
    parser.add_argument("--per-language", type=int, default=2)
    args = parser.parse_args()
    old = old_inspect(args.code)
    settings = load_settings(None)
    check = detector(settings)
    messages = [m for m in load_set(settings, "test") if m.is_crisis]
    caught, missed = [], []
    for message in messages:
        report = check.inspect(message.text)
        if report.signal is None:
            missed.append((message, report))
        elif old(message.text).signal is None:
            caught.append((message, report))

    def margin(report: SafetyReport) -> float:
        return report.margin if report.margin is not None else -1.0

    classifier_only = sorted(
        ((m, r) for m, r in caught if r.signal.layers == ("classifier",)), key=lambda mr: margin(mr[1])
    )
    hardest, per_language = [], {}
    for message, report in classifier_only:
        if per_language.get(message.lang, 0) >= args.per_language:
            continue
        per_language[message.lang] = per_language.get(message.lang, 0) + 1
        hardest.append((message, report))
        if len(hardest) == 10:
            break

    print(f"# Ten hardest held-out crisis messages the check now catches ({args.code} missed all ten)")
    print(
        f"# Caught now and missed before: {len(caught)} of {len(messages)}; by the classifier alone: "
        f"{len(classifier_only)}."
    )
    print(
        "# Rule: only the classifier fired, smallest margin past its alarm first, at most "
        f"{args.per_language} per language.\n"
    )
    for message, report in hardest:
        signal = report.signal
        acute = " (acute)" if signal.acute else ""
        print(
            f"- {message.id} [{message.label}, {message.lang}] score {signal.score:.3f}, margin "
            f"{margin(report):.3f} -> reply "
            f"{signal.category}{acute}\n  {message.text}"
        )
    print(f"\n# Still missed: {len(missed)} of {len(messages)} held-out crisis messages; ten of them:\n")
    for message, report in missed[:: max(1, len(missed) // 10)][:10]:
        score = report.scores.crisis if report.scores else 0.0
        print(f"- {message.id} [{message.label}, {message.lang}] classifier {score:.3f}, margin "
              f"{margin(report):.3f}\n  {message.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
