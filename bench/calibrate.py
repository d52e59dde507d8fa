"""Where `answer.min_question_similarity` and `answer.min_scope_margin` come from.

Leave-one-out over the answer units' question banks: every question is taken out of its unit's bank
in turn (the centre is recomputed without it) and matched as a new parent question would be. A match
counts as right when it is its own unit or a unit written from the same facts (several units answer
the same question in other words). Off-topic questions that were never indexed (the held-out third of
knowledge/scope/offtopic.yaml) show how often the scope check lets an out-of-scope question in.
Usage: .venv/bin/python bench/calibrate.py [--config config.yaml] [--sample 800]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.service import Service
from bot.settings import load_settings
from ingest.units import load_offtopic

SCORES: tuple[float, ...] = (0.0,)  # (0.0,): take the 2/5/10/15% quantiles of the right matches
MARGINS = (0.0, 0.02, 0.025, 0.03, 0.04)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None)
    parser.add_argument("--sample", type=int, default=800)
    parser.add_argument("--weights", help="centroid,question,text weights to try instead of the settings")
    args = parser.parse_args()
    settings = load_settings(args.config)
    if args.weights:
        c, q, t = (float(x) for x in args.weights.split(","))
        settings.retrieval.unit_centroid_weight, settings.retrieval.unit_question_weight = c, q
        settings.retrieval.unit_text_weight = t
    service = Service(settings)
    service.ensure_index()
    retr = service.retriever()
    r = settings.retrieval
    cw, qw, w = r.unit_centroid_weight, r.unit_question_weight, r.unit_text_weight
    V = retr.question_vectors
    rows = np.array([retr.unit_ids.index(u) for u in retr.question_unit])
    texts = np.array(retr.question_texts)
    sums = np.zeros_like(retr.centroids)
    for vec, r in zip(V, rows, strict=True):
        sums[r] += vec
    units = [retr.units[u] for u in retr.unit_ids]

    def same_answer(a: int, b: int) -> bool:
        return a == b or bool(set(units[a].facts) & set(units[b].facts))

    random.seed(7)
    picked = random.sample(range(len(V)), min(args.sample, len(V)))
    best, scope, right = [], [], []
    for i in picked:
        q = V[i]
        left = sums.copy()
        mask = texts != texts[i]
        for j in np.where(~mask)[0]:
            left[rows[j]] -= V[j]
        cent = left / np.maximum(np.linalg.norm(left, axis=1, keepdims=True), 1e-9)
        near = np.full(len(units), -1.0)
        np.maximum.at(near, rows[mask], V[mask] @ q)
        score = cw * (cent @ q) + qw * near + w * (retr.unit_vectors @ q)
        top = int(np.argmax(score))
        off = float((retr.offtopic_vectors @ q).max()) if len(retr.offtopic_vectors) else -1.0
        best.append(score[top])
        scope.append(float((V[mask] @ q).max()) - off)
        right.append(same_answer(top, int(rows[i])))
    best_a, scope_a, right_a = np.array(best), np.array(scope), np.array(right)
    _, held = load_offtopic(settings.paths.offtopic)
    off_vec = service.embedder.queries(held) if held else np.zeros((0, V.shape[1]))
    if held:
        near_off = np.full((len(held), len(units)), -1.0)
        for k, row in enumerate(off_vec @ V.T):
            np.maximum.at(near_off[k], rows, row)
        off_best = (cw * (off_vec @ retr.centroids.T) + qw * near_off + w * (off_vec @ retr.unit_vectors.T)).max(axis=1)
    else:
        off_best = np.zeros(0)
    off_scope = ((off_vec @ V.T).max(axis=1) - (off_vec @ retr.offtopic_vectors.T).max(axis=1)) if held else np.zeros(0)
    print(f"{len(picked)} of {len(V)} bank questions left out one by one; {len(held)} held-out off-topic questions")
    print(f"top-1 right (own unit or same facts), no threshold: {right_a.mean():.3f}")
    print("min_score  min_margin  right  wrong  refused  offtopic_let_in")
    scores = SCORES if SCORES != (0.0,) else tuple(np.round(np.quantile(best_a[right_a], [0.02, 0.05, 0.1, 0.15]), 3))
    for t in scores:
        for m in MARGINS:
            taken = (best_a >= t) & (scope_a >= m)
            let_in = float(np.mean((off_best >= t) & (off_scope >= m))) if held else float("nan")
            print(
                f"{t:9.2f}  {m:10.2f}  {np.mean(taken & right_a):.3f}  {np.mean(taken & ~right_a):.3f}"
                f"  {np.mean(~taken):.3f}    {let_in:.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
