"""The staff console's API, ``/api/console/*``: every route needs the staff token (``require_staff``).

Staff ask a question and see the passages with each retriever's scores, run an eval set, page through
feedback, list the sources, turn a reviewed question into an eval case and export the audit trail.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool

from bot.channels.web.deps import ServiceDep, SettingsDep, WebDep, require_staff
from bot.channels.web.errors import WebError
from bot.channels.web.models import (
    ConsoleAskRequest,
    ConsoleAskResponse,
    ErrorResponse,
    EvalCaseRequest,
    EvalRequest,
    EvalResponse,
    EvalSetsResponse,
    FeedbackPage,
    OkResponse,
    PassageOut,
    SourceOut,
)
from bot.language import normalise_language
from bot.redact import redact
from bot.service import Service, clean_input
from bot.settings import Settings

router = APIRouter(
    prefix="/api/console",
    tags=["console"],
    dependencies=[Depends(require_staff)],
    responses={code: {"model": ErrorResponse} for code in (401, 409, 422, 429, 503)},
)


@router.get("/ping", response_model=OkResponse)
async def console_ping() -> OkResponse:
    """Check the token (the console's log-in)."""
    return OkResponse()


@router.post("/ask", response_model=ConsoleAskResponse)
async def console_ask(body: ConsoleAskRequest, service: ServiceDep) -> ConsoleAskResponse:
    """Answer a question and show the passages, their scores per retriever, the evidence and the decision."""
    result = await run_in_threadpool(
        lambda: service.ask(
            body.question, lang=normalise_language(body.lang), retriever=body.retriever, channel="console", audit=False
        )
    )
    passages = [
        PassageOut(
            rank=i,
            source_id=p.meta.id,
            title=p.meta.title,
            kind=p.meta.kind,
            heading=p.chunk.heading,
            chunk_id=p.chunk.id,
            text=p.chunk.text,
            scores={k: round(float(v), 4) for k, v in p.scores.items()},
            ranks=dict(p.ranks),
        )
        for i, p in enumerate(result.passages, start=1)
    ]
    return ConsoleAskResponse(
        answer=result.answer,
        passages=passages,
        evidence=result.evidence.as_dict() if result.evidence is not None else None,
        decision=result.decision,
        retriever=result.retriever,
        timings_ms=result.timings_ms,
        search_text=result.query.dense_text if result.query is not None else "",
        corrections=dict(result.query.corrections) if result.query is not None else {},
    )


def _eval_sets(settings: Settings) -> list[str]:
    folder = settings.paths.eval_set.parent
    names = {p.name for p in folder.glob("*.yaml")} | {p.name for p in folder.glob("*.yml")}
    if settings.paths.eval_set.exists():
        names.add(settings.paths.eval_set.name)
    return sorted(names)


@router.get("/eval/sets", response_model=EvalSetsResponse)
async def console_eval_sets(settings: SettingsDep) -> EvalSetsResponse:
    """The eval sets next to the default one."""
    return EvalSetsResponse(sets=_eval_sets(settings), default=settings.paths.eval_set.name)


@router.post("/eval", response_model=EvalResponse)
async def console_eval(body: EvalRequest, web: WebDep, service: ServiceDep) -> EvalResponse:
    """Run an eval set (default: paths.eval_set) and return the metrics of the eval spec."""
    from bot.evaluation import load_cases, run_eval

    name = body.set or web.settings.paths.eval_set.name
    if name not in _eval_sets(web.settings):
        raise WebError(404, "unknown_set", "web_unknown_set", name=name[:80])
    if not web.eval_lock.acquire(blocking=False):
        raise WebError(409, "busy", "web_eval_busy")
    try:
        cases = await run_in_threadpool(load_cases, web.settings.paths.eval_set.parent / name)
        started = time.perf_counter()
        report = await run_in_threadpool(lambda: run_eval(service, cases, retriever=body.retriever))
        seconds = round(time.perf_counter() - started, 2)
    finally:
        web.eval_lock.release()
    return EvalResponse.model_validate(
        {"set": name, "retriever": report.retriever, "seconds": seconds, "metrics": report.metrics()}
    )


@router.get("/feedback", response_model=FeedbackPage)
async def console_feedback(
    service: ServiceDep,
    web: WebDep,
    limit: Annotated[int, Query(ge=1, description="Rows per page (at most 500).")] = 50,
    offset: Annotated[int, Query(ge=0, description="Rows to skip.")] = 0,
) -> FeedbackPage:
    """Stored feedback, one page: thumbs-down first, newest first (questions redacted)."""
    limit = min(limit, web.limits.feedback_page_max)
    storage = service.storage
    rows = await run_in_threadpool(lambda: storage.list_feedback(limit=limit, offset=offset))
    total = await run_in_threadpool(storage.count_feedback)
    more = total > offset + len(rows) if total >= 0 else len(rows) == limit
    next_offset = offset + len(rows) if more else None
    return FeedbackPage.model_validate(
        {"items": rows, "total": total, "limit": limit, "offset": offset, "next_offset": next_offset}
    )


@router.get("/sources", response_model=list[SourceOut])
async def console_sources(service: ServiceDep, stale: Annotated[bool, Query()] = False) -> list[dict[str, Any]]:
    """The documents and answer units in the index with their dates and staleness."""
    from bot.sources import list_sources

    rows = await run_in_threadpool(lambda: list_sources(service, stale_only=stale))
    return [r.as_dict() for r in rows]


def _missing_evidence(service: Service, sources: list[str], evidence: list[str]) -> list[str]:
    """Evidence phrases found in no passage of the listed sources (the eval's hit rule)."""
    from bot.evaluation import normalise

    wanted = set(sources)
    bodies = [
        normalise(sc.chunk.text)
        for sc in service.retriever().chunks
        if sc.meta.id in wanted or wanted.intersection(sc.meta.sources)
    ]
    return [e for e in evidence if not any(normalise(e) in body for body in bodies)]


@router.post(
    "/eval-case",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}, "description": "One eval case as YAML, for download."}},
)
async def console_eval_case(body: EvalCaseRequest, service: ServiceDep) -> Response:
    """Turn a reviewed question into an eval case (YAML in the eval format, as a download)."""
    from bot.sources import list_sources

    if body.expect == "answer":
        known = {r.id for r in await run_in_threadpool(list_sources, service)}
        unknown = [s for s in body.sources if s not in known]
        if unknown:
            raise WebError(422, "unknown_source", "web_unknown_source", ids=", ".join(unknown)[:200])
        missing = await run_in_threadpool(_missing_evidence, service, body.sources, body.evidence)
        if missing:
            phrases = "; ".join(f'"{m[:80]}"' for m in missing)
            raise WebError(422, "evidence_not_found", "web_evidence_not_found", phrases=phrases)
    question = redact(clean_input(body.question))
    today = date.today().isoformat()
    case_id = body.id or f"review-{today}-{hashlib.sha256(question.encode()).hexdigest()[:6]}"
    case = {
        "id": case_id,
        "question": question,
        "lang": body.lang,
        "expect": body.expect,
        "sources": body.sources,
        "evidence": [e.lower() for e in body.evidence],
    }
    if body.note.strip():
        case["note"] = body.note.strip()
    dumped = yaml.safe_dump([case], allow_unicode=True, sort_keys=False, default_flow_style=None, width=100_000)
    content = f"# Reviewed in the Ouderwijzer staff console on {today}. Add it to an eval set.\n\n{dumped}"
    return Response(
        content=content.encode("utf-8"),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{case_id}.yaml"'},
    )


@router.get(
    "/audit.jsonl",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "The audit trail, one JSON per line."}},
)
async def console_audit(service: ServiceDep) -> Response:
    """Export the audit trail (redacted questions, outcomes, cited passages) as JSON lines."""
    rows = await run_in_threadpool(service.storage.export_audit)
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    stamp = date.today().strftime("%Y%m%d")
    return Response(
        content=body.encode("utf-8"),
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ouderwijzer-audit-{stamp}.jsonl"'},
    )
