"""Load test of POST /api/ask: N concurrent clients for a bounded time, 127.0.0.1 only.

Starts `ouderwijzer serve` on a free loopback port (or uses --url, which must be on 127.0.0.1),
then for each N in --clients runs N clients that each ask dev-set questions in a loop until
--seconds have passed or --max-requests are done. Reports throughput, p50/p95/p99 latency, errors
and the server's peak memory (VmHWM). Each client has its own session id; the rate limit is raised
for the run so it measures answering, not the limiter. Numbers are reported, never asserted.

Usage: python bench/load.py [--clients 1,10,50] [--seconds 30] [--max-requests 5000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import yaml

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))], 1)


def _peak_rss_mb(pid: int) -> float:
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return round(total, 1)


async def _client(
    base: str, questions: list[str], deadline: float, budget: list[int], n: int
) -> tuple[list[float], int]:
    times: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        i = n
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            question = questions[i % len(questions)]
            i += 1
            started = time.perf_counter()
            try:
                resp = await client.post("/api/ask", json={"question": question, "session_id": f"load-{n}-{i}"})
                if resp.status_code != 200:
                    errors += 1
                    continue
            except httpx.HTTPError:
                errors += 1
                continue
            times.append((time.perf_counter() - started) * 1000)
    return times, errors


async def run_level(
    base: str, questions: list[str], clients: int, seconds: float, max_requests: int
) -> dict[str, float]:
    deadline = time.monotonic() + seconds
    budget = [max_requests]
    started = time.perf_counter()
    results = await asyncio.gather(*[_client(base, questions, deadline, budget, n) for n in range(clients)])
    elapsed = time.perf_counter() - started
    times = [t for ts, _ in results for t in ts]
    errors = sum(e for _, e in results)
    return {
        "clients": clients,
        "requests": len(times),
        "errors": errors,
        "seconds": round(elapsed, 1),
        "throughput_rps": round(len(times) / elapsed, 2) if elapsed else 0.0,
        "p50_ms": _pct(times, 50),
        "p95_ms": _pct(times, 95),
        "p99_ms": _pct(times, 99),
        "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--url", default=None, help="an already running server on 127.0.0.1")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-cache", action="store_true", help="turn the answer cache off (every ask is computed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    questions = [c["question"] for c in yaml.safe_load((REPO / "knowledge/eval/dev.yaml").read_text(encoding="utf-8"))]
    proc = None
    if args.url:
        host = urlparse(args.url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("bench/load.py only drives servers on this machine (127.0.0.1)")
        base = args.url
    else:
        port = _free_port()
        env = {
            **os.environ,
            "OUDERWIJZER_SERVER__RATE_LIMIT_PER_MINUTE": "100000",
            # Every client comes from 127.0.0.1 here: lift the per-address caps that protect parents from
            # one flooding client, so the bench measures throughput, not the fairness gate.
            "OUDERWIJZER_SERVER__IP_ALLOWANCE": "1000",
            "OUDERWIJZER_SERVER__QUEUE_SIZE": "1000",
            "OUDERWIJZER_SERVER__QUEUE_WAIT_SECONDS": "120",
            "OUDERWIJZER_SERVER__WORKERS": str(args.workers),
            "OUDERWIJZER_SERVER__ANSWER_CACHE_SIZE": "0"
            if args.no_cache
            else os.environ.get("OUDERWIJZER_SERVER__ANSWER_CACHE_SIZE", "256"),
            # --no-cache: every answer computed from scratch, its embeddings too (the questions repeat).
            "OUDERWIJZER_EMBEDDER__QUERY_CACHE": "0" if args.no_cache else "2048",
            "HF_HUB_OFFLINE": "1",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            proc.terminate()
            sys.exit("the server did not become ready")
    rows = []
    try:
        for level in [int(x) for x in args.clients.split(",")]:
            row = asyncio.run(run_level(base, questions, level, args.seconds, args.max_requests))
            if proc is not None:
                row["server_peak_rss_mb"] = _peak_rss_mb(proc.pid)
            rows.append(row)
            if not args.json:
                print(json.dumps(row))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'clients':>7} {'req':>6} {'err':>4} {'rps':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'rss MB':>7}")
        for r in rows:
            print(
                f"{r['clients']:>7} {r['requests']:>6} {r['errors']:>4} {r['throughput_rps']:>7} {r['p50_ms']:>8} "
                f"{r['p95_ms']:>8} {r['p99_ms']:>8} {r.get('server_peak_rss_mb', '-'):>7}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
