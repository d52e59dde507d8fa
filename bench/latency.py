"""Answer latency and memory: warm p50/p95 per question for each retriever, cold start of `ask`, peak RSS.

Runs every dev-set question through ``Service.ask`` (the path every channel uses) after a warm-up,
once per retriever, and times a fresh ``ouderwijzer ask`` process for the cold start. Reports, never
asserts: numbers depend on the machine and on what else it is doing.

Usage: python bench/latency.py [--config config.yaml] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.evaluation import load_cases  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))], 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the dev set per retriever")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = load_settings(args.config)
    cases = load_cases(settings.paths.eval_set)

    t0 = time.perf_counter()
    service = Service(settings)
    service.ensure_index()
    service.warm_up()
    warm_up_s = time.perf_counter() - t0

    rows = {}
    for retriever in ("hybrid", "dense", "bm25", "naive"):
        service.ask("warm-up", retriever=retriever, audit=False)
        times: list[float] = []
        for _ in range(args.repeat):
            for case in cases:
                service.embedder.clear_cache()  # every pass computes every embedding again
                if service.safety.embedder is not None:
                    service.safety.embedder.clear_cache()
                started = time.perf_counter()
                service.ask(case.question, retriever=retriever, audit=False)
                times.append((time.perf_counter() - started) * 1000)
        rows[retriever] = {
            "p50_ms": _pct(times, 50),
            "p95_ms": _pct(times, 95),
            "mean_ms": round(statistics.fmean(times), 1),
            "n": len(times),
        }
    # What the crisis classifier adds per message: the safety check with and without it.
    safety: dict[str, float] = {}
    patterns_only = type(service.safety)(service.safety.patterns, None, None)
    for name, check in (("patterns", patterns_only), ("patterns+classifier", service.safety)):
        spent: list[float] = []
        for case in cases:
            service.embedder.clear_cache()
            if check.embedder is not None:
                check.embedder.clear_cache()  # the second encoder's memory too
            started = time.perf_counter()
            check.inspect(case.question)
            spent.append((time.perf_counter() - started) * 1000)
        safety[name] = _pct(spent, 50)
        safety[f"{name}_p95"] = _pct(spent, 95)
    peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    cold: list[float] = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bot.cli",
                *(["--config", args.config] if args.config else []),
                "ask",
                "wat is een tlv?",
            ],
            capture_output=True,
            check=True,
            cwd=REPO,
        )
        cold.append(time.perf_counter() - started)

    result = {
        "warm": rows,
        "safety_check_ms": safety,
        "peak_rss_mb": peak_mb,
        "service_load_s": round(warm_up_s, 2),
        "cold_ask_s": {"min": round(min(cold), 2), "median": round(statistics.median(cold), 2)},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'retriever':10} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'n':>5}")
    for name, row in rows.items():
        print(f"{name:10} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['mean_ms']:>8} {row['n']:>5}")
    print(
        f"safety check p50/p95: patterns {safety['patterns']}/{safety['patterns_p95']} ms, with classifier "
        f"{safety['patterns+classifier']}/{safety['patterns+classifier_p95']} ms"
    )
    print(f"service load + warm-up: {result['service_load_s']} s; peak RSS: {peak_mb} MB")
    print(f"cold `ouderwijzer ask`: min {result['cold_ask_s']['min']} s, median {result['cold_ask_s']['median']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
