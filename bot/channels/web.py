"""The web channel: JSON API, embeddable widget, demo page and staff console, on FastAPI.

Routes:
    POST /api/ask, POST /api/feedback       the parents' API (the widget calls these)
    GET  /healthz, /readyz, /docs           operations
    GET  /widget.js, /                      the embeddable widget and a demo school page using it
    GET  /console, /api/console/*           staff console (bearer token OUDERWIJZER_STAFF_TOKEN)

The channel is thin: parse and check input, call ``Service.ask`` in a worker thread (it is CPU-bound),
render JSON. Every error is ``{"error": code, "message": text}``; nobody sees a traceback. Limits (body
size, question length, requests per minute) are checked before any work is done, except that a crisis
message is never rate-limited.

Usage:
    ouderwijzer serve [--host 0.0.0.0] [--port 8000]
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi import HTTPException as FastAPIHTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.web_models import (
    AskRequest,
    AskResponse,
    ConsoleAskRequest,
    ConsoleAskResponse,
    ErrorResponse,
    EvalCaseRequest,
    EvalRequest,
    EvalResponse,
    EvalSetsResponse,
    FeedbackRequest,
    FeedbackRow,
    HealthResponse,
    OkResponse,
    PassageOut,
    ReadyResponse,
    SourceOut,
)
from bot.errors import ConfigError, IndexMismatch, IndexMissing, InputError, OuderwijzerError, StoreUnavailable
from bot.language import detect_language, normalise_language
from bot.redact import redact
from bot.service import AskResult, Service, clean_input
from bot.settings import Settings
from bot.texts import text

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Session ids we hand out (and accept back): URL-safe random strings.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: One address may carry several parents (a school network, a household): it gets this many times the
#: per-session allowance, so one client cannot escape the limit by inventing session ids.
IP_ALLOWANCE = 4
#: Wrong console tokens allowed per address per minute before it must wait.
AUTH_FAILURES_PER_MINUTE = 20
#: A cached answer is reused for at most this long (sources can turn stale at midnight, ingest can swap).
CACHE_TTL_SECONDS = 900.0
#: Headings the widget shows under an answer, sent in the reply's language.
LABEL_KEYS = ("sources_label", "quote_label", "checked_label", "based_on_label", "glossary_heading", "steps_heading")
CONSOLE_DISABLED = "Console uitgeschakeld: zet OUDERWIJZER_STAFF_TOKEN"
CORS_REFUSED = "Deze website mag de API niet gebruiken. / This website may not use the API (origin not allowed)."

CSP_PAGE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_API = "default-src 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

CONSOLE_DISABLED_HTML = f"""<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ouderwijzer console</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
<main class="disabled">
<h1>Ouderwijzer console</h1>
<p role="alert" class="alert">{CONSOLE_DISABLED}</p>
<p>Start de server met de omgevingsvariabele <code>OUDERWIJZER_STAFF_TOKEN</code> om de console te gebruiken.</p>
</main>
</body>
</html>
"""


def _both(key: str, **values: object) -> str:
    """A fixed text in Dutch and English, for errors raised before we know the parent's language."""
    nl, en = text(key, "nl", **values), text(key, "en", **values)
    return nl if nl == en else f"{nl} / {en}"


def _fail(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> FastAPIHTTPException:
    """An HTTP error rendered as ``{"error": code, "message": message}``."""
    return FastAPIHTTPException(status_code=status, detail={"error": code, "message": message}, headers=headers)


def _error_json(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    payload: dict[str, Any] = {"error": code, "message": message}
    payload.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(payload, status_code=status, headers=headers)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# ----- limits and caches ------------------------------------------------------------------------------
class SlidingWindowLimiter:
    """At most ``limit`` events per key within the last ``window`` seconds (in memory, per process)."""

    def __init__(self, *, window: float = 60.0, max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            events = deque()
            self._events[key] = events
        self._events.move_to_end(key)
        while events and now - events[0] >= self.window:
            events.popleft()
        return events

    def hit(self, limits: list[tuple[str, int]]) -> float:
        """Record one event under every key, unless one is over its limit: then the seconds to wait."""
        with self._lock:
            now = self.clock()
            wait = 0.0
            queues = []
            for key, limit in limits:
                events = self._recent(key, now)
                queues.append(events)
                if len(events) >= limit:
                    wait = max(wait, self.window - (now - events[-limit]))
            if wait > 0:
                return wait
            for events in queues:
                events.append(now)
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            return 0.0

    def count(self, key: str) -> int:
        """Events under ``key`` within the window."""
        with self._lock:
            return len(self._recent(key, self.clock()))


class AnswerCache:
    """LRU of answers to first questions (no history), keyed by the cleaned question, language and index."""

    def __init__(self, size: int, *, ttl: float = CACHE_TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._items: OrderedDict[tuple[str, ...], tuple[float, AskResult]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> AskResult | None:
        """The cached result, or None when absent or expired."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            stored, result = item
            if self.clock() - stored > self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return result

    def put(self, key: tuple[str, ...], result: AskResult) -> None:
        """Remember a result, dropping the least recently used beyond ``size``."""
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = (self.clock(), result)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


# ----- application state --------------------------------------------------------------------------------
@dataclasses.dataclass
class WebState:
    """Everything the routes share: settings, the service and the in-memory limits."""

    settings: Settings
    service: Service | None
    limiter: SlidingWindowLimiter = dataclasses.field(default_factory=SlidingWindowLimiter)
    cache: AnswerCache | None = None
    eval_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    telegram: Any = None  # the Telegram Application when the bot runs in this process

    def answer(self, question: str, *, lang: str | None, chat: str, crisis: bool) -> AskResult:
        """Answer one web question with the conversation's history (runs in a worker thread)."""
        service = self.service
        assert service is not None
        turns = self.settings.retrieval.history_turns
        storage = service.storage
        history = storage.get_state(chat).history[-turns:] if turns else []
        # Only a first question is answered from the cache: a follow-up depends on its history.
        cache = self.cache if not history and not crisis else None
        key = (clean_input(question), lang or "", service.retriever().info.collection) if cache is not None else ()
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            fresh = cached.answer.model_copy(deep=True, update={"answer_id": uuid.uuid4().hex[:12]})
            result = dataclasses.replace(cached, answer=fresh)
            service.record(result, question=clean_input(question), channel="web", chat=chat)
        else:
            result = service.ask(
                question,
                history=history or None,
                lang=lang,
                max_chars=self.settings.server.max_question_chars,
                channel="web",
                chat=chat,
            )
            if cache is not None:
                cache.put(key, result)
        if result.answer.outcome != "crisis":
            storage.remember_question(chat, "web", question, keep=turns)
        return result


def get_web(request: Request) -> WebState:
    """The app's shared state."""
    return request.app.state.web  # type: ignore[no-any-return]


def get_service(request: Request) -> Service:
    """The answering service; 503 while it is still starting."""
    service = get_web(request).service
    if service is None:
        raise _fail(503, "unavailable", _both("unavailable"), headers={"Retry-After": "10"})
    return service


WebDep = Annotated[WebState, Depends(get_web)]
ServiceDep = Annotated[Service, Depends(get_service)]


staff_bearer = HTTPBearer(auto_error=False, description="The staff token (OUDERWIJZER_STAFF_TOKEN).")


def require_staff(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(staff_bearer)]
) -> None:
    """Let the request through only with the staff token (compared in constant time, never logged)."""
    web = get_web(request)
    token = web.settings.staff_token
    expected = token.get_secret_value() if token is not None else ""
    if not expected:
        raise _fail(503, "console_disabled", CONSOLE_DISABLED)
    bucket = f"auth:{_client_ip(request)}"
    if web.limiter.count(bucket) >= AUTH_FAILURES_PER_MINUTE:
        raise _fail(429, "rate_limited", "Te veel pogingen; wacht een minuut. / Too many attempts; wait a minute.")
    given = credentials.credentials.strip() if credentials is not None else ""
    if given and hmac.compare_digest(given.encode(), expected.encode()):
        return
    web.limiter.hit([(bucket, AUTH_FAILURES_PER_MINUTE + 1)])
    raise _fail(
        401,
        "unauthorized",
        "Geen of een verkeerd token. / Missing or wrong token.",
        headers={"WWW-Authenticate": "Bearer"},
    )


# ----- public API ------------------------------------------------------------------------------------
api = APIRouter(prefix="/api", tags=["api"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResponse} for code in (400, 404, 413, 422, 429, 503)}


def _labels(lang: str) -> dict[str, str]:
    return {key.removesuffix("_label").removesuffix("_heading"): text(key, lang) for key in LABEL_KEYS}


@api.post("/ask", response_model=AskResponse, responses=ERRORS)
async def ask(body: AskRequest, request: Request, response: Response, web: WebDep, service: ServiceDep) -> AskResponse:
    """Answer a parent's question with numbered sources; pass session_id back for follow-ups."""
    lang = normalise_language(body.lang)
    message = clean_input(body.question)
    if not message:
        raise _fail(422, "empty_question", _both("empty"))
    limit = web.settings.server.max_question_chars
    if len(message) > limit:
        raise _fail(422, "question_too_long", _both("too_long", max=limit))
    session_id = body.session_id if body.session_id and SESSION_ID.match(body.session_id) else new_session_id()
    response.headers["X-Session-Id"] = session_id
    crisis = await run_in_threadpool(service.crisis_check, message)
    if not crisis:
        per_minute = web.settings.server.rate_limit_per_minute
        wait = web.limiter.hit(
            [(f"session:{session_id}", per_minute), (f"ip:{_client_ip(request)}", per_minute * IP_ALLOWANCE)]
        )
        if wait > 0:
            reply_lang = lang or detect_language(message, fallback="nl")
            raise _fail(
                429,
                "rate_limited",
                text("rate_limited", reply_lang),
                headers={"Retry-After": str(math.ceil(wait)), "X-Session-Id": session_id},
            )
    chat = service.storage.chat_key("web", session_id)
    try:
        result = await run_in_threadpool(web.answer, body.question, lang=lang, chat=chat, crisis=crisis)
    except (StoreUnavailable, IndexMissing, IndexMismatch) as exc:
        log.warning("cannot answer a web question: %s", exc)
        reply_lang = lang or detect_language(message, fallback="nl")
        raise _fail(
            503,
            "unavailable",
            text("unavailable", reply_lang),
            headers={"Retry-After": "30", "X-Session-Id": session_id},
        ) from None
    answer = result.answer
    return AskResponse(**answer.model_dump(), session_id=session_id, labels=_labels(answer.lang))


@api.post("/feedback", response_model=OkResponse, responses=ERRORS)
async def feedback(body: FeedbackRequest, request: Request, web: WebDep, service: ServiceDep) -> OkResponse:
    """Store a thumbs up or down (and an optional comment) for one answer."""
    per_minute = web.settings.server.rate_limit_per_minute * IP_ALLOWANCE
    wait = web.limiter.hit([(f"feedback:{_client_ip(request)}", per_minute)])
    if wait > 0:
        raise _fail(429, "rate_limited", _both("rate_limited"), headers={"Retry-After": str(math.ceil(wait))})
    storage = service.storage
    record = await run_in_threadpool(storage.get_audit, body.answer_id)
    if record is None:
        raise _fail(404, "unknown_answer", "Dit antwoord is onbekend. / This answer is unknown.")
    session = body.session_id if body.session_id and SESSION_ID.match(body.session_id) else None
    saved = await run_in_threadpool(
        lambda: storage.add_feedback(
            chat=storage.chat_key("web", session) if session else "-",
            channel="web",
            answer_id=body.answer_id,
            rating=body.score,
            comment=body.comment,
            question=str(record.get("question", "")),
            outcome=str(record.get("outcome", "")),
        )
    )
    if not saved:
        raise _fail(503, "unavailable", _both("unavailable"))
    return OkResponse()


def new_session_id() -> str:
    """A fresh random conversation id."""
    return secrets.token_urlsafe(18)


# ----- operations ------------------------------------------------------------------------------------
ops = APIRouter(tags=["operations"])


@ops.get("/healthz", response_model=HealthResponse)
async def healthz() -> HealthResponse:
    """The process is up (says nothing about the index)."""
    return HealthResponse()


@ops.get("/readyz", response_model=ReadyResponse, responses={503: {"model": ReadyResponse}})
async def readyz(web: WebDep) -> Any:
    """The index is loaded and the store answers: questions can be answered now."""
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
        return JSONResponse({"ready": False, "reason": reason}, status_code=503)
    return ReadyResponse(ready=True)


# ----- staff console API ----------------------------------------------------------------------------------
console = APIRouter(
    prefix="/api/console",
    tags=["console"],
    dependencies=[Depends(require_staff)],
    responses={code: {"model": ErrorResponse} for code in (401, 409, 422, 429, 503)},
)


@console.get("/ping", response_model=OkResponse)
async def console_ping() -> OkResponse:
    """Check the token (the console's log-in)."""
    return OkResponse()


@console.post("/ask", response_model=ConsoleAskResponse)
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


@console.get("/eval/sets", response_model=EvalSetsResponse)
async def console_eval_sets(web: WebDep) -> EvalSetsResponse:
    """The eval sets next to the default one."""
    return EvalSetsResponse(sets=_eval_sets(web.settings), default=web.settings.paths.eval_set.name)


@console.post("/eval", response_model=EvalResponse)
async def console_eval(body: EvalRequest, web: WebDep, service: ServiceDep) -> EvalResponse:
    """Run an eval set (default: paths.eval_set) and return the metrics of the eval spec."""
    from bot.evaluation import load_cases, run_eval

    name = body.set or web.settings.paths.eval_set.name
    if name not in _eval_sets(web.settings):
        raise _fail(404, "unknown_set", f"Onbekende evalset / unknown eval set: {name[:80]}")
    if not web.eval_lock.acquire(blocking=False):
        raise _fail(409, "busy", "Er loopt al een evaluatie. / An evaluation is already running.")
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


@console.get("/feedback", response_model=list[FeedbackRow])
async def console_feedback(service: ServiceDep) -> list[dict[str, Any]]:
    """Stored feedback, thumbs-down first (questions redacted)."""
    return await run_in_threadpool(service.storage.list_feedback)


@console.get("/sources", response_model=list[SourceOut])
async def console_sources(service: ServiceDep, stale: Annotated[bool, Query()] = False) -> list[dict[str, Any]]:
    """The documents and cards in the index with their dates and staleness."""
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


@console.post(
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
            raise _fail(422, "unknown_source", f"Onbekende bron / unknown source: {', '.join(unknown)[:200]}")
        missing = await run_in_threadpool(_missing_evidence, service, body.sources, body.evidence)
        if missing:
            raise _fail(
                422,
                "evidence_not_found",
                "Niet gevonden in de gekozen bronnen / not found in the chosen sources: "
                + "; ".join(f'"{m[:80]}"' for m in missing),
            )
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


@console.get(
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


# ----- pages and assets ----------------------------------------------------------------------------------
pages = APIRouter(include_in_schema=False)


@pages.get("/")
async def demo_page() -> FileResponse:
    """A sample school website with the widget embedded by one script tag."""
    return FileResponse(STATIC_DIR / "demo.html", media_type="text/html; charset=utf-8")


@pages.get("/widget.js")
async def widget_js() -> FileResponse:
    """The embeddable chat widget."""
    return FileResponse(
        STATIC_DIR / "widget.js",
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@pages.get("/console")
async def console_page(web: WebDep) -> Response:
    """The staff console (asks for the token); a clear notice when no token is configured."""
    token = web.settings.staff_token
    if token is None or not token.get_secret_value():
        return HTMLResponse(CONSOLE_DISABLED_HTML, status_code=503)
    return FileResponse(STATIC_DIR / "console.html", media_type="text/html; charset=utf-8")


def _docs_route(app: FastAPI) -> None:
    """Swagger UI with a CSP that allows exactly its CDN files and its one inline script."""
    html = get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title="Ouderwijzer API")
    body = bytes(html.body).decode("utf-8")
    hashes = [
        "'sha256-" + _b64_sha256(script) + "'"
        for script in re.findall(r"<script>(.*?)</script>", body, flags=re.DOTALL)
    ]
    csp = (
        f"default-src 'self'; script-src 'self' https://cdn.jsdelivr.net {' '.join(hashes)}; "
        "style-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: https://fastapi.tiangolo.com; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """Interactive API documentation."""
        return HTMLResponse(body, headers={"Content-Security-Policy": csp})


def _b64_sha256(data: str) -> str:
    import base64

    return base64.b64encode(hashlib.sha256(data.encode("utf-8")).digest()).decode("ascii")


# ----- middleware (plain ASGI, so streaming and background work stay intact) ---------------------------------
def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path in ("/healthz", "/readyz", "/openapi.json")


class SecurityMiddleware:
    """Security and cache headers on every response; any unhandled error becomes a 500 JSON (logged once)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Content-Security-Policy", CSP_API if _is_api(path) else CSP_PAGE)
                if _is_api(path):
                    headers["Cache-Control"] = "no-store"
                else:
                    headers.setdefault("Cache-Control", "no-cache")
                    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
                if path == "/console":
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.error("unhandled error on %s %s", scope.get("method"), path, exc_info=True)
            if started:
                raise
            await _internal_error_response()(scope, receive, send_with_headers)


class CorsMiddleware:
    """CORS for the public API: the server's own origin plus ``server.cors_origins``; nobody else.

    The console API is same-origin only. A refused preflight gets 403 without any Access-Control header.
    """

    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        self.app = app
        self.origins = {o.rstrip("/") for o in origins}

    def allowed(self, origin: str, scope: Scope) -> bool:
        """True when ``origin`` may read responses of this request."""
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        host = Headers(scope=scope).get("host", "")
        if host and parts.netloc.lower() == host.lower():
            return True
        path: str = scope["path"]
        return origin in self.origins and not path.startswith("/api/console")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        ok = self.allowed(origin, scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not ok or not scope["path"].startswith("/api/"):
                await _error_json(403, "cors_forbidden", CORS_REFUSED)(scope, receive, send)
                return
            preflight = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "GET, POST",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": "600",
                    "Vary": "Origin",
                },
            )
            await preflight(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.append("Vary", "Origin")
                if ok:
                    out["Access-Control-Allow-Origin"] = origin
                    out["Access-Control-Expose-Headers"] = "X-Session-Id, Retry-After"
            await send(message)

        await self.app(scope, receive, send_with_cors)


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes with 413 JSON (the body is read before the app sees it)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = _error_json(
            413,
            "body_too_large",
            f"Het verzoek is te groot (maximaal {self.limit} bytes). / The request is too large "
            f"(at most {self.limit} bytes).",
        )
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await too_large(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if len(body) > self.limit:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# ----- error handlers ----------------------------------------------------------------------------------
_STATUS_CODES = {
    400: (
        "bad_request",
        "Het verzoek kon niet gelezen worden; stuur JSON in UTF-8. / The request could not be read; send UTF-8 JSON.",
    ),
    401: ("unauthorized", "Niet ingelogd. / Not authorised."),
    403: ("forbidden", "Niet toegestaan. / Not allowed."),
    404: ("not_found", "Dit adres bestaat niet. / Not found."),
    405: ("method_not_allowed", "Deze methode kan hier niet. / Method not allowed."),
    413: ("body_too_large", "Het verzoek is te groot. / The request is too large."),
}


async def _http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, HTTPException)
    detail = exc.detail
    if isinstance(detail, dict) and "error" in detail:
        return _error_json(exc.status_code, str(detail["error"]), str(detail["message"]), headers=exc.headers)
    code, message = _STATUS_CODES.get(exc.status_code, ("http_error", str(detail)[:200]))
    return _error_json(exc.status_code, code, message, headers=exc.headers)


_FIELD_PROBLEMS = {
    "missing": "ontbreekt",
    "string_type": "moet tekst zijn",
    "int_type": "moet een getal zijn",
    "bool_parsing": "moet true of false zijn",
    "list_type": "moet een lijst zijn",
    "literal_error": "heeft een waarde die niet mag",
    "string_too_long": "is te lang",
    "string_too_short": "is te kort of leeg",
    "too_long": "heeft te veel items",
    "string_pattern_mismatch": "heeft een vorm die niet mag",
    "model_attributes_type": "moet een JSON-object zijn (Content-Type: application/json)",
    "dict_type": "moet een JSON-object zijn (Content-Type: application/json)",
}


async def _validation_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return _error_json(
            422,
            "invalid_json",
            "Het verzoek is geen geldige JSON. / The request body is not valid JSON.",
            fields=["body"],
        )
    fields: list[str] = []
    nl_parts: list[str] = []
    en_parts: list[str] = []
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "header")]
        name = ".".join(loc) or "body"
        if name not in fields:
            fields.append(name)
        kind = str(err.get("type", ""))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")[:160]
        nl_parts.append(f"{name} {_FIELD_PROBLEMS.get(kind, 'klopt niet')}" if kind != "value_error" else msg)
        en_parts.append(f"{name}: {msg}")
    message = f"Het verzoek klopt niet: {'; '.join(nl_parts)}. / The request is not valid: {'; '.join(en_parts)}."
    return _error_json(422, "invalid_request", message, fields=fields)


async def _ouderwijzer_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, OuderwijzerError)
    if isinstance(exc, (StoreUnavailable, IndexMissing, IndexMismatch)):
        log.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return _error_json(503, "unavailable", _both("unavailable"), headers={"Retry-After": "30"})
    if isinstance(exc, InputError):
        return _error_json(422, "invalid_input", exc.message[:500])
    log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    return _error_json(500, "error", exc.message[:500])


def _internal_error_response() -> JSONResponse:
    return _error_json(500, "internal_error", _both("error"))


async def _unhandled_error(request: Request, exc: Exception) -> Any:
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    return _internal_error_response()


# ----- the app --------------------------------------------------------------------------------------------
def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _start_service(settings: Settings) -> Service:
    """Build and warm up a service (when create_app was not given one)."""
    service = Service(settings)
    try:
        service.warm_up()
    except OuderwijzerError as exc:
        log.error("the service is not ready yet: %s", exc)
    return service


def create_app(settings: Settings, service: Service | None = None) -> FastAPI:
    """The web application: API, widget, demo page and staff console.

    Args:
        settings: the loaded settings (server limits, CORS origins, staff token).
        service: a ready ``Service``; when None one is built and warmed up at start-up.
    """
    state = WebState(
        settings=settings,
        service=service,
        cache=AnswerCache(settings.server.answer_cache_size) if settings.server.answer_cache_size > 0 else None,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.service is None:
            state.service = await run_in_threadpool(_start_service, settings)
        # With a bot token the same process runs the Telegram bot: in webhook mode Telegram posts to
        # telegram.webhook_path on this server; in polling mode a background task polls.
        state.telegram = await _start_telegram(settings, state.service)
        try:
            yield
        finally:
            await _stop_telegram(state.telegram)

    app = FastAPI(
        title="Ouderwijzer",
        summary="Answers about passend onderwijs for parents, every answer with its sources.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        generate_unique_id_function=_operation_id,
    )
    app.state.web = state
    app.include_router(api)
    app.include_router(console)
    app.include_router(ops)
    app.include_router(pages)
    _telegram_route(app, settings)
    _docs_route(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OuderwijzerError, _ouderwijzer_error)
    app.add_exception_handler(Exception, _unhandled_error)

    # Last added runs first: security headers wrap CORS, which wraps the body limit.
    app.add_middleware(BodyLimitMiddleware, limit=settings.server.max_body_bytes)
    app.add_middleware(CorsMiddleware, origins=settings.server.cors_origins)
    app.add_middleware(SecurityMiddleware)
    return app


async def _start_telegram(settings: Settings, service: Service | None) -> Any:
    """Start the Telegram bot inside this process when a token is set; None otherwise or on failure."""
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else ""
    if not token or service is None:
        return None
    from bot.channels import telegram as tg

    webhook = settings.telegram.mode == "webhook"
    application = tg.build_application(settings, service, updater=not webhook)
    try:
        await application.initialize()
        if webhook:
            await application.bot.set_webhook(
                settings.telegram.webhook_url.rstrip("/") + settings.telegram.webhook_path,
                secret_token=tg.webhook_secret(settings),
                allowed_updates=tg.ALLOWED_UPDATES,
            )
        await application.start()
        await tg.on_startup(application)
        if not webhook and application.updater is not None:
            await application.updater.start_polling(
                timeout=settings.telegram.poll_timeout_seconds, allowed_updates=tg.ALLOWED_UPDATES
            )
    except Exception:
        # The web channel keeps serving parents even when Telegram cannot be reached right now.
        log.exception("the Telegram bot could not start; the web server runs without it")
        return None
    log.info("Telegram bot running (%s)", settings.telegram.mode)
    return application


async def _stop_telegram(application: Any) -> None:
    if application is None:
        return
    from bot.channels import telegram as tg

    try:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        await application.stop()
        await tg.on_shutdown(application)
        await application.shutdown()
    except Exception:
        log.exception("the Telegram bot did not stop cleanly")


def _telegram_route(app: FastAPI, settings: Settings) -> None:
    """POST telegram.webhook_path: updates from Telegram, checked against the webhook secret."""

    @app.post(settings.telegram.webhook_path, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        web: WebState = request.app.state.web
        if web.telegram is None:
            return JSONResponse({"error": "not_found", "message": "Telegram is not enabled here."}, status_code=404)
        from bot.channels import telegram as tg

        sent = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(sent.encode(), tg.webhook_secret(settings).encode()):
            return JSONResponse({"error": "forbidden", "message": "Wrong webhook secret."}, status_code=403)
        try:
            data = await request.json()
        except ValueError:
            return JSONResponse({"error": "bad_json", "message": "Not JSON."}, status_code=400)
        if not isinstance(data, dict):
            return JSONResponse({"error": "bad_json", "message": "Expected an object."}, status_code=400)
        await tg.process_webhook_update(web.telegram, data)
        return Response(status_code=200)


def app_from_environment() -> FastAPI:
    """App factory for uvicorn workers (``--factory``): settings from config.yaml and the environment."""
    from bot.logs import setup_logging
    from bot.settings import load_settings

    settings = load_settings()
    setup_logging(settings.logging.level)
    return create_app(settings)


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    """Build the index when missing, warm up, and serve the web app until stopped. Returns the exit code."""
    import uvicorn

    host = host or settings.server.host
    port = port or settings.server.port
    workers = settings.server.workers
    if workers > 1 and settings.store.mode != "http":
        raise ConfigError("server.workers > 1 needs store.mode: http (several processes cannot share embedded files)")

    service = Service(settings)
    if service.store.info() is None:
        sys.stderr.write("building the index...\n")
    service.ensure_index(notify=lambda line: sys.stderr.write(line + "\n"))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}"

    def announce() -> None:
        sys.stdout.write(f"Ouderwijzer: {url}/  (staff console: {url}/console, API docs: {url}/docs)\n")
        sys.stdout.flush()

    common: dict[str, Any] = {"host": host, "port": port, "log_config": None, "proxy_headers": True}
    if workers > 1:
        announce()
        uvicorn.run("bot.channels.web:app_from_environment", factory=True, workers=workers, **common)
        return 0

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                announce()

    service.warm_up()
    server = Server(uvicorn.Config(create_app(settings, service), server_header=False, **common))
    # uvicorn raises SystemExit when it cannot bind the port (it has logged why).
    with _stop_quietly(), contextlib.suppress(SystemExit):
        server.run()
    if not server.started:
        sys.stderr.write(f"ouderwijzer: the web server could not start on {host}:{port} (see the log above)\n")
        return 1
    return 0


@contextmanager
def _stop_quietly() -> Iterator[None]:
    """Ctrl-C and SIGTERM stop uvicorn gracefully; afterwards they must not turn into an error exit code.

    uvicorn re-raises the signal it caught once it has shut down; while it runs, our handlers only note it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda signum, frame: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
