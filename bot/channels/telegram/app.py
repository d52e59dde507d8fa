"""Building and hosting the Telegram bot: exactly one bot process, one hosting path.

Usage:
    export TELEGRAM_BOT_TOKEN=123456:ABC...     # from @BotFather
    ouderwijzer telegram                        # polls, or serves the webhook when telegram.mode is webhook

``build_application(settings, service)`` wires python-telegram-bot: typed context, per-chat update order,
retries and every handler (``handlers.register``); ``hosting`` adds the retention purge to PTB's job queue.
``webhook_app(settings, service)`` is the ASGI app that hosts it. Its lifespan starts the application and
then polls or registers the webhook (the URL is built in ``webhook_url`` only); it serves
``POST telegram.webhook_path`` (with the secret header) and ``GET /healthz``. ``run_bot(settings)`` runs
that app: under uvicorn on ``server.host:server.port`` in webhook mode, without opening a port when polling.

The bot is exactly one process. In production it is its own service and the HTTPS proxy sends
``telegram.webhook_path`` to it (``deploy/``, ``docs/scaling.md``); the web workers get no token. A
single-process web server may host the same app for development; with several web workers
``webhook_app`` refuses, because each worker would build its own bot and register the webhook again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.channels.telegram import handlers
from bot.channels.telegram.context import BotContext, in_thread, install, make_deps
from bot.channels.telegram.plumbing import PerChatUpdateProcessor, RetryingRateLimiter
from bot.errors import ConfigError
from bot.language import SUPPORTED
from bot.service import Service
from bot.settings import Settings
from bot.texts import text

log = logging.getLogger("bot.channels.telegram")

#: Update types the bot asks Telegram for.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Telegram's updates are a few kB; anything this large is not one.
MAX_UPDATE_BYTES = 1_048_576
#: The bot's own retention purge (the web server and ``ouderwijzer purge`` run the same purge).
PURGE_INTERVAL_SECONDS = 24 * 3600
COMMANDS = ("start", "help", "taal", "privacy", "vergeet")

TOKEN_HINT = """\
ouderwijzer telegram: no bot token found.

To run the Telegram bot you need a token from Telegram's @BotFather:
  1. In Telegram, open a chat with @BotFather and send /newbot. Choose a name and a username.
  2. BotFather replies with a token that looks like 123456789:AAH...; keep it secret.
  3. Put it in the environment (never in config.yaml) and start again:
       export TELEGRAM_BOT_TOKEN='123456789:AAH...'
       ouderwijzer telegram
"""


def _token(settings: Settings) -> str:
    secret = settings.telegram_bot_token
    return secret.get_secret_value().strip() if secret is not None else ""


def webhook_url(settings: Settings) -> str:
    """The public URL Telegram posts to: ``telegram.webhook_url`` as given when it has a path, else that
    host plus ``telegram.webhook_path`` (so both ``https://host`` and ``https://host/telegram/webhook`` work)."""
    url = settings.telegram.webhook_url.strip()
    if urlsplit(url).path.strip("/"):
        return url
    return url.rstrip("/") + settings.telegram.webhook_path


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends in ``X-Telegram-Bot-Api-Secret-Token`` (derived from the bot token)."""
    return hashlib.sha256(f"ouderwijzer-webhook:{_token(settings)}".encode()).hexdigest()[:48]


def _file_base_url(base_url: str) -> str:
    """``https://api.telegram.org/bot`` -> ``https://api.telegram.org/file/bot`` (also for self-hosted)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


# ----- the application ------------------------------------------------------------------------------
async def purge(context: BotContext) -> None:
    """Job: delete rows past ``privacy.retention_days`` (the answer memos behind buttons included)."""
    deleted = await in_thread(context.deps.storage.purge_expired)
    log.info("retention: %d expired rows deleted", deleted)


def build_application(settings: Settings, service: Service) -> Application:  # type: ignore[type-arg]
    """The PTB application with every handler registered; an updater only in polling mode. No network yet."""
    token = _token(settings)
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    poll = settings.telegram.poll_timeout_seconds
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(_file_base_url(settings.telegram.base_url))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor(service.safety.quick))
        .rate_limiter(RetryingRateLimiter())
        .get_updates_read_timeout(poll + 10)
    )
    if settings.telegram.mode == "webhook":
        builder = builder.updater(None)
    application = builder.build()
    install(application.bot_data, make_deps(settings, service))
    handlers.register(application)
    return application


def schedule_purge(application: Application) -> None:  # type: ignore[type-arg]
    """The retention purge on PTB's job queue: now (the queue is running) and then daily."""
    if application.job_queue is None:  # python-telegram-bot[job-queue] is a declared dependency
        log.warning("PTB's job queue is missing (pip install 'python-telegram-bot[job-queue]'): no purge job")
        return
    if not application.job_queue.get_jobs_by_name("purge"):
        # first=1, not 0: APScheduler moves a start that is already past to one interval later.
        application.job_queue.run_repeating(purge, interval=PURGE_INTERVAL_SECONDS, first=1, name="purge")


async def set_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu, in Dutch by default and per supported Telegram language."""
    for lang in SUPPORTED:
        commands = [BotCommand(name, text(f"cmd_{name}", lang)) for name in COMMANDS]
        try:
            await application.bot.set_my_commands(commands, language_code=None if lang == "nl" else lang)
        except TelegramError as exc:
            log.warning("could not set the command menu (%s): %s", lang, exc)


@asynccontextmanager
async def hosting(application: Application, settings: Settings) -> AsyncIterator[None]:  # type: ignore[type-arg]
    """Run the application: start it, then poll or register the webhook; stop it all on exit."""
    async with application:
        await application.start()
        try:
            schedule_purge(application)
            if application.updater is not None:
                await application.updater.start_polling(
                    timeout=settings.telegram.poll_timeout_seconds, poll_interval=0.0, allowed_updates=ALLOWED_UPDATES
                )
            else:
                await application.bot.set_webhook(
                    webhook_url(settings), secret_token=webhook_secret(settings), allowed_updates=ALLOWED_UPDATES
                )
            await set_commands(application)
            log.info("Telegram bot running (%s)", settings.telegram.mode)
            yield
        finally:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()


# ----- the ASGI app that hosts it -------------------------------------------------------------------
def _bad(reason: str, status: int = 400) -> Response:
    log.warning("webhook: %s; dropped", reason)
    return PlainTextResponse(reason, status_code=status)


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is longer than ``limit`` bytes (never read whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_app(settings: Settings, service: Service, *, standalone: bool = False) -> Starlette:
    """The ASGI app that hosts the bot: its lifespan runs ``hosting``; ``POST telegram.webhook_path``
    (webhook mode) and ``GET /healthz``. ``app.state.application`` is the PTB application.

    ``ouderwijzer telegram`` builds it with ``standalone=True``. A web server may mount it (and enter its
    lifespan) only when it is one process: with ``server.workers`` > 1 every worker would build its own
    bot and register the webhook again, so this raises ``ConfigError`` before anything is built.
    """
    if not standalone and settings.server.workers > 1:
        raise ConfigError(
            f"the Telegram bot must run as one process, not in each of {settings.server.workers} web workers: "
            "run `ouderwijzer telegram` as its own service and give the web server no bot token"
        )
    application = build_application(settings, service)
    secret = webhook_secret(settings).encode()

    async def receive(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret):
            return PlainTextResponse("wrong secret", status_code=403)
        if not application.running:
            return _bad("the bot is not running in this process", 503)
        body = await _read_capped(request, MAX_UPDATE_BYTES)
        if body is None:
            return _bad("update too large", 413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _bad("not JSON")
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return _bad("not an update")
        try:
            update = Update.de_json(data, application.bot)
        except Exception:  # PTB raises KeyError, TypeError, AttributeError... on a malformed update
            return _bad("malformed update")
        await application.update_queue.put(update)
        return Response(status_code=200)

    async def health(request: Request) -> Response:
        ok = application.running
        return PlainTextResponse("ok" if ok else "starting", status_code=200 if ok else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with hosting(application, settings):
                yield
        except Exception as exc:
            app.state.failure = exc  # uvicorn only logs a failed start; ``serve`` raises it again
            raise

    routes = [Route("/healthz", health, methods=["GET"])]
    if settings.telegram.mode == "webhook":
        routes.append(Route(settings.telegram.webhook_path, receive, methods=["POST"]))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.application = application
    app.state.failure = None
    return app


async def serve(app: Starlette, settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Serve the bot until SIGINT/SIGTERM (or ``stop``): uvicorn for a webhook, no port for polling."""
    import uvicorn

    application = app.state.application
    await application.initialize()  # checks the token (getMe) before anything listens
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if settings.telegram.mode == "webhook":
        server = uvicorn.Server(
            uvicorn.Config(app, host=settings.server.host, port=settings.server.port, log_level="warning")
        )

        async def watch() -> None:
            await stop.wait()
            server.should_exit = True

        watcher = loop.create_task(watch())
        try:
            await server.serve()  # uvicorn handles SIGINT/SIGTERM itself
        finally:
            watcher.cancel()
        if app.state.failure is not None:
            raise app.state.failure
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with app.router.lifespan_context(app):
        await stop.wait()


def run_bot(settings: Settings) -> int:
    """Run the bot until interrupted (``ouderwijzer telegram``). Returns the exit code."""
    if not _token(settings):
        sys.stderr.write(TOKEN_HINT)
        return 2
    service = Service(settings)
    service.ensure_index(notify=lambda line: sys.stderr.write(line + "\n"))
    service.warm_up()
    app = webhook_app(settings, service, standalone=True)
    try:
        asyncio.run(serve(app, settings))
    except InvalidToken:
        sys.stderr.write(
            "ouderwijzer telegram: Telegram does not accept this bot token. Check TELEGRAM_BOT_TOKEN; "
            "@BotFather can show it again (/token) or make a new one.\n"
        )
        return 2
    except NetworkError as exc:
        sys.stderr.write(f"ouderwijzer telegram: cannot reach the Bot API at {settings.telegram.base_url} ({exc}).\n")
        return 1
    except KeyboardInterrupt:
        pass
    return 0

