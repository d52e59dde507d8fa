"""Out-of-fold false alarms of the crisis score's weights, with folds by message and folds by batch.

The crisis score of a window is the label head's probability + ``knn_weight`` x the nearest-example margin,
plus ``char_weight`` x the character head's probability of the message's most alarming window. This trains
the heads five times on the train split (each time without one fold), keeps every held-out window's three
parts, and prints the mean false-alarm share over recall 0.80-0.92 (patterns OR score) for a grid of
weights. Folds by batch hold whole batches (``arg-0003`` is batch g), so each fold is scored by heads that
never saw its authors: the closer copy of a hidden set. Takes about ten minutes (the embeddings dominate).
Usage: .venv/bin/python bench/safety_weights.py [--config config.yaml] > bench/results/safety-weights.txt
"""

from __future__ import annotations

import argparse

import numpy as np
from safety_compare import batch_of

from bot.safety import classifier as K
from bot.safety.commands import PATTERNS_FILE, features, load_set, model_path, ordinary_questions
from bot.safety.dataset import CRISIS_LABELS
from bot.safety.detector import SafetyCheck
from bot.settings import load_settings

RECALLS = (0.80, 0.85, 0.88, 0.90, 0.92)
GRID = ((1.0, 0.25), (2.0, 0.5), (3.0, 0.5), (4.0, 0.5), (6.0, 0.5), (3.0, 0.75), (3.0, 1.0))


def oof_parts(items: list, ordinary: list[str], extra: list, owners: np.ndarray, fold_of: np.ndarray,
              c: float) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Per message, from heads that did not see its fold: window probabilities, margins, char score."""
    out: list = [None] * len(items)
    extra_fold = owners % 5
    cols = None
    for f in range(5):
        train = [it for i, it in enumerate(items) if fold_of[i] != f]
        fold_extra = [v for j, v in enumerate(extra) if extra_fold[j] != f]
        head = K.fit_label_head(train, c, fold_extra, 0.2)
        reference = K.build_reference(train, fold_extra, 1.0)
        chars = K._char_head(train, [q for j, q in enumerate(ordinary) if j % 5 != f], 0.2, 10.0)
        cols = [head.classes.index(k) for k in CRISIS_LABELS]
        for i in np.flatnonzero(fold_of == f):
            it = items[i]
            proba = head.proba(it.vectors)[:, cols].sum(axis=1)
            margin = reference.margin(it.vectors) if reference is not None else np.zeros(len(proba))
            out[i] = (proba, margin, float(chars.proba(it.texts or [it.message.text]).max()))
    return out


def false_alarms(parts: list, knn: float, char: float, crisis: np.ndarray, calm: np.ndarray,
                 by_patterns: np.ndarray) -> list[float]:
    score = np.array([(p + knn * m).max() + char * ch for p, m, ch in parts])
    score = np.where(by_patterns, np.inf, score)
    return [float((score[calm] >= np.quantile(score[crisis], 1 - r)).mean()) for r in RECALLS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config.yaml")
    args = parser.parse_args()
    settings = load_settings(args.config)
    messages = load_set(settings, "train")
    embed = features(settings)
    items = K.embed_messages(messages, embed.queries)
    ordinary = ordinary_questions(settings)
    extra, owner = [], []
    for q, text in enumerate(ordinary):
        vectors = np.asarray(embed.queries(K.windows(text)), dtype=np.float32)
        extra.extend(vectors)
        owner.extend([q] * len(vectors))
    owners = np.asarray(owner, int)
    patterns = SafetyCheck.load(PATTERNS_FILE, model_path(settings), None)
    crisis = np.array([it.message.is_crisis for it in items])
    calm = np.array([it.message.label == "none" for it in items])
    by_patterns = np.array([patterns.quick(it.message.text) for it in items])
    by_message = np.empty(len(items), int)
    by_message[np.random.default_rng(13).permutation(len(items))] = np.arange(len(items)) % 5
    batches = sorted({batch_of(it.message) for it in items})
    by_batch = np.array([batches.index(batch_of(it.message)) % 5 for it in items])
    print(f"# train split: {len(items)} messages, {int(crisis.sum())} crisis, {int(calm.sum())} calm; "
          f"embedder {embed.name}; c {settings.safety.c}")
    print(f"# mean out-of-fold false alarms over recall {RECALLS[0]}-{RECALLS[-1]} (patterns OR score)")
    results = {}
    for name, folds in (("by batch", by_batch), ("by message", by_message)):
        parts = oof_parts(items, ordinary, extra, owners, folds, settings.safety.c)
        results[name] = {w: false_alarms(parts, *w, crisis, calm, by_patterns) for w in GRID}
    print("\n| knn / char weight | by batch | by message |\n|---|---|---|")
    for w in GRID:
        print(f"| {w[0]} / {w[1]} | {np.mean(results['by batch'][w]):.1%} | {np.mean(results['by message'][w]):.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
