"""Command line: ``ouderwijzer ingest | sources | ask | chat | eval | serve | telegram``.

Each command parses its arguments and calls one core function; output formatting lives here.
Errors meant for people (``OuderwijzerError``) are printed as one line; anything else is a bug and is
logged with its traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.errors import OuderwijzerError
from bot.logs import setup_logging
from bot.settings import Settings, load_settings

log = logging.getLogger("ouderwijzer")


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


# ----- commands -------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the index in line with the knowledge folder."""
    from ingest.pipeline import ingest

    progress: Any = None
    task: Any = None
    if sys.stderr.isatty() and not args.quiet:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(
            TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True
        )

    def on_start(total: int) -> None:
        nonlocal task
        if progress is not None and total:
            progress.start()
            task = progress.add_task("embed", total=total)

    def on_progress(n: int) -> None:
        if progress is not None and task is not None:
            progress.advance(task, n)

    try:
        report = ingest(
            settings, rebuild=args.rebuild, on_start=on_start, on_progress=on_progress, write_seed=args.write_seed
        )
    finally:
        if progress is not None:
            progress.stop()
    for warning in report.warnings:
        _err(f"warning: {warning}")
    for error in report.errors:
        _err(f"error: {error}")
    if args.json:
        _out(
            json.dumps(
                {
                    "documents": report.documents,
                    "units": report.units,
                    "questions": report.questions,
                    "chunks_added": report.chunks_added,
                    "chunks_reused": report.chunks_reused,
                    "seed_hits": report.seed_hits,
                    "chunks_kept": report.chunks_kept,
                    "chunks_removed": report.chunks_removed,
                    "chunks_total": report.chunks_total,
                    "errors": [str(e) for e in report.errors],
                    "warnings": report.warnings,
                    "seconds": round(report.seconds, 2),
                    "chunks_per_second": round(report.chunks_per_second, 2),
                    "chunks_per_document": report.chunks_per_document,
                    "collection": report.collection,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        _out(
            f"{report.documents} documents, {report.units} answer units ({report.questions} questions): "
            f"{report.chunks_added} chunks added ({report.chunks_reused} with a stored embedding), "
            f"{report.chunks_kept} kept, {report.chunks_removed} removed ({report.chunks_total} in the index); "
            f"{len(report.errors)} errors; {report.seconds:.1f} s"
            + (f" ({report.chunks_per_second:.1f} chunks/s embedded)" if report.chunks_added else "")
        )
    return 1 if report.errors else 0


def _service(settings: Settings) -> Any:
    from bot.service import Service

    service = Service(settings)
    service.ensure_index(notify=_err)
    return service


def cmd_sources(args: argparse.Namespace, settings: Settings) -> int:
    """List the documents and cards in the index with their dates; --stale lists only the outdated."""
    from bot.sources import list_sources

    service = _service(settings)
    rows = list_sources(service, stale_only=args.stale)
    if args.json:
        _out(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        _out("No stale sources." if args.stale else "The index is empty.")
        return 0
    for r in rows:
        flag = f"  [STALE: {r.stale_reason}]" if r.stale else ""
        _out(f"{r.id}  ({r.kind}, {r.chunks} chunks){flag}")
        _out(
            f"    {r.title} | {r.publisher or '-'} | {r.published or 'no date'}"
            + (f" | review by {r.review_by}" if r.review_by else "")
        )
        if r.url:
            _out(f"    {r.url}")
    return 0


def _print_answer(result: Any, *, debug: bool) -> None:
    from bot.render import render_plain

    _out(render_plain(result.answer))
    if debug:
        _out("")
        _out(f"decision: {result.decision} | retriever: {result.retriever} | timings ms: {result.timings_ms}")
        if result.query is not None:
            _out(f"search: {result.query.dense_text!r}")
            if result.query.corrections:
                _out(f"typo repairs: {result.query.corrections}")
        if result.evidence is not None:
            _out(f"evidence: {result.evidence.as_dict()}")
        for i, p in enumerate(result.passages, start=1):
            scores = " ".join(f"{k}={v}" for k, v in p.scores.items())
            ranks = " ".join(f"{k}#{v}" for k, v in p.ranks.items())
            _out(f"  {i:>2}. {p.meta.id} [{p.chunk.heading or '-'}] {scores} ({ranks})")
            _out(f"      {p.chunk.text[:160]!r}")


def _answer_json(result: Any) -> str:
    data = result.answer.model_dump()
    return json.dumps(data, ensure_ascii=False, indent=2)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer one question."""
    service = _service(settings)
    question = " ".join(args.question) if args.question else sys.stdin.read()
    result = service.ask(question, lang=args.lang, retriever=args.retriever)
    if args.json:
        payload = json.loads(_answer_json(result))
        if args.debug:
            payload["debug"] = {
                "decision": result.decision,
                "evidence": result.evidence.as_dict() if result.evidence else None,
                "passages": [
                    {
                        "source_id": p.meta.id,
                        "chunk_id": p.chunk.id,
                        "scores": p.scores,
                        "ranks": p.ranks,
                        "text": p.chunk.text,
                    }
                    for p in result.passages
                ],
                "timings_ms": result.timings_ms,
            }
        _out(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        _print_answer(result, debug=args.debug)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """A terminal conversation that keeps context (type 'stop' or Ctrl-D to end)."""
    service = _service(settings)
    service.warm_up()
    history: list[str] = []
    lang = args.lang
    _out("Ouderwijzer: stel uw vraag over passend onderwijs. Typ 'stop' om te stoppen.")
    while True:
        try:
            line = input("u> ")
        except (EOFError, KeyboardInterrupt):
            _out("")
            return 0
        if line.strip().lower() in ("stop", "exit", "quit", "doei"):
            return 0
        result = service.ask(line, history=history, lang=lang)
        _print_answer(result, debug=args.debug)
        _out("")
        if line.strip():
            history.append(line)
            history = history[-settings.retrieval.history_turns - 2 :]


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run an eval set and print the metrics (and failures)."""
    from bot.evaluation import format_table, load_cases, run_eval

    cases = load_cases(Path(args.set) if args.set else settings.paths.eval_set)
    service = _service(settings)
    names = ["dense", "bm25", "hybrid", "naive"] if args.retriever == "all" else [args.retriever]
    reports = [run_eval(service, cases, retriever=name) for name in names]

    def payload(report: Any) -> dict[str, Any]:
        data = report.metrics()
        return {**data, "diagnostics": report.diagnostics()} if args.diagnostics else data

    if args.json:
        if len(reports) == 1:
            _out(json.dumps(payload(reports[0]), ensure_ascii=False, indent=2))
        else:
            _out(json.dumps({r.retriever: payload(r) for r in reports}, ensure_ascii=False, indent=2))
    else:
        _out(format_table(reports))
    return 0


def cmd_safety(args: argparse.Namespace, settings: Settings) -> int:
    """The safety set: assign splits once, train the crisis classifier, or measure the detector."""
    from bot.safety import commands

    if args.action == "split":
        assigned = commands.split(settings)
        _out(f"assigned {assigned['train']} messages to train and {assigned['test']} to test (existing splits kept)")
        return 0
    if args.action == "train":
        model = commands.train(settings)
        cal = model.calibration
        _out(
            f"trained on {cal['train_messages']} messages (data {model.data_hash}); threshold {model.threshold:.3f} "
            f"(per script: {', '.join(f'{k} {v:.3f}' for k, v in sorted(model.script_thresholds.items()))}), "
            f"misuse threshold {model.misuse_threshold:.3f}; out-of-fold crisis recall {cal['oof_crisis_recall']} "
            f"(target {cal['target_recall']}), "
            f"false alarms {cal['oof_false_alarms']} -> {commands.model_path(settings)}"
        )
        return 0
    if args.action == "tune":
        record = commands.tune(settings, progress=lambda line: _out(line))
        _out(f"fine-tuned on the train split (data {record['data_hash']}, layers {record['tuned']}) -> "
             f"{commands.tuned_path(settings)}; out-of-fold scores of {len(record['scores'])} messages -> "
             f"{commands.tuned_oof_path(settings)}. Next: ouderwijzer safety train")
        return 0
    return _safety_eval(args, settings)


def _safety_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation import load_cases
    from bot.safety import commands
    from bot.safety.evaluate import format_report

    dev = [(c.question, c.expect) for c in load_cases(settings.paths.eval_set)]
    check = commands.detector(settings, classifier=False if args.patterns_only else None)
    _, metrics = commands.measure(settings, split_name=args.split, check=check, dev_questions=dev)
    if args.json:
        _out(json.dumps(metrics, ensure_ascii=False, indent=2))
    else:
        layers = "patterns only" if check.model is None else "patterns + classifier"
        _out(format_report(metrics, title=f"Safety set, split '{args.split}' ({layers})"))
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Delete feedback, chat state and audit rows older than privacy.retention_days (one pass)."""
    from bot.retention import purge_once
    from bot.storage import Storage

    storage = Storage(
        settings.storage.sqlite_path,
        retention_days=settings.privacy.retention_days,
        context_ttl_minutes=settings.privacy.context_ttl_minutes,
    )
    deleted = purge_once(storage)
    _out(f"deleted {deleted} rows older than {settings.privacy.retention_days} days")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the web server (API, widget, staff console); also the Telegram bot when a token is set."""
    from bot.channels.web.app import serve

    return serve(settings, host=args.host, port=args.port, verbose=args.verbose)


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot (long polling or webhook, as configured)."""
    from bot.channels.telegram import run_bot

    return run_bot(settings)


# ----- wiring ---------------------------------------------------------------------------------
#: Long-running commands that log at ``logging.level`` (serve narrows that itself without --verbose).
SERVERS = ("serve", "telegram")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (its help text is the CLI's documentation)."""
    parser = argparse.ArgumentParser(
        prog="ouderwijzer",
        description="Ouderwijzer: answers about passend onderwijs, every answer with its sources.",
    )
    parser.add_argument("--config", help="settings file (default: config.yaml in the repository)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="load, clean, chunk and embed the knowledge base into Chroma")
    p.add_argument("--rebuild", action="store_true", help="embed everything again into a fresh index")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--write-seed", action="store_true", help="afterwards write all embeddings to the committed seed")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("sources", help="list the sources in the index with their dates")
    p.add_argument("--stale", action="store_true", help="only sources past their review date or too old")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", nargs="*", help="the question (read from stdin when left out)")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--debug", action="store_true", help="show passages with their scores per retriever")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25", "naive"], default=None)
    p.add_argument("--lang", default=None, help="reply language (nl, en, tr, ar, pl, uk); default: detected")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation in the terminal")
    p.add_argument("--debug", action="store_true")
    p.add_argument("--lang", default=None)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="run an eval set and print the metrics")
    p.add_argument("--set", help="eval set (default: paths.eval_set)")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    p.add_argument(
        "--diagnostics", action="store_true", help="JSON: add where key points are lost (key_points_in_top5)"
    )
    p.add_argument(
        "--retriever",
        choices=["hybrid", "dense", "bm25", "naive", "all"],
        default=None,
        help="retriever to use; 'all' compares the four side by side",
    )
    p.set_defaults(func=cmd_eval)

    def safety_eval_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--split", choices=["test", "train", "all"], default="test", help="which messages (default: test)"
        )
        p.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
        p.add_argument("--patterns-only", action="store_true", help="measure the pattern layer alone")

    p = sub.add_parser("safety", help="safety set: split once, train the crisis classifier, measure")
    p.add_argument("action", choices=["split", "tune", "train", "eval"])
    safety_eval_args(p)
    p.set_defaults(func=cmd_safety)

    p = sub.add_parser("eval-safety", help="measure the crisis check on the held-out safety messages")
    safety_eval_args(p)
    p.set_defaults(func=_safety_eval)

    p = sub.add_parser("purge", help="delete stored rows older than privacy.retention_days (for a timer)")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("serve", help="web API, embeddable widget and staff console")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--verbose", action="store_true", help="also log every request and answer (default: warnings only)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("telegram", help="run the Telegram bot")
    p.set_defaults(func=cmd_telegram)
    # The tools print their own output; log lines (ours at INFO, libraries' at any level) only on request.
    for name, command in sub.choices.items():
        if name not in SERVERS:
            command.add_argument("--verbose", action="store_true", help="also show informational log lines")
    return parser


def _terminate(signum: int, frame: object) -> None:
    # Turn SIGTERM into an exception so `finally` blocks run (ingest removes its half-built collection).
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ouderwijzer`` command."""
    # The model hub is unreachable here; never let a library try it.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        settings = load_settings(args.config)
    except OuderwijzerError as exc:
        _err(f"ouderwijzer: {exc}")
        return 2
    quiet = args.command not in SERVERS and not args.verbose
    setup_logging("WARNING" if quiet else settings.logging.level, json_lines=settings.logging.json)
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    try:
        return func(args, settings)
    except OuderwijzerError as exc:
        _err(f"ouderwijzer: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
