"""The crisis check before and after a retrain, on the same messages: the test split, per batch.

The committed model is compared with the weights of an earlier commit (``--before REV``), both run over
the same messages (default: the test split), so a change of split or data cannot pass for a better
detector. Per batch (``ar-g`` is batch g), per language and per category: crisis recall and false
alarms on the calm messages.
Usage: .venv/bin/python bench/safety_compare.py --before 16eaf02 [--split test] [--out FILE]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.safety.classifier import SafetyModel
from bot.safety.commands import detector, load_set
from bot.safety.dataset import SafetyMessage
from bot.safety.detector import SafetyCheck
from bot.safety.evaluate import SafetyEval, evaluate
from bot.safety.features import SafetyFeatures
from bot.settings import Settings, load_settings

MODEL_FILES = ("model.json", "model.npz", "model-chars.npz")
TUNED_FILES = ("tuned.npz", "tuned-oof.json")


def batch_of(message: SafetyMessage) -> str:
    """The batch letter in an id such as ``arg-0003`` (the first batch has none: ``a``)."""
    prefix = message.id.split("-")[0]
    return prefix[2:] or "a"


@contextmanager
def weights_of(settings: Settings, rev: str, now: SafetyCheck) -> Iterator[SafetyCheck]:
    """A crisis check with the weights committed at ``rev``, sharing the embedder of ``now`` (loaded once).
    Weights from before the second encoder read the embedder's vectors alone."""
    with tempfile.TemporaryDirectory() as tmp:
        old_dir = Path(tmp)
        for name in (*MODEL_FILES, *TUNED_FILES):
            blob = subprocess.run(["git", "show", f"{rev}:knowledge/safety/{name}"], capture_output=True,
                                  check=name in MODEL_FILES)
            if blob.returncode == 0:  # weights from before the fine-tuned encoder have no tuned layers
                (old_dir / name).write_bytes(blob.stdout)
        (old_dir / "messages").symlink_to(settings.paths.safety_dir.resolve() / "messages")
        old_settings = settings.model_copy(update={"paths": settings.paths.model_copy(update={"safety_dir": old_dir})})
        embedder = now.embedder
        old_name = SafetyModel.load(old_dir / "model.json").embedder
        same = embedder is not None and old_name == embedder.name
        old_embedder = embedder if same else SafetyFeatures(embedder.primary) if embedder else None
        yield detector(old_settings, embedder=old_embedder)


def figures(result: SafetyEval, key: Callable[[SafetyMessage], str]) -> dict[str, tuple[str, str]]:
    """Per group: crisis recall (found/n) and false alarms (fired/n) on the calm messages."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in result.results:
        g = found[key(r.message)]
        fired = r.report.signal is not None
        if r.message.is_crisis:
            g[0] += fired
            g[1] += 1
        elif r.message.label == "none":
            g[2] += fired
            g[3] += 1
    return {k: (f"{v[0] / v[1]:.3f}" if v[1] else "-", f"{v[2] / v[3]:.3f}" if v[3] else "-") for k, v in found.items()}


def table(title: str, before: SafetyEval, after: SafetyEval, key: Callable[[SafetyMessage], str]) -> list[str]:
    b, a = figures(before, key), figures(after, key)
    lines = [f"## {title}", "", "| group | recall before | recall now | false alarms before | false alarms now |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {k} | {b[k][0]} | {a[k][0]} | {b[k][1]} | {a[k][1]} |" for k in sorted(a)]
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="commit whose knowledge/safety/model*.json|npz to compare")
    parser.add_argument("--split", default="test", choices=["test", "train", "all"])
    parser.add_argument("--out", type=Path, help="also write the report here")
    args = parser.parse_args()
    settings = load_settings(None)
    messages = load_set(settings, args.split)
    after_check = detector(settings)
    with weights_of(settings, args.before, after_check) as before_check:
        before = evaluate(messages, before_check.inspect)
    after = evaluate(messages, after_check.inspect)
    (recall_before, alarms_before), (recall_now, alarms_now) = (
        figures(result, lambda m: "all")["all"] for result in (before, after)
    )
    lines = [f"# Crisis check on the {args.split} split ({len(messages)} messages): weights of {args.before} vs now",
             "", f"all: recall {recall_before} -> {recall_now}, false alarms {alarms_before} -> {alarms_now}", ""]
    lines += table("per batch", before, after, batch_of)
    lines += table("per language", before, after, lambda m: m.lang)
    lines += table("per category (recall) / calm (false alarms)", before, after,
                   lambda m: m.label if m.is_crisis or m.label == "none" else "misuse")
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
