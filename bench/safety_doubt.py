"""Where to doubt a pattern hit: crisis and calm pattern hits by the classifier's score (safety.pattern_doubt_below).

A crisis pattern that fires on a message the classifier reads as calm ("does the school have a suicide
protocol?") raises a doubtful alarm: the help lines first, then the school question is answered. This
prints, per cut, how many calm and how many crisis pattern hits would be doubted (hits that saw danger
or an acute signal are never doubted). Choose on ``--split train``; ``test`` only reports.
Usage: .venv/bin/python bench/safety_doubt.py [--split train|test] [--cuts 0.3 0.5 0.7]
"""

from __future__ import annotations

import argparse

import numpy as np

from bot.intents import strip_injection
from bot.safety.commands import detector, load_set
from bot.safety.dataset import CRISIS_LABELS
from bot.settings import load_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="train", choices=["train", "test", "all"])
    parser.add_argument("--cuts", nargs="+", type=float, default=[0.2, 0.3, 0.4, 0.5, 0.7, 0.9])
    args = parser.parse_args()
    settings = load_settings(None)
    check = detector(settings)
    if check.model is None:
        print("the classifier is off: nothing to doubt with")
        return 1
    labels, scores, thresholds, ids = [], [], [], []
    for m in load_set(settings, args.split):
        found = {h.category for h in check.patterns.search(m.text)}
        if not found & set(CRISIS_LABELS) or "danger" in found or "acute" in found:
            continue
        report = check.inspect(m.text)
        read, _ = strip_injection(m.text)
        labels.append(m.label)
        scores.append(report.scores.crisis if report.scores is not None else -1.0)
        thresholds.append(check.model.threshold_for(read))
        ids.append(m.id)
    lab, sc = np.array(labels), np.array(scores)
    crisis, calm = np.isin(lab, list(CRISIS_LABELS)), lab == "none"
    print(f"# {args.split} split: {len(ids)} pattern hits without danger or acute signals "
          f"({crisis.sum()} crisis, {calm.sum()} calm); now doubted below {settings.safety.pattern_doubt_below}")
    print("\n| doubt below | calm doubted | crisis doubted |\n| --- | --- | --- |")
    for cut in args.cuts:
        doubted = sc < cut
        print(f"| {cut:.2f} | {doubted[calm].sum()} of {calm.sum()} | {doubted[crisis].sum()} of {crisis.sum()} |")
    doubted = sc < np.array(thresholds)
    print(f"| the alarm threshold | {doubted[calm].sum()} of {calm.sum()} "
          f"| {doubted[crisis].sum()} of {crisis.sum()} |")
    low = sorted((s, i) for s, i, is_crisis in zip(scores, ids, crisis, strict=True) if is_crisis and s < 1.0)
    if low:
        print("\ncrisis pattern hits scored below 1.0:", ", ".join(f"{i} ({s:.2f})" for s, i in low))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
