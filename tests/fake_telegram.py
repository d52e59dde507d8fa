"""A small fake of the Telegram Bot API (aiohttp, 127.0.0.1, free port) for end-to-end tests.

It answers the methods python-telegram-bot calls (``getMe``, long-polling ``getUpdates``,
``sendMessage``, ``sendChatAction``, ``answerCallbackQuery``, ``editMessageText``,
``editMessageReplyMarkup``, ``deleteWebhook``, ``setMyCommands``, ...; anything else gets ``ok``),
records every call in order, lets a test inject updates, can answer the next N calls of a method with
HTTP 429 (flood control), a dropped connection or 403 (blocked), and checks outgoing messages the way
Telegram does: at most 4,096 characters, and HTML with only the tags Telegram allows, balanced, with
every ``<``, ``>`` and ``&`` escaped. A bad message gets a 400, so tests catch broken markup.

Usage::

    async with FakeTelegram() as fake:
        settings.telegram.base_url = fake.base_url
        ...
        fake.add_message(chat_id=1, text="wat is een tlv?")
        calls = await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 1)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

BOT_ID = 7000001
BOT_USERNAME = "ouderwijzer_test_bot"
TOKEN = "7000001:TEST-token_for-the-fake"
MESSAGE_LIMIT = 4096
#: Telegram's HTML tags and the attributes each may carry.
ALLOWED_TAGS: dict[str, set[str]] = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "s": set(),
    "a": {"href"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
    "tg-spoiler": set(),
    "span": {"class"},
}
ENTITIES = {"lt", "gt", "amp", "quot"}


class TelegramHTMLError(ValueError):
    """The text would make Telegram answer "can't parse entities"."""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(f'unsupported start tag "{tag}"')
        for name, value in attrs:
            if name not in ALLOWED_TAGS[tag]:
                raise TelegramHTMLError(f'unsupported attribute "{name}" of tag "{tag}"')
            if tag == "span" and value != "tg-spoiler":
                raise TelegramHTMLError('span needs class="tg-spoiler"')
        if tag == "span" and not attrs:
            raise TelegramHTMLError('span needs class="tg-spoiler"')
        if tag == "a" and not dict(attrs).get("href"):
            raise TelegramHTMLError("a needs an href")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHTMLError(f'unsupported self-closing tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHTMLError(f'unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for ch in "<>&":
            if ch in data:
                raise TelegramHTMLError(f"unescaped {ch!r} in text")
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            raise TelegramHTMLError(f"unsupported entity &{name};")
        self.visible.append("x")

    def handle_charref(self, name: str) -> None:
        self.visible.append("x")

    def handle_comment(self, data: str) -> None:
        raise TelegramHTMLError("comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        raise TelegramHTMLError("declarations are not allowed")

    def handle_pi(self, data: str) -> None:
        raise TelegramHTMLError("processing instructions are not allowed")

    def unknown_decl(self, data: str) -> None:
        raise TelegramHTMLError("unknown declaration")


def check_html(text: str) -> str:
    """Validate Telegram HTML; returns the visible text (roughly). Raises TelegramHTMLError."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise TelegramHTMLError(f'unclosed tag "{checker.stack[-1]}"')
    return "".join(checker.visible)


@dataclass
class Call:
    """One request the bot made (or, with ``method == "update"``, one update a test injected)."""

    seq: int
    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def ok(self) -> bool:
        return self.status == 200

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of the inline keyboard sent with this call."""
        markup = self.params.get("reply_markup") or {}
        return [
            (b.get("text", ""), b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row
        ]


class FakeTelegram:
    """The fake Bot API server; use as ``async with FakeTelegram() as fake``."""

    def __init__(self, *, token: str = TOKEN, poll_cap: float = 0.5) -> None:
        self.token = token
        self.poll_cap = poll_cap
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self._failures: dict[str, list[str]] = {}
        self._seq = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self.delivered = 0  # highest update_id handed out by getUpdates
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ----- lifecycle ------------------------------------------------------------------------------
    async def __aenter__(self) -> FakeTelegram:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What to put in ``settings.telegram.base_url``."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ----- test controls --------------------------------------------------------------------------
    def fail_next(self, method: str, times: int = 1, *, kind: str = "429") -> None:
        """Answer the next ``times`` calls of ``method`` with ``kind``: "429", "disconnect" or "500"."""
        self._failures.setdefault(method, []).extend([kind] * times)

    def block(self, chat_id: int) -> None:
        """Sending to ``chat_id`` fails with 403, as when a user blocked the bot."""
        self.blocked.add(chat_id)

    def _record(self, method: str, params: dict[str, Any], status: int = 200) -> Call:
        call = Call(next(self._seq), method, params, status)
        self.calls.append(call)
        return call

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (``update_id`` is filled in); returns it."""
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self._record("update", update)
        if self._changed is not None:
            asyncio.get_running_loop().create_task(self._notify())
        return update

    def user(self, user_id: int, *, lang: str = "nl", name: str = "Ouder") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": lang}

    def chat(self, chat_id: int, *, chat_type: str = "private") -> dict[str, Any]:
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"title": "Oudergroep"} if chat_type in ("group", "supergroup") else {"first_name": "Ouder"})
        self.chats[chat_id] = chat
        return chat

    def _message(
        self, chat_id: int, *, chat_type: str = "private", user_id: int | None = None, **content: Any
    ) -> dict[str, Any]:
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 424242)
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id, chat_type=chat_type),
            "from": self.user(uid),
            **content,
        }

    def add_message(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A text message; a leading ``/command`` and ``@mentions`` get their entities, as Telegram does."""
        content: dict[str, Any] = {"text": text}
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        at = text.find("@" + BOT_USERNAME)
        if at >= 0 and not text.startswith("/"):
            entities.append({"type": "mention", "offset": at, "length": len(BOT_USERNAME) + 1})
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        return self.inject({"message": self._message(chat_id, chat_type=chat_type, user_id=user_id, **content)})

    def add_command(self, chat_id: int, command: str, **kw: Any) -> dict[str, Any]:
        """``/start``, ``/taal``...: a message with a ``bot_command`` entity."""
        return self.add_message(chat_id, command if command.startswith("/") else "/" + command, **kw)

    def add_sticker(self, chat_id: int, *, chat_type: str = "private") -> dict[str, Any]:
        sticker = {
            "file_id": "CAAC-sticker",
            "file_unique_id": "sticker1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.inject({"message": self._message(chat_id, chat_type=chat_type, sticker=sticker)})

    def add_photo(self, chat_id: int, caption: str | None = None) -> dict[str, Any]:
        photo = [{"file_id": "AgAC-photo", "file_unique_id": "photo1", "width": 90, "height": 90}]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return self.inject({"message": self._message(chat_id, **content)})

    def add_voice(self, chat_id: int) -> dict[str, Any]:
        voice = {"file_id": "AwAC-voice", "file_unique_id": "voice1", "duration": 3}
        return self.inject({"message": self._message(chat_id, voice=voice)})

    def add_document(self, chat_id: int) -> dict[str, Any]:
        document = {"file_id": "BQAC-doc", "file_unique_id": "doc1", "file_name": "opp.pdf"}
        return self.inject({"message": self._message(chat_id, document=document)})

    def add_edited(self, chat_id: int, text: str) -> dict[str, Any]:
        message = self._message(chat_id, text=text)
        message["edit_date"] = int(time.time())
        return self.inject({"edited_message": message})

    def add_callback(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None) -> dict[str, Any]:
        """A button press on a message the bot sent."""
        message = self.messages[(chat_id, message_id)]
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 424242)
        query = {
            "id": f"cbq{next(self._callback_ids)}",
            "from": self.user(uid),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": message,
        }
        return self.inject({"callback_query": query})

    # ----- reading what happened ------------------------------------------------------------------
    def sent(self, chat_id: int | None = None, *, method: str = "sendMessage", after: int = 0) -> list[Call]:
        """Successful calls of ``method`` (to ``chat_id``), after the call number ``after``."""
        return [
            c
            for c in self.calls
            if c.method == method and c.ok and c.seq > after and (chat_id is None or c.chat_id == chat_id)
        ]

    def pending(self) -> int:
        """Injected updates the bot has not fetched yet."""
        return sum(1 for u in self.updates if u["update_id"] > self.delivered)

    def last_seq(self) -> int:
        return self.calls[-1].seq if self.calls else 0

    async def wait_for(
        self, predicate: Callable[[list[Call]], bool] | Callable[[list[Call]], Any], timeout: float = 15.0
    ) -> Any:
        """Wait until ``predicate(self.calls)`` is truthy; returns its value. Fails after ``timeout``."""
        assert self._changed is not None
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                value = predicate(self.calls)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; last calls:\n{self.transcript(self.calls[-15:])}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=left)

    async def wait_sent(self, chat_id: int, count: int = 1, *, after: int = 0, timeout: float = 15.0) -> list[Call]:
        """Wait for ``count`` messages to ``chat_id`` after call number ``after``; returns them."""
        return await self.wait_for(  # type: ignore[no-any-return]
            lambda _: (found := self.sent(chat_id, after=after)) and len(found) >= count and found, timeout
        )

    def transcript(self, calls: list[Call] | None = None, *, skip: tuple[str, ...] = ("getUpdates",)) -> str:
        """The calls as a readable conversation."""
        lines = []
        for c in calls if calls is not None else self.calls:
            if c.method in skip:
                continue
            status = "" if c.ok else f"  [HTTP {c.status}]"
            if c.method == "update":
                lines.append(f"#{c.seq} PARENT  {_describe_update(c.params)}")
                continue
            p = c.params
            if c.method == "sendMessage":
                head = f"#{c.seq} BOT     sendMessage(chat={p.get('chat_id')}, parse_mode={p.get('parse_mode')})"
                lines.append(head + status)
                lines.extend("          | " + line for line in c.text.splitlines())
            elif c.method in ("editMessageText", "editMessageReplyMarkup"):
                lines.append(f"#{c.seq} BOT     {c.method}(message={p.get('message_id')})" + status)
                if c.method == "editMessageText":
                    lines.extend("          | " + line for line in c.text.splitlines())
            elif c.method == "answerCallbackQuery":
                lines.append(f"#{c.seq} BOT     answerCallbackQuery({p.get('text', '')!r})" + status)
            elif c.method == "sendChatAction":
                lines.append(f"#{c.seq} BOT     sendChatAction({p.get('action')})" + status)
            else:
                lines.append(f"#{c.seq} BOT     {c.method}" + status)
            if c.buttons():
                lines.append("          buttons: " + " | ".join(f"[{t}]→{d}" for t, d in c.buttons()))
        return "\n".join(lines)

    # ----- the HTTP side --------------------------------------------------------------------------
    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw = await request.json() if request.can_read_body else {}
            return dict(raw or {})
        form = await request.post() if request.can_read_body else {}
        params: dict[str, Any] = dict(request.query)
        for key, value in form.items():
            value = value if isinstance(value, str) else str(value)
            if value[:1] in "[{":
                try:
                    params[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        failures = self._failures.get(method)
        if failures:
            kind = failures.pop(0)
            if kind == "429":
                self._record(method, params, 429)
                await self._notify()
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    },
                    status=429,
                )
            if kind == "disconnect":
                self._record(method, params, 599)
                await self._notify()
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            self._record(method, params, 500)
            await self._notify()
            return web.json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500)
        handler = getattr(self, "_m_" + method.lower(), None)
        try:
            result = await handler(params) if handler is not None else True
        except _ApiError as exc:
            self._record(method, params, exc.code)
            await self._notify()
            return web.json_response(
                {"ok": False, "error_code": exc.code, "description": exc.description}, status=exc.code
            )
        if method != "getUpdates":
            self._record(method, params)
            await self._notify()
        return web.json_response({"ok": True, "result": result})

    # ----- Bot API methods ------------------------------------------------------------------------
    async def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Ouderwijzer",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self.poll_cap)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and wait > 0:
            assert self._changed is not None
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self.updates)), timeout=wait)
        batch = self.updates[:limit]
        if batch:
            self.delivered = max(self.delivered, batch[-1]["update_id"])
        return batch

    async def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}

    def _check_chat(self, params: dict[str, Any]) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise _ApiError(400, "Bad Request: chat not found") from None
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _check_text(self, params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > MESSAGE_LIMIT:
            raise _ApiError(400, "Bad Request: message is too long")
        if str(params.get("parse_mode", "")).upper() == "HTML":
            try:
                visible = check_html(text)
            except TelegramHTMLError as exc:
                raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
            if not visible.strip():
                raise _ApiError(400, "Bad Request: message text is empty")
        self._check_markup(params)
        return text

    def _check_markup(self, params: dict[str, Any]) -> None:
        markup = params.get("reply_markup")
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise _ApiError(400, "Bad Request: button text is empty")

    def _bot_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "Ouder"}),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Ouderwijzer", "username": BOT_USERNAME},
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return message

    async def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        self._check_text(params)
        message = self._bot_message(chat_id, params)
        params["_message_id"] = message["message_id"]
        return message

    async def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        self._check_chat(params)
        return True

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("text", ""))) > 200:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._check_chat(params)
        key = (chat_id, int(params.get("message_id", 0)))
        if key not in self.messages:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    async def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        text = self._check_text(params)
        if text == message.get("text") and params.get("reply_markup") == message.get("reply_markup"):
            raise _ApiError(400, "Bad Request: message is not modified")
        message["text"] = text
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        self._check_markup(params)
        markup = params.get("reply_markup") or None
        if markup == message.get("reply_markup"):
            raise _ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _describe_update(update: dict[str, Any]) -> str:
    if "callback_query" in update:
        q = update["callback_query"]
        return f"presses button {q.get('data')!r} under message {q['message']['message_id']}"
    message = update.get("message") or update.get("edited_message") or {}
    chat = message.get("chat", {})
    where = f"chat {chat.get('id')} ({chat.get('type')})"
    kind = "edits a message" if "edited_message" in update else "writes"
    for content in ("sticker", "photo", "voice", "document"):
        if content in message:
            return f"sends a {content} in {where}"
    return f"{kind} in {where}: {message.get('text', '')!r}"
