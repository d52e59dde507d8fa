"""The web application and the ``ouderwijzer serve`` command.

Routes (one module each): ``api`` (/api/ask, /api/feedback, /healthz, /readyz), ``console``
(/api/console/*), ``metrics`` (/metrics), ``pages`` (/, /widget.js, /console, /docs, /static).
Middlewares are in ``middleware``, error translation in ``errors``, shared state in ``deps``.

Telegram: with a bot token and ``telegram.mode: webhook`` the app hosts the bot. It calls
``bot.channels.telegram.app.webhook_app(settings, service)``, which returns either a Starlette route
or an ASGI app that handles POSTs to ``telegram.webhook_path`` (it sees the full path). When that app
has a Starlette lifespan (``app.router.lifespan_context``: initialise the bot, set the webhook, stop),
it runs inside this app's lifespan. If the bot cannot be set up, parents are still served.

Usage:
    ouderwijzer serve [--host 0.0.0.0] [--port 8000] [--verbose]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route

from bot.channels.web import api, console, errors, metrics, pages
from bot.channels.web.deps import WebLimits, WebState
from bot.channels.web.middleware import BodyLimit, Cors, RequestContext, SecurityHeaders
from bot.channels.web.server import server_config, server_options
from bot.errors import ConfigError, OuderwijzerError
from bot.retention import purge_periodically
from bot.service import Service
from bot.settings import Settings

log = logging.getLogger(__name__)

#: Telegram updates can be larger than a parent's question (a long message quoting another one).
WEBHOOK_MAX_BODY = 1024 * 1024
#: Staff tokens shorter than this get a warning at start-up.
STAFF_TOKEN_MIN_CHARS = 24


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


def telegram_webhook_wanted(settings: Settings) -> bool:
    """True when this app should host the Telegram bot (a token, and webhook mode)."""
    token = settings.telegram_bot_token.get_secret_value().strip() if settings.telegram_bot_token else ""
    return bool(token) and settings.telegram.mode == "webhook"


def _mount_telegram(app: FastAPI, state: WebState) -> None:
    """Add what ``webhook_app`` returns at ``telegram.webhook_path`` (once; only with a token in webhook mode)."""
    if state.telegram is not None or state.service is None or not telegram_webhook_wanted(state.settings):
        return
    path = state.settings.telegram.webhook_path
    try:
        from bot.channels.telegram.app import webhook_app

        hosted = webhook_app(state.settings, state.service)
    except OuderwijzerError as exc:  # e.g. several workers: the bot must then run as its own process
        log.warning("the web server does not host the Telegram bot: %s", exc)
        return
    except Exception:
        log.exception("the Telegram webhook could not be set up; the web server runs without it")
        return
    route = hosted if isinstance(hosted, BaseRoute) else Route(path, endpoint=hosted, methods=["POST"])
    app.router.routes.append(route)
    state.telegram = hosted
    log.info("Telegram webhook at %s", path)


async def _run_telegram(stack: AsyncExitStack, state: WebState) -> None:
    """Enter the hosted Telegram app's lifespan, if it has one; a failure leaves the web server running."""
    hosted = state.telegram
    lifespan = getattr(getattr(hosted, "router", None), "lifespan_context", None)
    if lifespan is None:
        return
    try:
        await stack.enter_async_context(lifespan(hosted))
    except Exception:
        log.exception("the Telegram bot could not start; the web server runs without it")


def create_app(settings: Settings, service: Service | None = None, *, limits: WebLimits | None = None) -> FastAPI:
    """The web application: API, widget, demo page, staff console, metrics (and the Telegram webhook).

    Args:
        settings: the loaded settings (server limits, CORS origins, staff token, Telegram).
        service: a ready ``Service``; when None one is built and warmed up at start-up.
        limits: limits that are not settings yet (answers in flight, queue, timeouts); default:
            ``WebLimits.from_settings(settings)``.
    """
    state = WebState(settings=settings, service=service, limits=limits or WebLimits.from_settings(settings))
    token = settings.staff_token.get_secret_value() if settings.staff_token else ""
    if token and len(token) < STAFF_TOKEN_MIN_CHARS:
        log.warning("OUDERWIJZER_STAFF_TOKEN is short; use a long random one (python -c 'import secrets; "
                    "print(secrets.token_urlsafe(32))')")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.service is None:
            state.service = await run_in_threadpool(_start_service, settings)
            _mount_telegram(app, state)
        every = settings.privacy.purge_every_minutes * 60
        purger = asyncio.create_task(purge_periodically(state.service.storage, every_seconds=every))
        try:
            async with AsyncExitStack() as stack:
                await _run_telegram(stack, state)
                yield
        finally:
            purger.cancel()

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
    app.include_router(api.router)
    app.include_router(api.ops)
    app.include_router(console.router)
    app.include_router(metrics.router)
    pages.install(app)
    errors.install(app)
    _mount_telegram(app, state)

    # Last added runs first: the request context wraps the security headers, CORS, then the body limit.
    body_limits = {settings.telegram.webhook_path: WEBHOOK_MAX_BODY}
    app.add_middleware(
        BodyLimit, limit=settings.server.max_body_bytes, timeout=state.limits.body_timeout_seconds, paths=body_limits
    )
    app.add_middleware(Cors, origins=settings.server.cors_origins)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext)
    return app


def app_from_environment() -> FastAPI:
    """App factory for uvicorn workers (``--factory``): settings from config.yaml and the environment."""
    from bot.logs import setup_logging
    from bot.settings import load_settings

    settings = load_settings()
    setup_logging(settings.logging.level, json_lines=settings.logging.json)
    return create_app(settings)


def serve(settings: Settings, *, host: str | None = None, port: int | None = None, verbose: bool = False) -> int:
    """Build the index when missing, warm up, and serve the web app until stopped. Returns the exit code.

    Without ``verbose`` only warnings and errors are logged, next to this command's own lines.
    """
    import uvicorn

    from bot.logs import setup_logging

    host = host or settings.server.host
    port = port or settings.server.port
    workers = settings.server.workers
    if workers > 1 and settings.store.mode != "http":
        raise ConfigError("server.workers > 1 needs store.mode: http (several processes cannot share embedded files)")
    level = settings.logging.level if verbose else "WARNING"
    setup_logging(level, json_lines=settings.logging.json)
    if settings.telegram_bot_token and settings.telegram.mode == "polling":
        sys.stderr.write("note: telegram.mode is polling; run `ouderwijzer telegram` for the bot "
                         "(the web server hosts it in webhook mode)\n")

    service = Service(settings)
    if service.store.info() is None:
        sys.stderr.write("building the index...\n")
    service.ensure_index(notify=lambda line: sys.stderr.write(line + "\n"))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}"

    def announce() -> None:
        sys.stdout.write(f"Ouderwijzer: {url}/  (staff console: {url}/console, API docs: {url}/docs)\n")
        sys.stdout.flush()

    if workers > 1:
        # Workers are new processes: they read their settings from the environment, and share metrics
        # through files (prometheus_client's multi-process mode).
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ouderwijzer-metrics-"))
        os.environ["OUDERWIJZER_LOGGING__LEVEL"] = level
        announce()
        uvicorn.run("bot.channels.web.app:app_from_environment", factory=True, workers=workers, host=host, port=port,
                    **server_options(WebLimits.from_settings(settings)))
        return 0

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                announce()

    service.warm_up()
    limits = WebLimits.from_settings(settings)
    server = Server(server_config(create_app(settings, service, limits=limits), host=host, port=port, limits=limits))
    # uvicorn raises SystemExit when it cannot bind the port (it has logged why).
    with _stop_quietly(), contextlib.suppress(SystemExit):
        server.run()
    if not server.started:
        sys.stderr.write(f"ouderwijzer: the web server could not start on {host}:{port} (see the log above)\n")
        return 1
    return 0


@contextlib.contextmanager
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
