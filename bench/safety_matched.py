"""Two sets of crisis-check weights at matched operating points: does a retrain rank better, or only move?

``bench/safety_compare.py`` compares two models each at its own threshold, so a retrain that only moves
the threshold looks like a trade (more recall, more false alarms). This script shifts both thresholds by
the same offsets and prints, per recall level, the lowest false-alarm rate each model reaches on the same
messages (patterns always fire; the classifier fires when its margin past its alarm, SafetyModel.margin, is at
least the offset). Equal rows mean the retrain learnt nothing new about the order of the messages.
Usage: .venv/bin/python bench/safety_matched.py --before REV [--after DIR] [--split test]
(``--after``: a folder holding model.json, model.npz, model-chars.npz and tuned.npz when the weights use it;
default: the working copy's weights)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from safety_compare import weights_of

from bot.safety.commands import detector, load_set
from bot.safety.dataset import CRISIS_LABELS, SafetyMessage
from bot.safety.detector import SafetyCheck
from bot.settings import load_settings

RECALL_LEVELS = (0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96)
OFFSETS = np.linspace(-0.6, 0.6, 241)


def margins(check: SafetyCheck, messages: list[SafetyMessage]) -> tuple[np.ndarray, np.ndarray]:
    """Per message: did a crisis pattern fire, and how far the classifier's scores are past its alarm
    (``SafetyModel.margin``: the summed score past its threshold, or the safety net's score past its own)."""
    assert check.model is not None, "the classifier is off: no margins to compare"
    fired, margin = [], []
    for m in messages:
        report = check.inspect(m.text)
        fired.append(any(h.category in CRISIS_LABELS for h in report.hits))
        margin.append(report.margin if report.margin is not None else -np.inf)
    return np.array(fired), np.array(margin)


Point = tuple[float, float, float]


def curve(fired: np.ndarray, margin: np.ndarray, crisis: np.ndarray, calm: np.ndarray) -> list[Point]:
    """(offset, recall, false alarms) for every offset."""
    out = []
    for offset in OFFSETS:
        alarm = fired | (margin >= offset)
        out.append((float(offset), float(alarm[crisis].mean()), float(alarm[calm].mean())))
    return out


def lowest_false_alarms(points: list[Point], recall: float) -> float:
    reached = [fa for _, r, fa in points if r >= recall]
    return min(reached) if reached else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="commit whose knowledge/safety/model*.json|npz to compare")
    parser.add_argument("--after", type=Path, help="folder with other weights (default: the working copy's)")
    parser.add_argument("--split", default="test", choices=["test", "train", "all"])
    args = parser.parse_args()
    settings = load_settings(None)
    messages = load_set(settings, args.split)
    labels = np.array([m.label for m in messages])
    crisis, calm = np.isin(labels, list(CRISIS_LABELS)), labels == "none"
    now = detector(settings)
    if args.after:
        after_settings = settings.model_copy(
            update={"paths": settings.paths.model_copy(update={"safety_dir": args.after.resolve()})}
        )
        now = detector(after_settings, embedder=now.embedder)
    with weights_of(settings, args.before, now) as before_check:
        before = curve(*margins(before_check, messages), crisis, calm)
    after = curve(*margins(now, messages), crisis, calm)
    print(f"# {len(messages)} messages of the {args.split} split: weights of {args.before} vs "
          f"{args.after or 'the working copy'}, at matched recall")
    for name, points in (("before", before), ("after", after)):
        _, recall, fa = min(points, key=lambda p: abs(p[0]))
        print(f"{name} at its own threshold: recall {recall:.3f}, false alarms {fa:.3f}")
    print("\n| recall at least | false alarms before | false alarms after |\n| --- | --- | --- |")
    for level in RECALL_LEVELS:
        print(f"| {level:.2f} | {lowest_false_alarms(before, level):.3f} | {lowest_false_alarms(after, level):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
