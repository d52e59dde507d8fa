"""PTB plumbing: per-chat order of updates, retries of Bot API calls, sending HTML, the one error handler.

- ``PerChatUpdateProcessor``: updates of one chat run in order, different chats concurrently; a message
  with crisis words (``SafetyCheck.quick``: patterns only, in a worker thread) skips its chat's queue.
  The full crisis check still runs once, in ``Service.reply``.
- ``RetryingRateLimiter``: flood control (429) waits and retries, network errors back off and retry.
- ``send_html``: Telegram HTML split under 4,096 characters, buttons under the last part, plain text
  when Telegram refuses the markup.
- ``on_error``: logs with the (redacted) traceback, tells the parent kindly, never shows a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor, ExtBot

from bot.channels.telegram.context import BotContext
from bot.channels.telegram.render import MESSAGE_LIMIT, html_to_text, split_html
from bot.redact import redact
from bot.service import clean_input
from bot.texts import text

log = logging.getLogger("bot.channels.telegram")

TYPING_REPEAT_SECONDS = 4.5
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


# ----- per-chat order -------------------------------------------------------------------------------
#: Telegram's own limit on a message; the queue-skip check never looks further (``reply`` sees it all).
_QUICK_CHARS = 4096


def message_words(update: object) -> str:
    """The text or caption of a (new or edited) message update, cleaned; "" for anything else."""
    if not isinstance(update, Update):
        return ""
    message = update.message or update.edited_message
    words = (message.text or message.caption or "") if message is not None else ""
    return clean_input(words[:_QUICK_CHARS]) if isinstance(words, str) and words else ""


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run in order; different chats run concurrently. Crisis messages skip the queue.

    Each update takes its place in its chat's queue the moment it arrives; then the pattern check
    (``quick``, in a worker thread: it costs about 0.15 ms per character) decides whether it may skip
    the queue. An update that skipped still releases the ones after it only once those before it are
    done, so non-crisis updates of a chat never overlap. ``urgent(update)`` tells a handler the result.
    """

    def __init__(self, quick_crisis: Callable[[str], bool], max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._quick = quick_crisis
        self._tails: dict[int, asyncio.Future[None]] = {}
        self._urgent: set[int] = set()

    def urgent(self, update: object) -> bool:
        """True while ``update`` (which had crisis words) is being handled."""
        return id(update) in self._urgent

    async def _is_urgent(self, update: object) -> bool:
        words = message_words(update)
        if not words:
            return False
        try:
            return await asyncio.to_thread(self._quick, words)
        except Exception as exc:  # never lose an update over the queue-skip check
            log_failure("the quick crisis check failed", exc)
            return False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run ``coroutine`` once every earlier update of the same chat is done (a crisis does not wait)."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        previous = self._tails.get(chat.id)  # taken before any await: arrival order is queue order
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[chat.id] = mine
        started = False
        try:
            if await self._is_urgent(update):
                self._urgent.add(id(update))
            elif previous is not None:
                await asyncio.wait({previous})  # wait() never cancels what it waits for
            started = True
            await coroutine
        finally:
            self._urgent.discard(id(update))
            if not started and isinstance(coroutine, Coroutine):
                coroutine.close()  # cancelled while queued (shutdown)
            try:
                if previous is not None and not previous.done():
                    await asyncio.wait({previous})
            finally:
                mine.set_result(None)
                if self._tails.get(chat.id) is mine:
                    del self._tails[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


# ----- retries --------------------------------------------------------------------------------------
def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RetryingRateLimiter(BaseRateLimiter[None]):
    """Wraps every Bot API call: flood control (429) waits and retries, network errors back off and retry.

    React only when needed: a ``RetryAfter`` pauses all requests until Telegram allows them again (up to
    ``max_wait`` seconds, ``max_retries`` times); ``NetworkError``/``TimedOut`` (not ``BadRequest``) are
    retried with exponential backoff. Typing indicators are never retried: late, they are useless.
    Needs no extra (PTB's own ``AIORateLimiter`` throttles every call up front, which we do not want).
    """

    def __init__(self, *, max_retries: int = 3, max_wait: float = 60.0, backoff: float = 0.5) -> None:
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.backoff = backoff
        self._resume_at = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Call the Bot API, waiting out flood control and retrying transient network errors."""
        retry = endpoint != "sendChatAction"
        attempt = 0
        while True:
            pause = self._resume_at - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    wait = _seconds(exc.retry_after)
                if not retry or attempt >= self.max_retries or wait > self.max_wait:
                    raise
                log.warning("Telegram flood control on %s: waiting %.1f s before retrying", endpoint, wait)
                self._resume_at = max(self._resume_at, time.monotonic() + wait)
            except NetworkError as exc:  # includes TimedOut; BadRequest is a NetworkError too but final
                if isinstance(exc, BadRequest) or not retry or attempt >= self.max_retries:
                    raise
                delay = self.backoff * 2**attempt
                log.warning("network error on %s (%s): retrying in %.1f s", endpoint, exc, delay)
                await asyncio.sleep(delay)
            attempt += 1


# ----- sending --------------------------------------------------------------------------------------
async def send_html(
    bot: ExtBot[None],
    chat_id: int,
    body: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> Message | None:
    """Send Telegram HTML, split into several messages when needed; buttons go under the last one."""
    parts = split_html(body)
    sent = None
    for n, part in enumerate(parts):
        kwargs: dict[str, Any] = {
            "reply_markup": reply_markup if n == len(parts) - 1 else None,
            "reply_parameters": (
                ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to and n == 0 else None
            ),
            "link_preview_options": _NO_PREVIEW,
        }
        try:
            sent = await bot.send_message(chat_id, part, parse_mode=ParseMode.HTML, **kwargs)
        except BadRequest as exc:
            if "entit" not in str(exc).lower() and "parse" not in str(exc).lower():
                raise
            log.error("Telegram refused our HTML (%s); sending this part as plain text", exc)
            sent = await bot.send_message(chat_id, html_to_text(part)[:MESSAGE_LIMIT], **kwargs)
    return sent


@asynccontextmanager
async def typing(bot: ExtBot[None], chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" while the body runs (Telegram shows it ~5 s, so it is repeated)."""

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_REPEAT_SECONDS)
            with suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)

    with suppress(TelegramError):
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    task = asyncio.get_running_loop().create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


# ----- errors ---------------------------------------------------------------------------------------
def log_failure(what: str, error: BaseException | None) -> None:
    """Log an error with its traceback, redacted (the root filter redacts messages, not tracebacks)."""
    if error is None:
        log.error(what)
        return
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    log.error("%s\n%s", what, redact(trace.rstrip()))


async def on_error(update: object, context: BotContext) -> None:
    """The one error handler: log with the traceback, tell the parent kindly, never show a traceback."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("Telegram refused delivery (the user blocked the bot or left the chat); update dropped")
        return
    log_failure("handling an update failed", error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        lang = await context.language(update.effective_chat.id)
        if update.callback_query is not None:
            with suppress(TelegramError):
                await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, text("error", lang))
    except Exception as exc:
        log_failure("could not tell the user that something went wrong", exc)
