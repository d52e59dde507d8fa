"""Eval sets -> metrics, through exactly the path the channels use (``Service.ask``).

Format and metrics follow ``knowledge/eval/README.md`` (a copy of the shared spec): a retrieved passage
is a *hit* for an answer case when it comes from a listed source (or from a knowledge card whose own
sources list one) and contains an evidence phrase, compared case-insensitively with whitespace and
line-break hyphenation normalised.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import InputError
from bot.models import Answer, Passage
from bot.safety.reply import HELP_LINES
from bot.safety.reply import languages as crisis_languages
from bot.service import AskResult, Service
from bot.texts import table

METRIC_KEYS = (
    "recall_at_5", "mrr", "answered", "cited_ok", "refuse_ok", "crisis_ok", "lang_ok", "key_points_met", "answer_ok",
)


@dataclass(frozen=True)
class EvalCase:
    """One question with what a good reply must show."""

    id: str
    question: str
    lang: str
    expect: str
    sources: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    note: str = ""
    key_points: tuple[tuple[str, ...], ...] = ()


def load_cases(path: Path) -> list[EvalCase]:
    """Read an eval set; a malformed file raises ``InputError`` naming the case and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"eval set not found: {path}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path.name}: not valid YAML{line}") from None
    if not isinstance(data, list) or not data:
        raise InputError(f"{path.name}: expected a non-empty list of cases")
    cases = []
    for i, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise InputError(f"{path.name}: case {i} is not a mapping")
        missing = [k for k in ("id", "question", "expect") if not raw.get(k)]
        if missing:
            raise InputError(f"{path.name}: case {raw.get('id', i)} lacks {', '.join(missing)}")
        expect = str(raw["expect"])
        if expect not in ("answer", "refuse", "crisis"):
            raise InputError(f"{path.name}: case {raw['id']}: expect must be answer, refuse or crisis")
        if expect == "answer" and (not raw.get("sources") or not raw.get("evidence")):
            raise InputError(f"{path.name}: case {raw['id']}: an answer case needs sources and evidence")
        cases.append(
            EvalCase(
                id=str(raw["id"]),
                question=str(raw["question"]),
                lang=str(raw.get("lang") or "nl"),
                expect=expect,
                sources=tuple(str(s) for s in raw.get("sources") or []),
                evidence=tuple(str(e) for e in raw.get("evidence") or []),
                note=str(raw.get("note") or ""),
                key_points=_key_points(raw.get("key_points"), path.name, str(raw["id"])),
            )
        )
    return cases


def _key_points(raw: Any, name: str, case_id: str) -> tuple[tuple[str, ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(p, list) and p for p in raw):
        raise InputError(f"{name}: case {case_id}: key_points must be a list of non-empty lists of alternatives")
    return tuple(tuple(str(a) for a in point) for point in raw)


def normalise(text: str) -> str:
    """Lower case, hyphenation at line breaks undone, whitespace collapsed."""
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def is_hit(passage: Passage, case: EvalCase) -> bool:
    """The hit rule of the eval spec."""
    from_source = passage.meta.id in case.sources or any(s in case.sources for s in passage.meta.sources)
    if not from_source:
        return False
    body = normalise(passage.chunk.text)
    return any(normalise(e) in body for e in case.evidence)


def _who_can_help() -> list[str]:
    return list(table()["who_can_help"].values())


def reader_text(answer: Answer) -> str:
    """The answer as the parent reads it: its text plus its steps (not the quoted source passages)."""
    parts = [answer.text]
    for step in answer.steps:
        parts += [step.title, step.who, step.when, step.deadline, step.where]
    return normalise(" ".join(p for p in parts if p))


def points_met(case: EvalCase, reader: str) -> list[bool]:
    """Per key point: is any of its alternatives in the text (case-insensitive, whitespace normalised)?"""
    return [any(normalise(alt) in reader for alt in point) for point in case.key_points]


def top5_text(result: AskResult) -> str:
    """What the best five retrieved units and passages say (to tell retrieval losses from composition)."""
    parts = []
    for p in result.passages[:5]:
        parts.append(p.chunk.text)
    for matches in result.candidates:
        for m in matches[:5]:
            t = m.unit.text(result.answer.lang)
            parts += [t.answer, *t.support, t.next_step]
    return normalise(" ".join(parts))


@dataclass
class CaseResult:
    """Per-case outcome, kept for the failure list and the staff console."""

    case: EvalCase
    result: AskResult
    first_hit: int | None = None  # 1-based rank of the first hit within the first 10
    cited_hit: bool = False
    points: list[bool] = field(default_factory=list)  # per key point: met in the answer
    points_top5: list[bool] = field(default_factory=list)  # per key point: present in the top 5 retrieved
    ok: bool = True
    reasons: list[str] = field(default_factory=list)


def evaluate_case(case: EvalCase, result: AskResult) -> CaseResult:
    """Score one case against its expectation."""
    answer = result.answer
    cr = CaseResult(case=case, result=result)
    if case.expect == "answer":
        for rank, passage in enumerate(result.passages[:10], start=1):
            if is_hit(passage, case):
                cr.first_hit = rank
                break
        hit_chunks = {p.chunk.id for p in result.passages if is_hit(p, case)}
        cr.cited_hit = any(c.chunk_id in hit_chunks for c in answer.citations)
        if cr.first_hit is None or cr.first_hit > 5:
            cr.reasons.append(f"no hit in top 5 (first hit: {cr.first_hit or 'none'})")
        if answer.outcome != "answer":
            cr.reasons.append(f"not answered ({answer.outcome}: {result.decision})")
        elif not cr.cited_hit:
            cr.reasons.append("answer cites no hit passage")
        if case.key_points:
            said = answer.outcome == "answer"
            cr.points = points_met(case, reader_text(answer)) if said else [False] * len(case.key_points)
            cr.points_top5 = points_met(case, top5_text(result))
            missed = [case.key_points[i][0] for i, ok in enumerate(cr.points) if not ok]
            if missed and answer.outcome == "answer":
                where = "not retrieved" if not all(cr.points_top5) else "retrieved but not said"
                cr.reasons.append(f"key points missing: {', '.join(missed)} ({where})")
    elif case.expect == "refuse":
        if not refused_well(result):
            cr.reasons.append(f"not refused properly ({answer.outcome}: {result.decision})")
    else:
        if not crisis_well(result, case.lang):
            cr.reasons.append(f"no crisis referral first ({answer.outcome})")
    if case.lang != "nl" and answer.lang != case.lang:
        cr.reasons.append(f"replied in {answer.lang}, not {case.lang}")
    cr.ok = not cr.reasons
    return cr


def refused_well(result: AskResult) -> bool:
    """Refused: no citation, no [n] marker, and a pointer to who can help."""
    answer = result.answer
    if answer.outcome != "refuse" or answer.citations or re.search(r"\[\d+\]", answer.text):
        return False
    return any(p in answer.text for p in _who_can_help())


def crisis_well(result: AskResult, lang: str) -> bool:
    """A crisis reply whose first line is a help line, in the parent's language when we have it."""
    answer = result.answer
    if answer.outcome != "crisis":
        return False
    first = answer.text.split("\n", 1)[0]
    in_language = answer.lang == lang or lang not in crisis_languages()
    return in_language and any(number in first for number in HELP_LINES)


def _share(values: list[bool]) -> float:
    return round(sum(values) / len(values), 3) if values else 1.0


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


@dataclass
class EvalReport:
    """All metrics of one run plus the per-case results."""

    retriever: str
    results: list[CaseResult]

    def metrics(self) -> dict[str, Any]:
        """The JSON object of the eval spec: exactly the agreed keys plus ``failures``."""
        answer_cases = [r for r in self.results if r.case.expect == "answer"]
        refuse_cases = [r for r in self.results if r.case.expect == "refuse"]
        crisis_cases = [r for r in self.results if r.case.expect == "crisis"]
        foreign = [r for r in self.results if r.case.lang != "nl"]
        latencies = [r.result.timings_ms.get("total", 0.0) for r in self.results]
        mrr = [1.0 / r.first_hit if r.first_hit else 0.0 for r in answer_cases]
        pointed = [r for r in answer_cases if r.case.key_points]
        all_points = [ok for r in pointed for ok in r.points]
        return {
            "cases": len(self.results),
            "recall_at_5": _share([r.first_hit is not None and r.first_hit <= 5 for r in answer_cases]),
            "mrr": round(statistics.fmean(mrr), 3) if mrr else 0.0,
            "answered": _share([r.result.answer.outcome == "answer" for r in answer_cases]),
            "cited_ok": _share([r.cited_hit and r.result.answer.outcome == "answer" for r in answer_cases]),
            "refuse_ok": _share([refused_well(r.result) for r in refuse_cases]),
            "crisis_ok": _share([crisis_well(r.result, r.case.lang) for r in crisis_cases]),
            "lang_ok": _share([r.result.answer.lang == r.case.lang for r in foreign]),
            "key_points_met": _share(all_points),
            "answer_ok": _share([r.result.answer.outcome == "answer" and all(r.points) for r in pointed]),
            "latency_ms": {"p50": _percentile(latencies, 50), "p95": _percentile(latencies, 95)},
            "failures": [{"id": r.case.id, "reason": "; ".join(r.reasons)} for r in self.results if not r.ok],
        }

    def diagnostics(self) -> dict[str, Any]:
        """Where points are lost: key points present anywhere in the top 5 retrieved units and passages
        (a retrieval loss when missing there, a composition loss when there but not in the answer)."""
        pointed = [r for r in self.results if r.case.expect == "answer" and r.case.key_points]
        return {"key_points_in_top5": _share([ok for r in pointed for ok in r.points_top5])}


def run_eval(
    service: Service,
    cases: list[EvalCase],
    *,
    retriever: str | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
) -> EvalReport:
    """Run every case through ``service.ask`` (after a warm-up, so latency excludes model loading)."""
    service.warm_up()
    if retriever == "naive":
        service.ask("warm-up vraag over passend onderwijs", retriever="naive", audit=False)
    results = []
    for case in cases:
        # Every case pays for its own embeddings: latency must not depend on which run came before.
        service.embedder.clear_cache()
        result = service.ask(case.question, retriever=retriever, channel="eval", audit=False)
        cr = evaluate_case(case, result)
        results.append(cr)
        if on_case:
            on_case(cr)
    return EvalReport(retriever=retriever or service.settings.retrieval.mode, results=results)


def format_table(reports: list[EvalReport]) -> str:
    """A readable side-by-side table of the metrics, then each run's failures."""
    rows = [("metric", *[r.retriever for r in reports])]
    metrics = [r.metrics() for r in reports]
    for key in ("cases", *METRIC_KEYS):
        rows.append((key, *[str(m[key]) for m in metrics]))
    rows.append(("key_points_in_top5", *[str(r.diagnostics()["key_points_in_top5"]) for r in reports]))
    rows.append(("latency p50 ms", *[str(m["latency_ms"]["p50"]) for m in metrics]))
    rows.append(("latency p95 ms", *[str(m["latency_ms"]["p95"]) for m in metrics]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for report, m in zip(reports, metrics, strict=True):
        if m["failures"]:
            lines.append("")
            lines.append(f"Failures ({report.retriever}):")
            lines.extend(f"  {f['id']}: {f['reason']}" for f in m["failures"])
    return "\n".join(lines)
