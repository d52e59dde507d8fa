"""The Telegram channel: python-telegram-bot handlers around ``Service.ask``.

Usage:
    export TELEGRAM_BOT_TOKEN=123456:ABC...     # from @BotFather
    ouderwijzer telegram                        # long polling, or a webhook when telegram.mode is webhook

``build_application(settings, service)`` registers every handler in one place; ``run_bot(settings)`` is
what the CLI runs. The web server can host the same application in webhook mode
(``build_application(..., updater=False)`` plus ``process_webhook_update``).

Order of work for a text message: crisis check (help lines first, never rate limited) -> group filter
(only when addressed) -> per-chat rate limit -> empty / too long -> typing indicator -> ``ask`` in a
worker thread with the chat's recent questions -> Telegram HTML with sources and buttons. Updates of one
chat are handled in order, different chats concurrently; a crisis message jumps its chat's queue.
Parents' messages are never logged; the database only sees them through ``Storage`` (which redacts).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import sys
import time
import traceback
import warnings
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram_render import esc, html_to_text, render_answer, render_quotes, render_steps, split_html
from bot.texts import text as ttext
from bot.errors import ConfigError, IndexMissing, StoreUnavailable
from bot.language import LANGUAGE_NAMES, SUPPORTED, detect_language, normalise_language
from bot.models import Answer, Citation
from bot.redact import contains_personal_data, redact
from bot.service import ABSOLUTE_MAX_CHARS, Service, clean_input
from bot.settings import Settings
from bot.store.db import Storage
from bot.texts import text as btext

log = logging.getLogger(__name__)

CHANNEL = "telegram"
#: Update types the bot asks Telegram for.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
#: Answers per chat kept in memory for the buttons under them (quotes, feedback, hand-over).
ANSWER_MEMORY = 10
#: A chat's in-memory answers are dropped after this much silence (its buttons then say so).
MEMORY_IDLE_SECONDS = 2 * 24 * 3600
#: ``ask`` is CPU-bound: at most this many run at once (these machines have 2 cores).
ASK_CONCURRENCY = 2
PURGE_INTERVAL_SECONDS = 24 * 3600
TYPING_REPEAT_SECONDS = 4.5
_ANSWER_ID = re.compile(r"^[0-9a-f]{6,32}$")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_DEPS = "ouderwijzer"

TOKEN_HINT = """\
ouderwijzer telegram: no bot token found.

To run the Telegram bot you need a token from Telegram's @BotFather:
  1. In Telegram, open a chat with @BotFather and send /newbot. Choose a name and a username.
  2. BotFather replies with a token that looks like 123456789:AAH...; keep it secret.
  3. Put it in the environment (never in config.yaml) and start again:
       export TELEGRAM_BOT_TOKEN='123456789:AAH...'
       ouderwijzer telegram
"""


# ----- per-chat memory and limits -------------------------------------------------------------------
@dataclass
class AnswerMemo:
    """What the buttons under one answer need: its citations, language and outcome (memory only)."""

    answer_id: str
    lang: str
    outcome: str
    citations: list[Citation] = field(default_factory=list)
    rated: int = 0
    forwarded: bool = False


class ChatMemory:
    """PTB ``chat_data`` of one chat: the last answers, for their buttons. Never written to disk."""

    def __init__(self) -> None:
        self.answers: OrderedDict[str, AnswerMemo] = OrderedDict()
        self.last_used = time.monotonic()

    def remember(self, memo: AnswerMemo) -> None:
        """Keep ``memo``; the oldest answers are dropped beyond ``ANSWER_MEMORY``."""
        self.last_used = time.monotonic()
        self.answers[memo.answer_id] = memo
        while len(self.answers) > ANSWER_MEMORY:
            self.answers.popitem(last=False)

    def get(self, answer_id: str) -> AnswerMemo | None:
        """The memo of one answer, if it is still in memory."""
        return self.answers.get(answer_id)

    def clear(self) -> None:
        """Forget every answer (``/vergeet``)."""
        self.answers.clear()


class SlidingWindowLimiter:
    """At most ``per_minute`` messages per chat in any 60-second window, in memory."""

    def __init__(self, per_minute: int, *, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._told: dict[int, float] = {}

    def hit(self, chat_id: int) -> tuple[bool, bool]:
        """Count one message. Returns (allowed, tell_the_user): the user is told once per window."""
        now = self._clock()
        if len(self._hits) > 10_000:
            self._prune(now)
        hits = self._hits.setdefault(chat_id, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) < self.per_minute:
            hits.append(now)
            return True, False
        told = self._told.get(chat_id)
        if told is None or now - told >= self.window:
            self._told[chat_id] = now
            return False, True
        return False, False

    def _prune(self, now: float) -> None:
        for chat_id in [c for c, h in self._hits.items() if not h or now - h[-1] >= self.window]:
            self._hits.pop(chat_id, None)
            self._told.pop(chat_id, None)


# ----- PTB plumbing: retries and per-chat ordering ---------------------------------------------------
def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RetryingRateLimiter(BaseRateLimiter[None]):
    """Wraps every Bot API call: flood control (429) waits and retries, network errors back off and retry.

    React-only-when-needed: a ``RetryAfter`` pauses all requests until Telegram allows them again (up to
    ``max_wait`` seconds, ``max_retries`` times); ``NetworkError``/``TimedOut`` (not ``BadRequest``) are
    retried with exponential backoff. Typing indicators are never retried: late, they are useless.
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


def _crisis_update(update: object, quick: Callable[[str], bool]) -> bool:
    if not isinstance(update, Update):
        return False
    message = update.message or update.edited_message
    words = (message.text or message.caption or "") if message is not None else ""
    return bool(words) and quick(clean_input(words))


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run in order; different chats run concurrently. Crisis messages skip the queue."""

    def __init__(self, quick_crisis: Callable[[str], bool], max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._quick = quick_crisis
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run ``coroutine`` once every earlier update of the same chat is done."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None or _crisis_update(update, self._quick):
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if self._waiting[chat.id] == 0:
                del self._waiting[chat.id]
                self._locks.pop(chat.id, None)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


# ----- what every handler can reach ----------------------------------------------------------------
class Maintenance:
    """Deletes rows past the retention period: once at start, then daily (JobQueue, else an asyncio task)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.started = False
        self._task: asyncio.Task[None] | None = None
        self._application: Application | None = None  # type: ignore[type-arg]

    async def start(self, application: Application) -> None:  # type: ignore[type-arg]
        """Purge now and schedule the daily purge (idempotent)."""
        if self.started:
            return
        self.started = True
        self._application = application
        with warnings.catch_warnings():  # PTB warns when its job-queue extra is not installed
            warnings.simplefilter("ignore")
            job_queue = application.job_queue
        if job_queue is not None:
            job_queue.run_repeating(self._job, interval=PURGE_INTERVAL_SECONDS, first=0, name="purge")
        else:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="ouderwijzer-purge")

    async def stop(self) -> None:
        """Cancel the daily purge task."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.started = False

    async def purge(self) -> int:
        """Delete expired rows now, and forget the in-memory answers of chats that went quiet."""
        deleted = await asyncio.to_thread(self.storage.purge_expired)
        log.info("retention: %d expired rows deleted", deleted)
        application = self._application
        if application is not None:
            now = time.monotonic()
            idle = [
                chat_id
                for chat_id, memory in application.chat_data.items()
                if isinstance(memory, ChatMemory) and now - memory.last_used > MEMORY_IDLE_SECONDS
            ]
            for chat_id in idle:
                application.drop_chat_data(chat_id)
        return deleted

    async def _job(self, context: object) -> None:
        await self.purge()

    async def _loop(self) -> None:
        while True:
            try:
                await self.purge()
            except Exception as exc:
                _log_failure("retention purge failed", exc)
            await asyncio.sleep(PURGE_INTERVAL_SECONDS)


@dataclass
class Deps:
    """The service, settings and in-memory state shared by all handlers (``application.bot_data``)."""

    settings: Settings
    service: Service
    limiter: SlidingWindowLimiter
    ask_slots: asyncio.Semaphore
    maintenance: Maintenance

    @property
    def storage(self) -> Storage:
        """The service's storage (the only way this channel reads or writes data)."""
        return self.service.storage

    def chat_key(self, chat_id: int) -> str:
        """The hashed key a chat is stored under (never the raw chat id)."""
        return self.storage.chat_key(CHANNEL, chat_id)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], ChatMemory, dict[Any, Any]]):
    """Typed access to what the handlers share."""

    @property
    def deps(self) -> Deps:
        """Service, settings and limits shared by every handler."""
        return self.bot_data[_DEPS]  # type: ignore[no-any-return]

    @property
    def memory(self) -> ChatMemory:
        """This chat's in-memory answers (a throw-away one for updates without a chat)."""
        return self.chat_data if self.chat_data is not None else ChatMemory()


# ----- small helpers ---------------------------------------------------------------------------------
def _log_failure(what: str, error: BaseException | None) -> None:
    """Log an error with its traceback, redacted (the root filter redacts messages, not tracebacks)."""
    if error is None:
        log.error(what)
        return
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    log.error("%s\n%s", what, redact(trace.rstrip()))


async def _db(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a (quick, blocking) storage call in a worker thread."""
    return await asyncio.to_thread(func, *args, **kwargs)


async def _chosen_language(deps: Deps, chat_id: int) -> str | None:
    state = await _db(deps.storage.get_state, deps.chat_key(chat_id))
    return state.lang  # type: ignore[no-any-return]


def _is_group(chat: Chat) -> bool:
    return chat.type in (Chat.GROUP, Chat.SUPERGROUP)


def _addressed(message: Message, bot: ExtBot[None]) -> tuple[bool, str]:
    """In a group: was the bot @mentioned or replied to? Returns that and the text without the mention."""
    words = message.text or message.caption or ""
    mentioned = False
    if bot.username:
        mention = re.compile(rf"(?<![\w@])@{re.escape(bot.username)}\b", re.IGNORECASE)
        mentioned = bool(mention.search(words))
        words = mention.sub(" ", words)
    reply = message.reply_to_message
    replied = reply is not None and reply.from_user is not None and reply.from_user.id == bot.id
    return mentioned or replied, clean_input(words)


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
            sent = await bot.send_message(chat_id, html_to_text(part)[:4096], **kwargs)
    return sent


async def _say(update: Update, context: BotContext, plain: str, **kwargs: Any) -> Message | None:
    """Send a fixed text (escaped) to the chat of ``update``; in groups as a reply to the message."""
    chat = update.effective_chat
    if chat is None:
        return None
    message = update.effective_message
    reply_to = message.message_id if message is not None and _is_group(chat) and not update.callback_query else None
    return await send_html(context.bot, chat.id, esc(plain), reply_to=reply_to, **kwargs)


@asynccontextmanager
async def _typing(bot: ExtBot[None], chat_id: int) -> AsyncIterator[None]:
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


def _answer_keyboard(memo: AnswerMemo) -> InlineKeyboardMarkup | None:
    """Buttons under an answer: Bronnen, 👍, 👎 and Met een mens praten (none under crisis or clarify)."""
    if memo.outcome not in ("answer", "refuse"):
        return None
    lang, aid = memo.lang, memo.answer_id
    first: list[InlineKeyboardButton] = []
    if memo.outcome == "answer" and memo.citations:
        first.append(InlineKeyboardButton(ttext("btn_sources", lang), callback_data=f"src:{aid}"))
    first.append(InlineKeyboardButton("👍", callback_data=f"fb:up:{aid}"))
    first.append(InlineKeyboardButton("👎", callback_data=f"fb:dn:{aid}"))
    human = [InlineKeyboardButton(ttext("btn_human", lang), callback_data=f"human:{aid}")]
    return InlineKeyboardMarkup([first, human])


def _rework_keyboard(
    markup: InlineKeyboardMarkup | None, *, drop: str = "", feedback_done: str = ""
) -> InlineKeyboardMarkup | None:
    """The keyboard of a sent answer with buttons whose data starts with ``drop`` removed and, when
    ``feedback_done`` is given, the 👍/👎 pair replaced by one "thank you" button."""
    if markup is None:
        return None
    rows = []
    for row in markup.inline_keyboard:
        new_row: list[InlineKeyboardButton] = []
        for button in row:
            data = str(button.callback_data or "")
            if drop and data.startswith(drop):
                continue
            if feedback_done and data.startswith("fb:"):
                if not any(str(b.callback_data).startswith("noop") for b in new_row):
                    new_row.append(InlineKeyboardButton(feedback_done, callback_data="noop"))
                continue
            new_row.append(button)
        if new_row:
            rows.append(new_row)
    return InlineKeyboardMarkup(rows)


async def _edit_keyboard(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    if query is None or markup is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


# ----- questions ------------------------------------------------------------------------------------
async def _deliver(update: Update, context: BotContext, answer: Answer, question: str) -> None:
    """Send an answer (HTML, split when long) with its buttons, and keep what the buttons need."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None
    memo = AnswerMemo(answer.answer_id, answer.lang, answer.outcome, list(answer.citations))
    if answer.answer_id and answer.outcome != "crisis":
        context.memory.remember(memo)
    body = render_answer(answer, personal_data_tip=answer.outcome != "crisis" and contains_personal_data(question))
    reply_to = message.message_id if message is not None and _is_group(chat) else None
    keyboard = _answer_keyboard(memo) if answer.answer_id else None
    await send_html(context.bot, chat.id, body, reply_markup=keyboard, reply_to=reply_to)


async def _reply_crisis(update: Update, context: BotContext, question: str) -> None:
    """Help lines first: no typing indicator, no rate limit, no buttons, and never silence."""
    deps = context.deps
    chat = update.effective_chat
    assert chat is not None
    key = deps.chat_key(chat.id)
    chosen = None
    try:
        chosen = await _chosen_language(deps, chat.id)
        result = await asyncio.to_thread(
            deps.service.ask, question, lang=chosen, max_chars=ABSOLUTE_MAX_CHARS, channel=CHANNEL, chat=key
        )
        answer = result.answer
    except Exception as exc:
        _log_failure("the crisis reply could not be composed by the service; sending the fixed help lines", exc)
        lang = chosen or detect_language(question, fallback="nl")
        answer = Answer(outcome="crisis", lang=lang, text=btext("crisis", lang))
    log.info("crisis reply sent (lang=%s)", answer.lang)
    await _deliver(update, context, answer, question)


async def on_text(update: Update, context: BotContext) -> None:
    """A parent's question: answer it with sources, in the chat's language."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    deps = context.deps
    question = clean_input(message.text)
    crisis = await asyncio.to_thread(deps.service.crisis_check, question)
    if _is_group(chat):
        addressed, question = _addressed(message, context.bot)
        if not addressed and not crisis:
            return
    if crisis:
        await _reply_crisis(update, context, question)
        return
    allowed, tell = deps.limiter.hit(chat.id)
    if not allowed and not tell:
        return  # over the limit and already told: drop quietly, without touching the database
    key = deps.chat_key(chat.id)
    state = await _db(deps.storage.get_state, key)
    lang = state.lang or detect_language(question, fallback="nl")
    if not allowed:
        log.info("a chat went over the rate limit (%d per minute)", deps.limiter.per_minute)
        await _say(update, context, btext("rate_limited", lang))
        return
    if not question:
        await _say(update, context, btext("empty", lang))
        return
    limit = deps.settings.telegram.max_message_chars
    if len(question) > limit:
        await _say(update, context, btext("too_long", lang, max=limit))
        return
    started = time.perf_counter()
    async with _typing(context.bot, chat.id), deps.ask_slots:
        try:
            result = await asyncio.to_thread(
                deps.service.ask,
                question,
                history=state.history or None,
                lang=state.lang,
                max_chars=limit,
                channel=CHANNEL,
                chat=key,
            )
        except (StoreUnavailable, IndexMissing) as exc:
            log.warning("cannot answer right now: %s", exc)
            await _say(update, context, btext("unavailable", lang))
            return
    answer = result.answer
    if answer.outcome != "crisis":
        await _db(deps.storage.remember_question, key, CHANNEL, question, keep=deps.settings.retrieval.history_turns)
    log.info(  # the decision's category only: its details can quote the parent's words
        "answered: outcome=%s lang=%s decision=%s in %.0f ms",
        answer.outcome,
        answer.lang,
        result.decision.split(":", 1)[0].split(" (", 1)[0],
        (time.perf_counter() - started) * 1000,
    )
    await _deliver(update, context, answer, question)


async def on_edited(update: Update, context: BotContext) -> None:
    """An edited message: crisis words still get the help lines; otherwise ask for a new message."""
    message, chat = update.edited_message, update.effective_chat
    if message is None or chat is None:
        return
    words = clean_input(message.text or message.caption or "")
    if words and await asyncio.to_thread(context.deps.service.crisis_check, words):
        await _reply_crisis(update, context, words)
        return
    if _is_group(chat):
        return
    await _limited_say(update, context, "edited")


async def on_unsupported(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice, files, locations...: explain that only text works."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None:
        return
    caption = clean_input(message.caption or "")
    if caption and await asyncio.to_thread(context.deps.service.crisis_check, caption):
        await _reply_crisis(update, context, caption)
        return
    if _is_group(chat) and not _addressed(message, context.bot)[0]:
        return
    await _limited_say(update, context, "unsupported")


async def _limited_say(update: Update, context: BotContext, key: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    deps = context.deps
    lang = await _chosen_language(deps, chat.id) or "nl"
    allowed, tell = deps.limiter.hit(chat.id)
    if allowed:
        await _say(update, context, ttext(key, lang))
    elif tell:
        await _say(update, context, btext("rate_limited", lang))


# ----- commands -------------------------------------------------------------------------------------
async def start(update: Update, context: BotContext) -> None:
    """/start: who the bot is, what it can and cannot do, sources, and what happens to the data."""
    assert update.effective_chat is not None
    deps = context.deps
    lang = await _chosen_language(deps, update.effective_chat.id) or "nl"
    await _say(update, context, ttext("start", lang, days=deps.settings.privacy.retention_days))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: example questions and the commands."""
    assert update.effective_chat is not None
    lang = await _chosen_language(context.deps, update.effective_chat.id) or "nl"
    await _say(update, context, ttext("help", lang))


async def taal(update: Update, context: BotContext) -> None:
    """/taal: buttons for the reply language (or automatic)."""
    assert update.effective_chat is not None
    lang = await _chosen_language(context.deps, update.effective_chat.id) or "nl"
    names = [InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}") for code in SUPPORTED]
    rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    rows.append([InlineKeyboardButton(ttext("taal_auto", lang), callback_data="lang:auto")])
    await _say(update, context, ttext("taal_prompt", lang), reply_markup=InlineKeyboardMarkup(rows))


async def on_language(update: Update, context: BotContext) -> None:
    """A /taal button: store the choice and confirm in the chosen language."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    deps = context.deps
    choice = str(query.data or "").removeprefix("lang:")
    lang = None if choice == "auto" else normalise_language(choice)
    if lang is None and choice != "auto":
        await query.answer()
        return
    before = await _chosen_language(deps, chat.id) or "nl"
    ok = await _db(deps.storage.set_language, deps.chat_key(chat.id), CHANNEL, lang)
    await query.answer()
    if not ok:
        confirmation = ttext("taal_failed", before)
    else:
        confirmation = ttext("taal_set", lang) if lang else ttext("taal_auto_set", before)
    await query.edit_message_text(esc(confirmation), parse_mode=ParseMode.HTML)


async def privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, for how long, and how to erase it."""
    assert update.effective_chat is not None
    deps = context.deps
    lang = await _chosen_language(deps, update.effective_chat.id) or "nl"
    s = deps.settings
    body = ttext(
        "privacy",
        lang,
        turns=s.retrieval.history_turns,
        ttl=s.privacy.context_ttl_minutes,
        days=s.privacy.retention_days,
    )
    await _say(update, context, body)


async def vergeet(update: Update, context: BotContext) -> None:
    """/vergeet: erase everything stored about this chat, in the database and in memory."""
    chat = update.effective_chat
    assert chat is not None
    deps = context.deps
    lang = await _chosen_language(deps, chat.id) or "nl"
    deleted = await _db(deps.storage.forget, deps.chat_key(chat.id))
    if deleted < 0:
        await _say(update, context, ttext("forget_failed", lang))
        return
    context.memory.clear()
    context.application.drop_chat_data(chat.id)
    log.info("a chat was erased on request (%d rows)", deleted)
    await _say(update, context, ttext("forgotten", lang))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know (in groups only when it is addressed to this bot)."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None:
        return
    if _is_group(chat):
        first = (message.text or "").split(maxsplit=1)[0]
        if not context.bot.username or not first.lower().endswith("@" + context.bot.username.lower()):
            return
    lang = await _chosen_language(context.deps, chat.id) or "nl"
    await _say(update, context, ttext("unknown_command", lang))


# ----- buttons under an answer ----------------------------------------------------------------------
def _callback_answer_id(data: str) -> str | None:
    answer_id = data.rsplit(":", 1)[-1]
    return answer_id if _ANSWER_ID.match(answer_id) else None


async def _button_language(context: BotContext, chat_id: int, memo: AnswerMemo | None) -> str:
    if memo is not None:
        return memo.lang
    return await _chosen_language(context.deps, chat_id) or "nl"


async def on_sources(update: Update, context: BotContext) -> None:
    """📚 Bronnen: send the quote behind every number, as a reply to the answer."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    answer_id = _callback_answer_id(str(query.data or ""))
    memo = context.memory.get(answer_id) if answer_id else None
    lang = await _button_language(context, chat.id, memo)
    if memo is None:
        await query.answer(ttext("answer_expired", lang), show_alert=True)
        return
    await query.answer()
    body = render_quotes(
        memo.citations, lang=lang, heading=ttext("quotes_heading", lang), empty=ttext("quotes_none", lang)
    )
    message = query.message
    await send_html(context.bot, chat.id, body, reply_to=message.message_id if message is not None else None)
    if isinstance(message, Message):
        await _edit_keyboard(update, _rework_keyboard(message.reply_markup, drop="src:"))


async def on_feedback(update: Update, context: BotContext) -> None:
    """👍 / 👎: store the rating with the (redacted) question, thank the parent, show it was received."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    deps = context.deps
    data = str(query.data or "")
    answer_id = _callback_answer_id(data)
    if answer_id is None or not data.startswith(("fb:up:", "fb:dn:")):
        await query.answer()
        return
    memo = context.memory.get(answer_id)
    lang = await _button_language(context, chat.id, memo)
    if memo is not None and memo.rated:
        await query.answer(ttext("feedback_already", lang))
        return
    rating = 1 if data.startswith("fb:up:") else -1
    audit = await _db(deps.storage.get_audit, answer_id) or {}
    saved = await _db(
        deps.storage.add_feedback,
        chat=deps.chat_key(chat.id),
        channel=CHANNEL,
        answer_id=answer_id,
        rating=rating,
        question=str(audit.get("question", "")),
        outcome=memo.outcome if memo is not None else str(audit.get("outcome", "")),
    )
    if not saved:
        log.warning("feedback could not be stored")
    if memo is not None:
        memo.rated = rating
    await query.answer(ttext("feedback_up" if rating > 0 else "feedback_down", lang))
    message = query.message
    if isinstance(message, Message):
        done = ttext("btn_feedback_received", lang)
        await _edit_keyboard(update, _rework_keyboard(message.reply_markup, feedback_done=done))


async def _staff_summary(deps: Deps, chat_id: int, answer_id: str, memo: AnswerMemo | None, lang: str) -> str:
    """A hand-over note for staff: recent questions (redacted), outcome, language. No chat id, no name."""
    key = deps.chat_key(chat_id)
    state = await _db(deps.storage.get_state, key)
    questions = [redact(q) for q in state.history]
    audit = await _db(deps.storage.get_audit, answer_id) or {}
    if not questions and audit.get("question"):
        questions = [redact(str(audit["question"]))]
    outcome = memo.outcome if memo is not None else str(audit.get("outcome") or "?")
    lines = [
        ttext("staff_summary", "nl", language=LANGUAGE_NAMES.get(lang, lang), outcome=outcome, answer_id=answer_id)
    ]
    lines.extend(f"{n}. {q}" for n, q in enumerate(questions, start=1))
    if not questions:
        lines.append(ttext("staff_no_questions", "nl"))
    return "\n".join(lines)


async def on_human(update: Update, context: BotContext) -> None:
    """🙋 Met een mens praten: who the parent can talk to; a redacted summary goes to the staff chat."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    deps = context.deps
    answer_id = _callback_answer_id(str(query.data or "")) or ""
    memo = context.memory.get(answer_id) if answer_id else None
    lang = await _button_language(context, chat.id, memo)
    await query.answer()
    contacts = deps.service.ladder.contacts(lang=lang)
    if contacts:
        body = render_steps(contacts, ttext("human_intro", lang), detail=True)
    else:
        body = f"<b>{esc(ttext('human_intro', lang))}</b>\n{esc(ttext('human_fallback', lang))}"
    staff = deps.settings.telegram.staff_chat_id
    if staff is not None and answer_id and not (memo is not None and memo.forwarded):
        summary = await _staff_summary(deps, chat.id, answer_id, memo, lang)
        try:
            await send_html(context.bot, staff, esc(summary))
            if memo is not None:
                memo.forwarded = True
            body += "\n\n" + esc(ttext("human_forwarded", lang))
        except TelegramError as exc:
            log.warning("the hand-over summary could not be sent to the staff chat: %s", exc)
    elif memo is not None and memo.forwarded:
        body += "\n\n" + esc(ttext("human_forwarded", lang))
    message = query.message
    await send_html(context.bot, chat.id, body, reply_to=message.message_id if message is not None else None)


async def on_other_callback(update: Update, context: BotContext) -> None:
    """Any other button (such as the "thank you" one): just stop the spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer()


# ----- errors, start-up, wiring ---------------------------------------------------------------------
async def on_error(update: object, context: BotContext) -> None:
    """The one error handler: log with the traceback, tell the parent kindly, never show a traceback."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("Telegram refused delivery (the user blocked the bot or left the chat); update dropped")
        return
    _log_failure("handling an update failed", error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        lang = await _chosen_language(context.deps, update.effective_chat.id) or "nl"
        if update.callback_query is not None:
            with suppress(TelegramError):
                await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, btext("error", lang))
    except Exception as exc:
        _log_failure("could not tell the user that something went wrong", exc)


async def _ensure_started(update: object, context: BotContext) -> None:
    await context.deps.maintenance.start(context.application)


async def set_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu, in Dutch by default and per supported Telegram language."""
    names = ("start", "help", "taal", "privacy", "vergeet")
    for lang in SUPPORTED:
        commands = [BotCommand(name, ttext(f"cmd_{name}", lang)) for name in names]
        try:
            await application.bot.set_my_commands(commands, language_code=None if lang == "nl" else lang)
        except TelegramError as exc:
            log.warning("could not set the command menu (%s): %s", lang, exc)


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Start-up work: purge expired rows (and daily after that), set the command menu.

    ``run_polling``/``run_webhook`` call this as ``post_init``; a host that runs the application itself
    (the web server) calls it after ``application.start()``.
    """
    deps: Deps = application.bot_data[_DEPS]
    await deps.maintenance.start(application)
    await set_commands(application)


async def on_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    """Stop the background purge."""
    deps: Deps = application.bot_data[_DEPS]
    await deps.maintenance.stop()


def _file_base_url(base_url: str) -> str:
    """``https://api.telegram.org/bot`` -> ``https://api.telegram.org/file/bot`` (also for self-hosted)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


def build_application(settings: Settings, service: Service, *, updater: bool = True) -> Application:  # type: ignore[type-arg]
    """The PTB application with every handler registered (``updater=False`` when a web server feeds it)."""
    secret = settings.telegram_bot_token
    token = secret.get_secret_value() if secret is not None else ""
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    poll = settings.telegram.poll_timeout_seconds
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(_file_base_url(settings.telegram.base_url))
        .context_types(ContextTypes(context=BotContext, chat_data=ChatMemory))
        .concurrent_updates(PerChatUpdateProcessor(service.safety.quick))
        .rate_limiter(RetryingRateLimiter())
        .get_updates_read_timeout(poll + 10)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    if not updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data[_DEPS] = Deps(
        settings=settings,
        service=service,
        limiter=SlidingWindowLimiter(settings.telegram.rate_limit_per_minute),
        ask_slots=asyncio.Semaphore(ASK_CONCURRENCY),
        maintenance=Maintenance(service.storage),
    )
    new = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, _ensure_started), group=-1)
    application.add_handlers(
        [
            CommandHandler("start", start, filters=new),
            CommandHandler(["help", "hulp"], help_command, filters=new),
            CommandHandler(["taal", "language"], taal, filters=new),
            CommandHandler("privacy", privacy, filters=new),
            CommandHandler(["vergeet", "forget"], vergeet, filters=new),
            MessageHandler(new & filters.TEXT & ~filters.COMMAND, on_text),
            MessageHandler(new & filters.COMMAND, on_unknown_command),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edited),
            MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_unsupported),
            CallbackQueryHandler(on_sources, pattern=r"^src:"),
            CallbackQueryHandler(on_feedback, pattern=r"^fb:"),
            CallbackQueryHandler(on_human, pattern=r"^human:"),
            CallbackQueryHandler(on_language, pattern=r"^lang:"),
            CallbackQueryHandler(on_other_callback),
        ]
    )
    application.add_error_handler(on_error)
    return application


async def process_webhook_update(application: Application, data: dict[str, Any]) -> None:  # type: ignore[type-arg]
    """Hand one webhook update (the JSON Telegram posted) to a started application."""
    await application.update_queue.put(Update.de_json(data, application.bot))


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends in ``X-Telegram-Bot-Api-Secret-Token`` (derived from the bot token)."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    return hashlib.sha256(f"ouderwijzer-webhook:{token}".encode()).hexdigest()[:48]


def _webhook_url(settings: Settings) -> str:
    return settings.telegram.webhook_url.rstrip("/") + settings.telegram.webhook_path


async def serve_webhook(
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
) -> None:
    """Webhook mode without PTB's tornado extra: a small Starlette app under uvicorn feeds the application.

    Registers ``telegram.webhook_url`` + ``webhook_path`` with Telegram (with a secret header), serves
    ``POST webhook_path`` and ``GET /healthz`` on ``server.host:port`` until SIGINT/SIGTERM or ``stop``.
    """
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    secret = webhook_secret(settings)

    async def receive(request: Request) -> Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return Response(status_code=403)
        try:
            data = await request.json()
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict):
            return Response(status_code=400)
        await process_webhook_update(application, data)
        return Response()

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    web = Starlette(
        routes=[Route(settings.telegram.webhook_path, receive, methods=["POST"]), Route("/healthz", health)]
    )
    server = uvicorn.Server(
        uvicorn.Config(web, host=settings.server.host, port=settings.server.port, log_level="warning")
    )

    async def watch() -> None:
        assert stop is not None
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.get_running_loop().create_task(watch()) if stop is not None else None
    async with application:
        await application.bot.set_webhook(_webhook_url(settings), secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        await application.start()
        await on_startup(application)
        try:
            await server.serve()
        finally:
            if watcher is not None:
                watcher.cancel()
            await application.stop()
            await on_shutdown(application)


def run_bot(settings: Settings) -> int:
    """Run the bot until interrupted (``ouderwijzer telegram``). Returns the exit code."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token.strip():
        sys.stderr.write(TOKEN_HINT)
        return 2
    service = Service(settings)
    service.ensure_index(notify=lambda line: sys.stderr.write(line + "\n"))
    service.warm_up()
    application = build_application(settings, service)
    try:
        if settings.telegram.mode == "webhook":
            try:
                import tornado  # noqa: F401  (PTB's own webhook server needs python-telegram-bot[webhooks])
            except ImportError:
                asyncio.run(serve_webhook(application, settings))
            else:
                application.run_webhook(
                    listen=settings.server.host,
                    port=settings.server.port,
                    url_path=settings.telegram.webhook_path.lstrip("/"),
                    webhook_url=_webhook_url(settings),
                    secret_token=webhook_secret(settings),
                    allowed_updates=ALLOWED_UPDATES,
                )
        else:
            application.run_polling(
                timeout=settings.telegram.poll_timeout_seconds, poll_interval=0.0, allowed_updates=ALLOWED_UPDATES
            )
    except InvalidToken:
        sys.stderr.write(
            "ouderwijzer telegram: Telegram does not accept this bot token. Check TELEGRAM_BOT_TOKEN; "
            "@BotFather can show it again (/token) or make a new one.\n"
        )
        return 2
    except NetworkError as exc:
        sys.stderr.write(f"ouderwijzer telegram: cannot reach the Bot API at {settings.telegram.base_url} ({exc}).\n")
        return 1
    return 0
