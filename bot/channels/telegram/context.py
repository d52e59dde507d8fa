"""What every handler can reach, typed: the service, settings and limits (``bot_data``) and one chat's
stored state, including the memos behind the buttons under its answers.

Nothing about a chat lives in process memory: its language, its history and the answer memos are rows
in SQLite under the chat's keyed hash, so a button pressed after a restart (or handled by another
process) still works, ``/vergeet`` erases it, and it expires with ``privacy.retention_days``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram.ext import CallbackContext, ExtBot

from bot.limits import Limiter
from bot.models import Answer, Citation
from bot.service import Service
from bot.settings import Settings
from bot.storage import ChatState, Storage

CHANNEL = "telegram"
#: ``Service.reply`` is CPU-bound: at most this many run at once (these machines have 2 cores).
ASK_CONCURRENCY = 2
#: The citation fields the 📚 Bronnen button shows; nothing else of an answer is kept.
MEMO_FIELDS = {"n", "source_id", "title", "publisher", "published", "url", "quote", "kind", "stale", "sources"}
_DEPS = "ouderwijzer"

T = TypeVar("T")


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call (storage, ``Service.reply``) in a worker thread, off the event loop."""
    return await asyncio.to_thread(func, *args, **kwargs)


@dataclass(frozen=True)
class Memo:
    """What the buttons under one sent answer need: its language, outcome, sources and button state."""

    answer_id: str
    lang: str
    outcome: str
    citations: list[Citation]
    rated: int
    forwarded: bool


@dataclass(frozen=True)
class ChatStore:
    """One chat's rows in SQLite, under its keyed hash (never the raw chat id)."""

    storage: Storage
    key: str

    async def state(self) -> ChatState:
        """The chat's chosen language and recent (redacted) questions."""
        return await in_thread(self.storage.get_state, self.key)

    async def language(self) -> str | None:
        """The reply language the parent chose with /taal, if any."""
        return (await self.state()).lang

    async def set_language(self, lang: str | None) -> bool:
        """Store the parent's choice (None: detect from each message again)."""
        return await in_thread(self.storage.set_language, self.key, CHANNEL, lang)

    async def remember_answer(self, answer: Answer) -> bool:
        """Keep what the buttons under ``answer`` need: sources, language and outcome; not its text."""
        citations = [c.model_dump(include=MEMO_FIELDS) for c in answer.citations]
        return await in_thread(
            self.storage.save_memo,
            chat=self.key,
            channel=CHANNEL,
            answer_id=answer.answer_id,
            lang=answer.lang,
            outcome=answer.outcome,
            citations=citations,
        )

    async def memo(self, answer_id: str) -> Memo | None:
        """The memo of one of this chat's answers; None when erased, expired or never stored."""
        row = await in_thread(self.storage.get_memo, self.key, answer_id)
        if row is None:
            return None
        citations = [Citation.model_validate(c) for c in row.citations]
        return Memo(row.answer_id, row.lang, row.outcome, citations, row.rated, row.forwarded)

    async def rate(self, answer_id: str, rating: int) -> bool:
        """Record the first vote on an answer; False when it was rated before (here or in another process)."""
        return await in_thread(self.storage.rate_memo, self.key, answer_id, rating)

    async def mark_forwarded(self, answer_id: str) -> bool:
        """True the first time a hand-over summary for this answer may go to the staff chat."""
        return await in_thread(self.storage.mark_forwarded, self.key, answer_id)

    async def forget(self) -> int:
        """Erase every row about this chat (/vergeet). Returns the rows deleted, -1 on failure."""
        return await in_thread(self.storage.forget, self.key)


@dataclass
class Deps:
    """The service, settings and limits shared by all handlers (kept in ``application.bot_data``)."""

    settings: Settings
    service: Service
    limiter: Limiter
    ask_slots: asyncio.Semaphore

    @property
    def storage(self) -> Storage:
        """The service's storage (the only way this channel reads or writes data)."""
        return self.service.storage

    def chat(self, chat_id: int) -> ChatStore:
        """The stored state of one Telegram chat."""
        return ChatStore(self.storage, self.storage.chat_key(CHANNEL, chat_id))


def make_deps(settings: Settings, service: Service) -> Deps:
    """Deps for one application (one bot process: the in-memory limiter is the only one)."""
    return Deps(settings=settings, service=service, limiter=Limiter(), ask_slots=asyncio.Semaphore(ASK_CONCURRENCY))


def install(bot_data: dict[Any, Any], deps: Deps) -> None:
    """Put ``deps`` where ``BotContext.deps`` finds it."""
    bot_data[_DEPS] = deps


def deps_of(bot_data: dict[Any, Any]) -> Deps:
    """The deps of an application, from its ``bot_data``."""
    return bot_data[_DEPS]  # type: ignore[no-any-return]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Typed access to what the handlers share; no per-chat state is kept in ``chat_data``."""

    @property
    def deps(self) -> Deps:
        """Service, settings and limits shared by every handler."""
        return deps_of(self.bot_data)

    def chat(self, chat_id: int) -> ChatStore:
        """The stored state of one chat (language, history, answer memos)."""
        return self.deps.chat(chat_id)

    async def language(self, chat_id: int) -> str:
        """The language for fixed texts in this chat: the parent's choice, else Dutch."""
        return await self.chat(chat_id).language() or "nl"
