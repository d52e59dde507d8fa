"""Fine-tuning the crisis encoder (``ouderwijzer safety tune``): every layer of e5-small and a six-label head.

Training rows are the classifier's (see ``classifier._instances``): every window of a calm message, the most
alarming window of a long alarming one (chosen by the current logistic head), and the answer units'
ordinary questions as extra calm rows at a lower weight. Labels are weighted so each counts equally.

The alarm threshold of the whole check is chosen on out-of-fold scores, so the tuned part needs them too:
the train split is cut in ``folds`` parts (by message, fixed seed), a network is fine-tuned on all but one
and scores the one left out, and a last network is fine-tuned on everything. Out-of-fold networks see
less data than the last one, so their scores are a little low and the threshold they give errs towards
more alarms, which is the side this check should err on. Needs torch (installed with
sentence-transformers); on two CPU cores two folds and the last run take about three quarters of an hour.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.safety.classifier import assign_folds, windows
from bot.safety.dataset import SafetyMessage
from bot.safety.encoder import HEAD_LABELS, TunedEncoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TuneSettings:
    epochs: int = 4
    lr: float = 4e-5  # the layers
    head_lr: float = 2e-3
    batch: int = 32
    ordinary_weight: float = 0.2
    seed: int = 0


@dataclass
class Rows:
    texts: list[str]
    labels: list[int]
    weights: list[float]


def rows_for(messages: Sequence[SafetyMessage], chosen: dict[str, int], ordinary: Sequence[str],
             ordinary_weight: float) -> Rows:
    """Training rows: see the module docstring (``chosen``: message id -> index of its alarming window)."""
    rows = Rows([], [], [])
    for m in messages:
        parts = windows(m.text)
        picked = parts if m.label == "none" else [parts[chosen.get(m.id, 0)] if len(parts) > 1 else parts[0]]
        for text in picked:
            rows.texts.append(text)
            rows.labels.append(HEAD_LABELS.index(m.label))
            rows.weights.append(1.0)
    for question in ordinary:
        for text in windows(question):
            rows.texts.append(text)
            rows.labels.append(0)
            rows.weights.append(ordinary_weight)
    return rows


def fine_tune(encoder: TunedEncoder, rows: Rows, settings: TuneSettings,
              progress: Callable[[str], None] = log.info) -> None:
    """Train every layer and the head of ``encoder`` on ``rows`` (in place)."""
    import torch
    from torch.nn import functional

    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    encoder.head.reset_parameters()
    labels = np.asarray(rows.labels)
    weights = np.asarray(rows.weights)
    counts = np.array([weights[labels == k].sum() for k in range(len(HEAD_LABELS))])
    balance = counts.sum() / (len(HEAD_LABELS) * np.maximum(counts, 1e-9))
    sample = torch.tensor(weights * balance[labels], dtype=torch.float32)
    target = torch.tensor(labels)
    ids = encoder.encode(rows.texts)
    lengths = np.array([len(x) for x in ids])
    layer_params = list(encoder.layers.parameters())
    optimiser = torch.optim.AdamW([{"params": layer_params, "lr": settings.lr},
                                   {"params": list(encoder.head.parameters()), "lr": settings.head_lr}],
                                  weight_decay=0.01)
    per_epoch = math.ceil(len(ids) / settings.batch)
    steps = settings.epochs * per_epoch
    warmup = max(1, int(0.06 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps))
    encoder.train()
    start = time.time()
    for epoch in range(settings.epochs):
        # Batches of similar length waste less on padding; their order is shuffled.
        order = rng.permutation(len(ids))
        pools = [order[i : i + settings.batch * 50] for i in range(0, len(order), settings.batch * 50)]
        batches = []
        for pool in pools:
            pool = pool[np.argsort(lengths[pool], kind="stable")]
            batches.extend(pool[i : i + settings.batch] for i in range(0, len(pool), settings.batch))
        total = 0.0
        for b in (batches[i] for i in rng.permutation(len(batches))):
            logits = encoder.logits([ids[i] for i in b])
            loss = (functional.cross_entropy(logits, target[b], reduction="none") * sample[b]).sum() / sample[b].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(b)
        progress(f"epoch {epoch + 1}/{settings.epochs}: loss {total / len(ids):.4f} ({time.time() - start:.0f} s)")
    encoder.eval()


def message_crisis(encoder: TunedEncoder, text: str) -> float:
    """A message's tuned crisis score: the crisis probability of its most alarming window."""
    parts = windows(text)
    return float(encoder.crisis_proba(parts).max()) if parts else 0.0


def tune(messages: Sequence[SafetyMessage], ordinary: Sequence[str], chosen: dict[str, int], *,
         folds: int = 2, settings: TuneSettings | None = None, threads: int = 2,
         progress: Callable[[str], None] = log.info) -> tuple[TunedEncoder, dict[str, float]]:
    """The fine-tuned encoder (trained on all ``messages``) and each message's out-of-fold tuned score."""
    settings = settings or TuneSettings()
    fold = assign_folds(len(messages), folds)
    oof: dict[str, float] = {}
    for f in range(folds):
        progress(f"fold {f + 1}/{folds}")
        encoder = TunedEncoder(threads=threads)
        train = [m for m, k in zip(messages, fold, strict=True) if k != f]
        fine_tune(encoder, rows_for(train, chosen, [q for j, q in enumerate(ordinary) if j % folds != f],
                                    settings.ordinary_weight), settings, progress)
        for m, k in zip(messages, fold, strict=True):
            if k == f:
                oof[m.id] = round(message_crisis(encoder, m.text), 5)
    progress("all messages")
    encoder = TunedEncoder(threads=threads)
    fine_tune(encoder, rows_for(messages, chosen, ordinary, settings.ordinary_weight), settings, progress)
    return encoder, oof
