"""The public API: ``POST /api/ask``, ``POST /api/feedback``, ``GET /healthz``, ``GET /readyz``.

The channel translates HTTP to ``Service.reply`` and back; the core cleans the text, checks for a
crisis, keeps the conversation and caches first questions. Before any answer is computed the request
passes the limits: requests per minute (per session and per address) and the answer gate (answers in
flight per client, a bounded queue). Over a limit the service is still asked, with ``limited=True``:
a crisis gets its help lines (200), anything else a 429 or 503 in the parent's language.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bot.channels.web import metrics
from bot.channels.web.deps import ServiceDep, WebDep, WebState, client_ip, new_session_id, valid_session
from bot.channels.web.errors import WebError, error_json
from bot.channels.web.gate import Refused
from bot.channels.web.models import (
    AskRequest,
    AskResponse,
    ErrorResponse,
    FeedbackRequest,
    HealthResponse,
    OkResponse,
    ReadyResponse,
)
from bot.errors import IndexMismatch, IndexMissing, OuderwijzerError, StoreUnavailable
from bot.language import normalise_language
from bot.logs import set_request_id
from bot.service import AskResult, Service, clean_input
from bot.texts import text

log = logging.getLogger(__name__)

#: Headings the widget shows under an answer, sent in the reply's language.
LABEL_KEYS = ("sources_label", "quote_label", "checked_label", "based_on_label", "glossary_heading", "steps_heading")
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 408, 413, 422, 429, 503)
}

router = APIRouter(prefix="/api", tags=["api"])
ops = APIRouter(tags=["operations"])


def labels(lang: str) -> dict[str, str]:
    """The headings under an answer, keyed as the widget uses them (sources, quote, steps, ...)."""
    return {key.removesuffix("_label").removesuffix("_heading"): text(key, lang) for key in LABEL_KEYS}


def _answered(result: AskResult, *, session_id: str, started: float) -> AskResponse:
    """Log, count and render one reply (the log line carries the answer's id as its request id)."""
    answer = result.answer
    if answer.answer_id:
        set_request_id(answer.answer_id)
    seconds = time.perf_counter() - started
    metrics.ANSWERS.labels("web", answer.outcome).inc()
    metrics.ANSWER_SECONDS.labels("web").observe(seconds)
    if answer.outcome == "crisis":
        metrics.CRISIS.labels("web").inc()
    log.info(
        "answer %s: %s (%s) in %.3f s",
        answer.answer_id or "-",
        answer.outcome,
        answer.lang,
        seconds,
        extra={
            "fields": {
                "answer_id": answer.answer_id,
                "outcome": answer.outcome,
                "lang": answer.lang,
                "decision": result.decision[:80],
                "citations": len(answer.citations),
                "ms": round(seconds * 1000, 1),
            }
        },
    )
    return AskResponse(**answer.model_dump(), session_id=session_id, labels=labels(answer.lang))


def _refused(status: int, code: str, message: str, *, session_id: str, retry: float, reason: str) -> Any:
    metrics.REFUSALS.labels(reason).inc()
    log.info("refused (%s)", reason, extra={"fields": {"status": status, "reason": reason}})
    headers = {"X-Session-Id": session_id}
    if retry > 0:
        headers["Retry-After"] = str(max(1, math.ceil(retry)))
    return error_json(status, code, message, headers=headers)


async def _limited(web: WebState, service: Service, *, chat: str, question: str, lang: str | None) -> AskResult:
    """Over a limit: only a crisis is answered (help lines are never refused), a few checks at a time."""
    assert web.limited_checks is not None
    async with web.limited_checks:
        return await run_in_threadpool(
            lambda: service.reply(chat=chat, message=question, channel="web", lang=lang, limited=True)
        )


@router.post("/ask", response_model=AskResponse, responses=ERRORS)
async def ask(body: AskRequest, request: Request, response: Response, web: WebDep, service: ServiceDep) -> Any:
    """Answer a parent's question with numbered sources; pass session_id back for follow-ups."""
    started = time.perf_counter()
    lang = normalise_language(body.lang)
    request.state.lang = lang
    if not clean_input(body.question):
        raise WebError(422, "empty_question", "empty")
    session_id = valid_session(body.session_id) or new_session_id()
    response.headers["X-Session-Id"] = session_id
    chat = service.storage.chat_key("web", session_id)
    ip = client_ip(request)
    server = web.settings.server
    per_minute = server.rate_limit_per_minute
    wait = web.limiter.hit([(f"session:{session_id}", per_minute), (f"ip:{ip}", per_minute * web.limits.ip_allowance)])
    if wait > 0:
        result = await _limited(web, service, chat=chat, question=body.question, lang=lang)
        if result.answer.outcome == "crisis":
            return _answered(result, session_id=session_id, started=started)
        return _refused(429, "rate_limited", result.answer.text, session_id=session_id, retry=wait,
                        reason="rate_limited")
    gate = web.gate
    assert gate is not None
    metrics.IN_FLIGHT.inc()
    try:
        async with gate.admit(ip, [f"session:{session_id}", f"ip:{ip}"]):
            result = await run_in_threadpool(
                lambda: service.reply(
                    chat=chat, message=body.question, channel="web", lang=lang, max_chars=server.max_question_chars
                )
            )
    except Refused as refused:
        result = await _limited(web, service, chat=chat, question=body.question, lang=lang)
        if result.answer.outcome == "crisis":
            return _answered(result, session_id=session_id, started=started)
        reply_lang = result.answer.lang
        if refused.reason == "client":
            return _refused(429, "busy", text("web_one_at_a_time", reply_lang), session_id=session_id,
                            retry=2, reason="busy_client")
        return _refused(503, "busy", text("web_busy", reply_lang), session_id=session_id, retry=10,
                        reason="busy_server")
    except (StoreUnavailable, IndexMissing, IndexMismatch) as exc:
        log.warning("cannot answer a web question: %s", exc)
        headers = {"Retry-After": "30", "X-Session-Id": session_id}
        raise WebError(503, "unavailable", "unavailable", headers=headers) from None
    finally:
        metrics.IN_FLIGHT.dec()
    answer = result.answer
    if answer.outcome != "crisis" and len(clean_input(body.question)) > server.max_question_chars:
        # The core answered "please shorten" (after its crisis check): for the API that is a 422.
        return _refused(422, "question_too_long", answer.text, session_id=session_id, retry=0,
                        reason="too_long")
    return _answered(result, session_id=session_id, started=started)


@router.post("/feedback", response_model=OkResponse, responses=ERRORS)
async def feedback(body: FeedbackRequest, request: Request, web: WebDep, service: ServiceDep) -> OkResponse:
    """A thumbs up or down on one answer, from the conversation it was given in; a second vote replaces the first."""
    per_minute = web.settings.server.rate_limit_per_minute * web.limits.ip_allowance
    wait = web.limiter.hit([(f"feedback:{client_ip(request)}", per_minute)])
    if wait > 0:
        metrics.REFUSALS.labels("rate_limited").inc()
        raise WebError(429, "rate_limited", "rate_limited", headers={"Retry-After": str(math.ceil(wait))})
    storage = service.storage
    session = valid_session(body.session_id)
    owner = await run_in_threadpool(storage.answer_chat, body.answer_id)
    if owner is None or session is None or owner != storage.chat_key("web", session):
        # Unknown, or given in another conversation: the same answer, so nobody can vote twice by trying ids.
        raise WebError(404, "unknown_answer", "web_unknown_answer")
    record = await run_in_threadpool(storage.get_audit, body.answer_id) or {}
    saved = await run_in_threadpool(
        lambda: storage.add_feedback(
            chat=owner,
            channel="web",
            answer_id=body.answer_id,
            rating=body.score,
            comment=body.comment,
            question=str(record.get("question", "")),
            outcome=str(record.get("outcome", "")),
        )
    )
    if not saved:
        raise WebError(503, "unavailable", "unavailable")
    return OkResponse()


@ops.get("/healthz", response_model=HealthResponse)
async def healthz() -> HealthResponse:
    """The process is up (says nothing about the index)."""
    return HealthResponse()


@ops.get("/readyz", response_model=ReadyResponse, responses={503: {"model": ReadyResponse}})
async def readyz(request: Request) -> Any:
    """Questions can be answered now: the index is loaded (searched in memory, or the store answers).
    ``store`` says whether the vector store is reachable (an ingest needs it)."""
    web: WebState = request.app.state.web
    service = web.service
    if service is None:
        return JSONResponse({"ready": False, "reason": "starting"}, status_code=503)

    def check() -> str | None:
        if service.ready():
            return None
        try:
            service.retriever()
        except (IndexMissing, IndexMismatch):
            return "index_missing"
        except OuderwijzerError:
            return "store_unavailable"
        except Exception:
            return "not_ready"
        return "store_unavailable"

    reason = await run_in_threadpool(check)
    if reason is not None:
        store = "down" if reason == "store_unavailable" else "ok"
        return JSONResponse({"ready": False, "reason": reason, "store": store}, status_code=503)
    store_up = await run_in_threadpool(service.store_up)
    return ReadyResponse(ready=True, store="ok" if store_up else "down")
