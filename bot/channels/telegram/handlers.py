"""The handlers: one per kind of update, all registered in ``register(application)``.

A text message: group filter (only when the bot is addressed; a crisis is never ignored) -> per-chat
rate limit (``bot.limits``; over it, ``reply(limited=True)`` still gives a crisis its help lines) ->
typing indicator -> ``Service.reply`` in a worker thread (it cleans, checks for a crisis, loads the
history and the chat's language, asks and remembers) -> Telegram HTML with sources and buttons. What the
buttons need goes to SQLite (``ChatStore.remember_answer``). Parents' messages are never logged.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import AsyncExitStack

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ExtBot, MessageHandler, filters

from bot.channels.telegram.context import CHANNEL, BotContext, ChatStore, Deps, Memo, in_thread
from bot.channels.telegram.plumbing import PerChatUpdateProcessor, log_failure, on_error, send_html, typing
from bot.channels.telegram.render import (
    MESSAGE_LIMIT,
    answer_keyboard,
    esc,
    render_answer,
    render_quotes,
    render_steps,
    rework_keyboard,
)
from bot.errors import IndexMissing, StoreUnavailable
from bot.language import LANGUAGE_NAMES, SUPPORTED, detect_language, normalise_language
from bot.models import Answer
from bot.redact import contains_personal_data, redact
from bot.safety.detector import CrisisSignal
from bot.safety.reply import crisis_text
from bot.service import clean_input
from bot.texts import text

log = logging.getLogger("bot.channels.telegram")

_ANSWER_ID = re.compile(r"^[0-9a-f]{6,32}$")
#: Every help line at once, for when the service fails on a message with crisis words.
_ALL_HELP = CrisisSignal(category="danger", categories=("danger", "suicide", "abuse"))


# ----- small helpers ---------------------------------------------------------------------------------
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
    return mentioned or replied, words


async def _say(update: Update, context: BotContext, plain: str, **kwargs: object) -> Message | None:
    """Send a fixed text (escaped) to the chat of ``update``; in groups as a reply to the message."""
    chat = update.effective_chat
    if chat is None:
        return None
    message = update.effective_message
    reply_to = message.message_id if message is not None and _is_group(chat) and not update.callback_query else None
    return await send_html(context.bot, chat.id, esc(plain), reply_to=reply_to, **kwargs)  # type: ignore[arg-type]


async def _limited_say(update: Update, context: BotContext, key: str) -> None:
    """A fixed text that counts against the chat's rate limit (over it: "please wait", once a minute)."""
    chat = update.effective_chat
    assert chat is not None
    deps, store = context.deps, context.chat(chat.id)
    lang = await store.language() or "nl"
    if not deps.limiter.hit([(f"{CHANNEL}:{store.key}", deps.settings.telegram.rate_limit_per_minute)]):
        await _say(update, context, text(key, lang))
    elif not deps.limiter.hit([(f"{CHANNEL}-told:{store.key}", 1)]):
        await _say(update, context, text("rate_limited", lang))


def _help_lines(lang: str) -> Answer:
    """Every help line, without the service (used only when the service fails on crisis words)."""
    return Answer(outcome="crisis", lang=lang, text=crisis_text(_ALL_HELP, lang))


# ----- questions -------------------------------------------------------------------------------------
async def _ask(update: Update, context: BotContext, words: str, *, limited: bool = False) -> Answer | None:
    """``Service.reply`` for one message, in a worker thread.

    When the service fails: the help lines if the words look like a crisis; with ``limited`` (only a
    crisis would be answered) nothing; "try again later" when the index or store is down (then None:
    the parent was told); any other error goes to ``on_error``.
    """
    chat = update.effective_chat
    assert chat is not None
    deps, store = context.deps, context.chat(chat.id)
    started = time.perf_counter()
    try:
        result = await in_thread(
            deps.service.reply,
            chat=store.key,
            message=words,
            channel=CHANNEL,
            max_chars=deps.settings.telegram.max_message_chars,
            limited=limited,
        )
    except Exception as exc:
        words = clean_input(words[:MESSAGE_LIMIT])
        lang = await store.language() or detect_language(words, fallback="nl")
        if await in_thread(deps.service.safety.quick, words):
            log_failure("the service failed on a message with crisis words; sending the fixed help lines", exc)
            return _help_lines(lang)
        if limited:
            log_failure("the crisis check of a message failed", exc)
            return None
        if isinstance(exc, (StoreUnavailable, IndexMissing)):
            log.warning("cannot answer right now: %s", exc)
            await _say(update, context, text("unavailable", lang))
            return None
        raise
    answer = result.answer
    if not limited or answer.outcome == "crisis":
        log.info(  # the decision's category only: its details can quote the parent's words
            "replied: outcome=%s lang=%s decision=%s in %.0f ms",
            answer.outcome,
            answer.lang,
            result.decision.split(":", 1)[0].split(" (", 1)[0],
            (time.perf_counter() - started) * 1000,
        )
    return answer


async def _deliver(update: Update, context: BotContext, answer: Answer, question: str) -> None:
    """Send an answer (HTML, split when long) with its buttons; what the buttons need goes to SQLite."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None
    keyboard = answer_keyboard(
        answer_id=answer.answer_id, lang=answer.lang, outcome=answer.outcome, has_sources=bool(answer.citations)
    )
    # Redaction is slow on huge texts: off the event loop, and no further than a Telegram message goes.
    tip = answer.outcome != "crisis" and await in_thread(contains_personal_data, question[:MESSAGE_LIMIT])
    reply_to = message.message_id if message is not None and _is_group(chat) else None
    await send_html(context.bot, chat.id, render_answer(answer, personal_data_tip=tip), reply_markup=keyboard,
                    reply_to=reply_to)
    # After sending (a blocked chat leaves no memo); a press on these buttons queues behind this update.
    if keyboard is not None and not await context.chat(chat.id).remember_answer(answer):
        log.warning("the memo behind an answer's buttons could not be stored; they will say it expired")


async def _crisis_reply(update: Update, context: BotContext, words: str) -> bool:
    """Help lines when ``words`` are about a child in danger, whatever else applies. True when sent."""
    if not words.strip():
        return False
    answer = await _ask(update, context, words, limited=True)
    if answer is None or answer.outcome != "crisis":
        return False
    log.info("crisis reply sent (lang=%s)", answer.lang)
    await _deliver(update, context, answer, words)
    return True


async def on_text(update: Update, context: BotContext) -> None:
    """A parent's question: answer it with sources, in the chat's language."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or not isinstance(message.text, str):
        return
    deps = context.deps
    words = message.text
    if _is_group(chat):
        addressed, words = _addressed(message, context.bot)
        if not addressed:
            await _crisis_reply(update, context, words)  # crisis words are never ignored
            return
    store = context.chat(chat.id)
    per_minute = deps.settings.telegram.rate_limit_per_minute
    if deps.limiter.hit([(f"{CHANNEL}:{store.key}", per_minute)]):
        # Over the limit: a crisis still gets its help lines; anything else "please wait", once a minute.
        answer = await _ask(update, context, words, limited=True)
        told_key = f"{CHANNEL}-told:{store.key}"
        if answer is not None and (answer.outcome == "crisis" or not deps.limiter.hit([(told_key, 1)])):
            log.info("a chat is over the rate limit (%d per minute)", per_minute)
            await _deliver(update, context, answer, words)
        return
    processor = context.application.update_processor
    urgent = isinstance(processor, PerChatUpdateProcessor) and processor.urgent(update)
    async with AsyncExitStack() as stack:
        if not urgent:  # crisis words: the help lines go first, without typing indicator or waiting for a slot
            await stack.enter_async_context(typing(context.bot, chat.id))
            await stack.enter_async_context(deps.ask_slots)
        answer = await _ask(update, context, words)
    if answer is not None:
        await _deliver(update, context, answer, words)


async def on_edited(update: Update, context: BotContext) -> None:
    """An edited message: crisis words still get the help lines; otherwise ask for a new message."""
    message, chat = update.edited_message, update.effective_chat
    if message is None or chat is None:
        return
    if await _crisis_reply(update, context, message.text or message.caption or ""):
        return
    if not _is_group(chat):
        await _limited_say(update, context, "edited")


async def on_unsupported(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice, files, locations...: explain that only text works."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None:
        return
    if await _crisis_reply(update, context, message.caption or ""):
        return
    if _is_group(chat) and not _addressed(message, context.bot)[0]:
        return
    await _limited_say(update, context, "unsupported")


# ----- commands --------------------------------------------------------------------------------------
async def start(update: Update, context: BotContext) -> None:
    """/start: who the bot is, what it can and cannot do, sources, and what happens to the data."""
    assert update.effective_chat is not None
    lang = await context.language(update.effective_chat.id)
    await _say(update, context, text("start", lang, days=context.deps.settings.privacy.retention_days))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: example questions and the commands."""
    assert update.effective_chat is not None
    await _say(update, context, text("help", await context.language(update.effective_chat.id)))


async def taal(update: Update, context: BotContext) -> None:
    """/taal: buttons for the reply language (or automatic)."""
    assert update.effective_chat is not None
    lang = await context.language(update.effective_chat.id)
    names = [InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}") for code in SUPPORTED]
    rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    rows.append([InlineKeyboardButton(text("taal_auto", lang), callback_data="lang:auto")])
    await _say(update, context, text("taal_prompt", lang), reply_markup=InlineKeyboardMarkup(rows))


async def privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, for how long, and how to erase it."""
    assert update.effective_chat is not None
    s = context.deps.settings
    lang = await context.language(update.effective_chat.id)
    p = s.privacy
    body = text("privacy", lang, turns=s.retrieval.history_turns, ttl=p.context_ttl_minutes, days=p.retention_days)
    await _say(update, context, body)


async def vergeet(update: Update, context: BotContext) -> None:
    """/vergeet: erase everything stored about this chat, the answer memos behind its buttons included."""
    assert update.effective_chat is not None
    store = context.chat(update.effective_chat.id)
    lang = await store.language() or "nl"
    deleted = await store.forget()
    if deleted < 0:
        await _say(update, context, text("forget_failed", lang))
        return
    log.info("a chat was erased on request (%d rows)", deleted)
    await _say(update, context, text("forgotten", lang))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not know (in groups only when it is addressed to this bot)."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None:
        return
    if _is_group(chat):
        first = (message.text or "").split(maxsplit=1)[0]
        if not context.bot.username or not first.lower().endswith("@" + context.bot.username.lower()):
            return
    await _say(update, context, text("unknown_command", await context.language(chat.id)))


# ----- buttons ---------------------------------------------------------------------------------------
def _callback_answer_id(data: str) -> str | None:
    answer_id = data.rsplit(":", 1)[-1]
    return answer_id if _ANSWER_ID.match(answer_id) else None


async def _pressed(update: Update, context: BotContext) -> tuple[ChatStore, str, Memo | None, str]:
    """For a button under an answer: the chat's store, the answer id, its memo (None when gone) and language."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    store = context.chat(chat.id)
    answer_id = _callback_answer_id(str(query.data or "")) or ""
    memo = await store.memo(answer_id) if answer_id else None
    lang = memo.lang if memo is not None else await store.language() or "nl"
    return store, answer_id, memo, lang


async def _edit_keyboard(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    if query is None or markup is None or not isinstance(query.message, Message):
        return
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def on_sources(update: Update, context: BotContext) -> None:
    """📚 Bronnen: send the quote behind every number, as a reply to the answer."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    _, _, memo, lang = await _pressed(update, context)
    if memo is None:
        await query.answer(text("answer_expired", lang), show_alert=True)
        return
    await query.answer()
    heading, empty = text("quotes_heading", lang), text("quotes_none", lang)
    body = render_quotes(memo.citations, lang=lang, heading=heading, empty=empty)
    reply_to = query.message.message_id if query.message is not None else None
    await send_html(context.bot, chat.id, body, reply_to=reply_to)
    if isinstance(query.message, Message):
        await _edit_keyboard(update, rework_keyboard(query.message.reply_markup, drop="src:"))


async def on_feedback(update: Update, context: BotContext) -> None:
    """👍 / 👎: store the first rating with the (redacted) question, thank the parent, show it was received."""
    query = update.callback_query
    assert query is not None
    data = str(query.data or "")
    store, answer_id, memo, lang = await _pressed(update, context)
    if not data.startswith(("fb:up:", "fb:dn:")) or not answer_id:
        await query.answer()
        return
    if memo is None:
        await query.answer(text("answer_expired", lang), show_alert=True)
        return
    rating = 1 if data.startswith("fb:up:") else -1
    if memo.rated or not await store.rate(answer_id, rating):
        await query.answer(text("feedback_already", lang))
        return
    storage = context.deps.storage
    audit = await in_thread(storage.get_audit, answer_id) or {}
    saved = await in_thread(
        storage.add_feedback,
        chat=store.key,
        channel=CHANNEL,
        answer_id=answer_id,
        rating=rating,
        question=str(audit.get("question", "")),
        outcome=memo.outcome,
    )
    if not saved:
        log.warning("feedback could not be stored")
    await query.answer(text("feedback_up" if rating > 0 else "feedback_down", lang))
    if isinstance(query.message, Message):
        done = text("btn_feedback_received", lang)
        await _edit_keyboard(update, rework_keyboard(query.message.reply_markup, feedback_done=done))


async def _staff_summary(deps: Deps, store: ChatStore, answer_id: str, memo: Memo, lang: str) -> str:
    """A hand-over note for staff: recent questions (redacted), outcome, language. No chat id, no name."""
    questions = [redact(q) for q in (await store.state()).history]
    if not questions:
        audit = await in_thread(deps.storage.get_audit, answer_id) or {}
        questions = [redact(str(audit["question"]))] if audit.get("question") else []
    language = LANGUAGE_NAMES.get(lang, lang)
    lines = [text("staff_summary", "nl", language=language, outcome=memo.outcome, answer_id=answer_id)]
    lines.extend(f"{n}. {q}" for n, q in enumerate(questions, start=1))
    if not questions:
        lines.append(text("staff_no_questions", "nl"))
    return "\n".join(lines)


async def on_human(update: Update, context: BotContext) -> None:
    """🙋 Met een mens praten: who the parent can talk to; a redacted summary goes to the staff chat once."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    deps = context.deps
    store, answer_id, memo, lang = await _pressed(update, context)
    await query.answer()
    contacts = deps.service.ladder.contacts(lang=lang)
    if contacts:
        body = render_steps(contacts, text("human_intro", lang), detail=True)
    else:
        body = f"<b>{esc(text('human_intro', lang))}</b>\n{esc(text('human_fallback', lang))}"
    staff = deps.settings.telegram.staff_chat_id
    if staff is not None and memo is not None:
        if await store.mark_forwarded(answer_id):
            summary = await _staff_summary(deps, store, answer_id, memo, lang)
            try:
                await send_html(context.bot, staff, esc(summary))
                body += "\n\n" + esc(text("human_forwarded", lang))
            except TelegramError as exc:
                log.warning("the hand-over summary could not be sent to the staff chat: %s", exc)
        else:
            body += "\n\n" + esc(text("human_forwarded", lang))
    reply_to = query.message.message_id if query.message is not None else None
    await send_html(context.bot, chat.id, body, reply_to=reply_to)


async def on_language(update: Update, context: BotContext) -> None:
    """A /taal button: store the choice and confirm in the chosen language."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    store = context.chat(chat.id)
    choice = str(query.data or "").removeprefix("lang:")
    lang = None if choice == "auto" else normalise_language(choice)
    if lang is None and choice != "auto":
        await query.answer()
        return
    before = await store.language() or "nl"
    ok = await store.set_language(lang)
    await query.answer()
    if not ok:
        confirmation = text("taal_failed", before)
    else:
        confirmation = text("taal_set", lang) if lang else text("taal_auto_set", before)
    await query.edit_message_text(esc(confirmation), parse_mode=ParseMode.HTML)


async def on_other_callback(update: Update, context: BotContext) -> None:
    """Any other button (such as the "thank you" one): just stop the spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer()


# ----- registration ----------------------------------------------------------------------------------
def register(application: Application) -> None:  # type: ignore[type-arg]
    """Every handler and the error handler, in one place."""
    new = filters.UpdateType.MESSAGE
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
