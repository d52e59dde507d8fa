"""Plain ASGI middlewares (streaming and background work stay intact), outermost first:

- ``RequestContext``: a request id on every log line and in ``X-Request-Id``; one access line per
  request (method, path without query string, status, time; never the client's address); metrics.
- ``SecurityHeaders``: security and cache headers on every response; an unhandled error becomes a 500.
- ``Cors``: the public API may be called from the server's own origin and ``server.cors_origins``; a
  malformed ``Origin`` header is a 400 on every route.
- ``BodyLimit``: bodies over the limit get 413, bodies that arrive too slowly get 408.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.web import metrics
from bot.channels.web.errors import accept_language, error_json, internal_error, sentence, status_error
from bot.logs import current_request_id, end_request, start_request

log = logging.getLogger(__name__)
access_log = logging.getLogger("ouderwijzer.access")

CSP_PAGE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_API = "default-src 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"
METHODS = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"}


def is_api(path: str) -> bool:
    """JSON endpoints: never cached, the strictest CSP."""
    return path.startswith("/api/") or path in ("/healthz", "/readyz", "/openapi.json", "/metrics")


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope["path"].startswith("/static/"):
        return "/static"
    return "unmatched"


def _lang(scope: Scope) -> str | None:
    return accept_language(Headers(scope=scope).get("accept-language"))


class _HttpMiddleware:
    """Pure ASGI middleware for HTTP requests only; other scopes (lifespan) pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RequestContext(_HttpMiddleware):
    """Request id, access line and request metrics for every HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = start_request(uuid.uuid4().hex[:12])
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                # The route may have renamed the request (an answer's id): read it as late as possible.
                MutableHeaders(scope=message)["X-Request-Id"] = current_request_id() or ""
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            path = scope["path"][:200]
            metrics.REQUESTS.labels(_route_label(scope), method, str(status)).inc()
            # Seconds, not "1234 ms": four digits and two letters read as a postcode to the redactor.
            access_log.info(
                "%s %s %d in %.3f s",
                method,
                path,
                status,
                ms / 1000,
                extra={"fields": {"method": method, "path": path, "status": status, "ms": ms}},
            )
            end_request(token)


class SecurityHeaders(_HttpMiddleware):
    """Security and cache headers on every response; any unhandled error becomes a 500 JSON (logged once)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Content-Security-Policy", CSP_API if is_api(path) else CSP_PAGE)
                if is_api(path):
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
            await internal_error(_lang(scope))(scope, receive, send_with_headers)


class Cors(_HttpMiddleware):
    """CORS for the public API: the server's own origin plus ``server.cors_origins``; nobody else.

    The console API is same-origin only. A refused preflight gets 403 without any Access-Control header;
    an ``Origin`` that is not a URL at all (``http://[``) gets 400 on every route.
    """

    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        super().__init__(app)
        self.origins = {o.rstrip("/") for o in origins}

    def allowed(self, origin: str, scope: Scope) -> bool:
        """True when ``origin`` may read responses of this request (raises ValueError for a malformed one)."""
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        host = Headers(scope=scope).get("host", "")
        if host and parts.netloc.lower() == host.lower():
            return True
        path: str = scope["path"]
        return origin in self.origins and not path.startswith("/api/console")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        try:
            ok = self.allowed(origin, scope)
        except ValueError:
            metrics.REFUSALS.labels("bad_origin").inc()
            await error_json(400, "bad_origin", sentence("web_bad_origin", _lang(scope)))(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not ok or not scope["path"].startswith("/api/"):
                metrics.REFUSALS.labels("cors").inc()
                await error_json(403, "cors_forbidden", sentence("web_cors_forbidden", _lang(scope)))(
                    scope, receive, send
                )
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
                    out["Access-Control-Expose-Headers"] = "X-Session-Id, X-Request-Id, Retry-After"
            await send(message)

        await self.app(scope, receive, send_with_cors)


class BodyLimit:
    """Read the whole body before the app sees it: over the limit is 413, slower than ``timeout`` seconds is 408."""

    def __init__(self, app: ASGIApp, *, limit: int, timeout: float, paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_limit = limit
        self.timeout = timeout
        self.paths = paths or {}  # other limits for some paths (the Telegram webhook)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.default_limit)
        lang = _lang(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            metrics.REFUSALS.labels("body_too_large").inc()
            await status_error(413, lang, max=limit)(scope, receive, send)
            return
        body = bytearray()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                metrics.REFUSALS.labels("timeout").inc()
                slow = status_error(408, lang)
                slow.headers["Connection"] = "close"
                await slow(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if len(body) > limit:
                metrics.REFUSALS.labels("body_too_large").inc()
                await status_error(413, lang, max=limit)(scope, receive, send)
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
