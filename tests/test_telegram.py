"""The Telegram channel, end to end: the real PTB application, hosted the way ``ouderwijzer telegram`` hosts
it (``app.hosting``), polls a local fake Bot API server (``tests/fake_telegram.py``) and answers through
the real ``Service.reply`` over the real index.

Each test starts its own application against its own fake server and uses chat ids no other test uses,
so tests share the session's ``service`` (and its SQLite file) without seeing each other's rows. The
assertions are about behaviour (outcome, sources, valid HTML, buttons, fixed texts from ``bot/texts``),
not about the core's wording.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pydantic import SecretStr

from bot.channels.telegram import app as tg
from bot.channels.telegram.render import MESSAGE_LIMIT, answer_keyboard, esc, render_answer, split_html, utf16_len
from bot.errors import StoreUnavailable
from bot.language import SUPPORTED
from bot.models import Answer, Citation, GlossaryItem, Step
from bot.service import AskResult
from bot.settings import Settings
from bot.texts import has_translation
from bot.texts import text as btext
from tests.fake_telegram import BOT_ID, BOT_USERNAME, TOKEN, Call, FakeTelegram, TelegramHTMLError, check_html

#: The first test that needs ``service`` builds the session's index of the whole knowledge base (1-2 minutes
#: on a quiet 2-core machine, several times that when the machine is busy); pytest-timeout counts fixture
#: set-up, so this module allows more than the default. Every wait inside a test has its own short limit.
pytestmark = pytest.mark.timeout(1800)

#: Chat ids start at a random point so that rows left in a reused database never look like this run's.
_chat_ids = itertools.count(random.SystemRandom().randrange(10**8, 9 * 10**8, 10**5))

#: Every fixed text the Telegram channel shows a parent.
TELEGRAM_TEXTS = (
    "start", "help", "privacy", "forgotten", "forget_failed", "unsupported", "edited", "unknown_command",
    "taal_prompt", "taal_auto", "taal_set", "taal_auto_set", "taal_failed", "btn_sources", "btn_human",
    "btn_feedback_received", "feedback_up", "feedback_down", "feedback_already", "quotes_heading", "quotes_none",
    "answer_expired", "human_intro", "human_fallback", "human_forwarded", "rate_limited", "unavailable", "error",
    "cmd_start", "cmd_help", "cmd_taal", "cmd_privacy", "cmd_vergeet",
)  # fmt: skip


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def uncached(service: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The session's service without its answer cache, for tests that replace or watch ``service.ask``."""
    monkeypatch.setattr(service.cache, "size", 0)
    return service


def new_chat() -> int:
    """A chat id no other test uses."""
    return next(_chat_ids)


def bot_settings(corpus_settings: Settings, fake: FakeTelegram, **telegram: Any) -> Settings:
    """The session's settings, pointed at the fake Bot API, with a token and optional telegram overrides."""
    settings = corpus_settings.model_copy(deep=True)
    settings.telegram_bot_token = SecretStr(TOKEN)
    settings.telegram.base_url = fake.base_url
    settings.telegram.poll_timeout_seconds = 1
    for name, value in telegram.items():
        setattr(settings.telegram, name, value)
    return settings


@asynccontextmanager
async def running_bot(settings: Settings, service: Any) -> AsyncIterator[Any]:
    """The real application, hosted as ``ouderwijzer telegram`` hosts it (long polling), stopped afterwards."""
    application = tg.build_application(settings, service)
    async with tg.hosting(application, settings):
        yield application


@asynccontextmanager
async def fake_and_bot(corpus_settings: Settings, service: Any, **telegram: Any) -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake, running_bot(bot_settings(corpus_settings, fake, **telegram), service):
        yield fake


async def settled(fake: FakeTelegram, application: Any, timeout: float = 30.0) -> None:
    """Wait until every injected update was fetched and handled."""
    deadline = time.monotonic() + timeout
    while (
        fake.pending()
        or not application.update_queue.empty()
        or application.update_processor.current_concurrent_updates
    ):
        assert time.monotonic() < deadline, "updates still being handled"
        await asyncio.sleep(0.05)


def failed(fake: FakeTelegram) -> list[Call]:
    """Requests the fake refused because they were invalid (bad HTML, too long, bad buttons)."""
    return [c for c in fake.calls if c.status == 400]


def kinds(call: Call) -> list[str]:
    """The kinds of buttons under a message: src, fb, fb, human."""
    return [d.split(":")[0] for _, d in call.buttons()]


def long_answer(question: str = "vraag") -> Answer:
    """An answer of well over 6,000 characters, with markup-like characters everywhere."""
    paragraphs = []
    for n in range(1, 25):
        lines = [
            f'• Punt {n}.{k}: de school <moet> & het samenwerkingsverband "zorgt" voor ondersteuning [1]'
            for k in range(3)
        ]
        paragraphs.append("\n".join(lines))
    body = f"Dit staat in de bronnen over {question}:\n" + "\n\n".join(paragraphs)
    citations = [
        Citation(
            n=i,
            source_id=f"bron-{i}",
            title=f"Bron <{i}> & uitleg",
            publisher="Ministerie van OCW",
            published="2014",
            url=f"https://example.org/bron?id={i}&x=y",
            quote="Een citaat met <tags> & tekens. " * 4,
            stale=i == 2,
        )
        for i in range(1, 4)
    ]
    glossary = [GlossaryItem(term="TLV", explanation="Toelaatbaarheidsverklaring <uitleg> & meer.")]
    steps = [Step(n=1, title="Praat met de school", where="Op school <hier>", deadline="binnen 6 weken")]
    answer = Answer(outcome="answer", lang="nl", text=body, citations=citations, glossary=glossary, steps=steps)
    answer.answer_id = "abcdef123456"
    return answer


# ----- pure parts -----------------------------------------------------------------------------------
def test_every_telegram_text_exists_in_every_language() -> None:
    for key in TELEGRAM_TEXTS:
        for lang in SUPPORTED:
            assert has_translation(key, lang), (key, lang)


def test_split_html_keeps_every_part_valid_and_short() -> None:
    body = render_answer(long_answer())
    assert utf16_len(body) > 6000
    parts = split_html(body)
    assert len(parts) >= 2
    for part in parts:
        assert utf16_len(part) <= MESSAGE_LIMIT
        check_html(part)
    # Nothing is lost or doubled: the visible text is the same, apart from white space at the cuts.
    squash = lambda s: re.sub(r"\s+", "", re.sub(r"<[^>]*>", "", s))  # noqa: E731
    assert squash("".join(parts)) == squash(body)
    # Sources are listed once per document, with all numbers that point into it.
    answer = long_answer()
    answer.citations[2] = answer.citations[0].model_copy(update={"n": 3})
    assert "[1, 3] <a href=" in render_answer(answer)
    # The first cut falls at a paragraph boundary.
    assert body[len(parts[0]) : len(parts[0]) + 2] == "\n\n"


def test_split_html_cuts_lines_then_words_and_reopens_tags() -> None:
    one_paragraph = "<b>" + "\n".join(f"regel {n} met wat woorden erin" for n in range(400)) + "</b>"
    parts = split_html(one_paragraph)
    assert len(parts) >= 2
    for part in parts:
        check_html(part)
        assert part.startswith("<b>") and part.endswith("</b>")
        assert utf16_len(part) <= MESSAGE_LIMIT
    words = '<a href="https://example.org/?a=1&amp;b=2">' + " ".join(["woord"] * 2000) + "</a> &amp; eind"
    parts = split_html(words, limit=1000)
    assert len(parts) >= 10
    for part in parts:
        check_html(part)
        assert utf16_len(part) <= 1000
        assert not part.startswith(" ") and "wo</a>" not in part  # cut between words, not inside one
    giant = "x" * 9000
    assert [len(p) for p in split_html(giant)] == [4096, 4096, 808]


def test_fake_rejects_what_telegram_rejects() -> None:
    for bad in ("<script>x</script>", "<b>open", "a & b", "1 < 2", "<b><i>x</b></i>", "<br/>", "&nbsp;"):
        with pytest.raises(TelegramHTMLError):
            check_html(bad)
    check_html('<b>ok</b> &lt;b&gt; &amp; <a href="https://x.nl/?a=1&amp;b=2">x</a> <span class="tg-spoiler">s</span>')


def test_buttons_only_under_answers_and_refusals() -> None:
    def data(outcome: str, sources: bool = True) -> list[str]:
        markup = answer_keyboard(answer_id="0123456789ab", lang="nl", outcome=outcome, has_sources=sources)
        return [] if markup is None else [b.callback_data for row in markup.inline_keyboard for b in row]

    assert [d.split(":")[0] for d in data("answer")] == ["src", "fb", "fb", "human"]
    assert [d.split(":")[0] for d in data("answer", sources=False)] == ["fb", "fb", "human"]
    assert [d.split(":")[0] for d in data("refuse")] == ["fb", "fb", "human"]
    assert data("crisis") == [] and data("clarify") == []
    assert all(len(d.encode()) < 64 for d in data("answer"))


def test_webhook_url_is_built_in_one_place(corpus_settings: Settings) -> None:
    settings = corpus_settings.model_copy(deep=True)
    for given in ("https://bot.example.org", "https://bot.example.org/", "https://bot.example.org/telegram/webhook"):
        settings.telegram.webhook_url = given
        assert tg.webhook_url(settings) == "https://bot.example.org/telegram/webhook"
    settings.telegram.webhook_url = "https://example.org/ouderwijzer/hook"  # a proxy that rewrites the path
    assert tg.webhook_url(settings) == "https://example.org/ouderwijzer/hook"


def test_run_bot_without_token_explains_botfather(
    corpus_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = corpus_settings.model_copy(deep=True)
    settings.telegram_bot_token = None
    assert tg.run_bot(settings) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "TELEGRAM_BOT_TOKEN" in err and "/newbot" in err


# ----- end to end -----------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_question_gets_cited_answer_with_buttons(corpus_settings: Settings, service: Any) -> None:
    chat = new_chat()
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.add_message(chat, "wat is een tlv?")
        [reply] = await fake.wait_sent(chat)
        assert reply.params["parse_mode"] == "HTML"
        assert "tlv" in reply.text.lower() and "[1]" in reply.text
        assert re.search(rf"<b>{esc(btext('sources_label', 'nl'))}</b>\n\[1(, \d+)*\] \S", reply.text)
        assert esc(btext("disclaimer", "nl")) in reply.text
        assert kinds(reply) == ["src", "fb", "fb", "human"]
        assert all(len(d.encode()) < 64 for _, d in reply.buttons())
        typing = fake.sent(chat, method="sendChatAction")
        assert typing and typing[0].params["action"] == "typing" and typing[0].seq < reply.seq
        assert not failed(fake)


@pytest.mark.anyio
async def test_conversation_followup_sources_feedback_and_forget(
    corpus_settings: Settings, uncached: Any, monkeypatch: Any
) -> None:
    service = uncached
    chat = new_chat()
    key = service.storage.chat_key("telegram", chat)
    real_ask, histories = service.ask, []

    def spy(question: str, **kw: Any) -> AskResult:
        histories.append(kw.get("history"))
        return real_ask(question, **kw)

    monkeypatch.setattr(service, "ask", spy)
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.add_message(chat, "wat is een tlv?")
        [first] = await fake.wait_sent(chat)
        fake.add_message(chat, "en hoe lang duurt dat?")
        [followup] = await fake.wait_sent(chat, after=first.seq)
        # The follow-up is asked with the chat's earlier question as context (``Service.reply`` keeps it).
        assert histories == [None, ["wat is een tlv?"]]
        assert service.storage.get_state(key).history == ["wat is een tlv?", "en hoe lang duurt dat?"]
        cited = followup if "src" in kinds(followup) else first
        answer_message = cited.params["_message_id"]
        src = next(d for _, d in cited.buttons() if d.startswith("src:"))
        answer_id = src.split(":")[1]
        asked = "en hoe lang duurt dat?" if cited is followup else "wat is een tlv?"

        mark = fake.last_seq()
        fake.add_callback(chat, answer_message, src)
        [quotes] = await fake.wait_sent(chat, after=mark)
        assert quotes.text.startswith(f"<b>{esc(btext('quotes_heading', 'nl'))}</b>") and "[1]" in quotes.text
        assert quotes.params["reply_parameters"]["message_id"] == answer_message
        edit = await fake.wait_for(lambda _: fake.sent(chat, method="editMessageReplyMarkup", after=mark))
        assert "src" not in kinds(edit[0])

        mark = fake.last_seq()
        fake.add_callback(chat, answer_message, f"fb:up:{answer_id}")
        thanks = await fake.wait_for(lambda _: fake.sent(None, method="answerCallbackQuery", after=mark))
        assert thanks[0].params["text"] == btext("feedback_up", "nl")
        edit = await fake.wait_for(lambda _: fake.sent(chat, method="editMessageReplyMarkup", after=mark))
        labels = [t for t, _ in edit[0].buttons()]
        assert btext("btn_feedback_received", "nl") in labels and "👍" not in labels
        stored = [f for f in service.storage.list_feedback(limit=10_000) if f["answer_id"] == answer_id]
        assert len(stored) == 1 and stored[0]["rating"] == 1 and stored[0]["question"] == asked

        mark = fake.last_seq()
        fake.add_callback(chat, answer_message, f"fb:dn:{answer_id}")  # a second vote is not stored
        again = await fake.wait_for(lambda _: fake.sent(None, method="answerCallbackQuery", after=mark))
        assert again[0].params["text"] == btext("feedback_already", "nl")

        assert service.storage.count_for(key) > 0
        mark = fake.last_seq()
        fake.add_command(chat, "/vergeet")
        [confirm] = await fake.wait_sent(chat, after=mark)
        assert confirm.text == esc(btext("forgotten", "nl"))
        assert service.storage.count_for(key) == 0
        # The memos behind the buttons are erased too: the buttons of the old answer no longer find it.
        mark = fake.last_seq()
        fake.add_callback(chat, answer_message, src)
        gone = await fake.wait_for(lambda _: fake.sent(None, method="answerCallbackQuery", after=mark))
        assert gone[0].params["text"] == btext("answer_expired", "nl")
        assert not failed(fake)


@pytest.mark.anyio
async def test_crisis_reply_comes_first_even_when_rate_limited(corpus_settings: Settings, service: Any) -> None:
    chat = new_chat()
    async with fake_and_bot(corpus_settings, service, rate_limit_per_minute=2) as fake:
        for _ in range(4):
            fake.add_message(chat, "hoi")
        replies = await fake.wait_sent(chat, 3)
        assert replies[2].text == esc(btext("rate_limited", "nl"))
        mark = fake.last_seq()
        fake.add_message(chat, "mijn dochter wil niet meer leven")
        first = (await fake.wait_sent(chat, after=mark))[0]
        assert "112" in first.text and "0800-0113" in first.text
        assert "reply_markup" not in first.params
        # No typing indicator before the help lines.
        assert not fake.sent(chat, method="sendChatAction", after=mark)
        assert not failed(fake)


@pytest.mark.anyio
async def test_crisis_skips_the_queue_of_its_chat(corpus_settings: Settings, uncached: Any, monkeypatch: Any) -> None:
    service = uncached
    chat = new_chat()
    real_ask = service.ask

    def slow_ask(question: str, **kw: Any) -> AskResult:
        if "tlv" in question:
            time.sleep(1.5)
        return real_ask(question, **kw)

    monkeypatch.setattr(service, "ask", slow_ask)
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.add_message(chat, "wat is een tlv?")
        fake.add_message(chat, "mijn zoon wil zelfmoord plegen")
        replies = await fake.wait_sent(chat, 2)
        assert "113" in replies[0].text and "[1]" in replies[1].text


@pytest.mark.anyio
async def test_service_failure_on_crisis_words_still_sends_help_lines(
    corpus_settings: Settings, uncached: Any, monkeypatch: Any
) -> None:
    chat = new_chat()

    def broken(*args: Any, **kw: Any) -> AskResult:
        raise RuntimeError("the core is down")

    monkeypatch.setattr(uncached, "reply", broken)
    async with fake_and_bot(corpus_settings, uncached) as fake:
        fake.add_message(chat, "mijn zoon wil niet meer leven")
        [help_lines] = await fake.wait_sent(chat)
        for number in ("112", "0800-0113", "0800-2000", "0800-0432"):
            assert number in help_lines.text
        assert not failed(fake)


@pytest.mark.anyio
async def test_long_answer_is_split_into_valid_messages(
    corpus_settings: Settings, uncached: Any, monkeypatch: Any
) -> None:
    chat = new_chat()
    monkeypatch.setattr(uncached, "ask", lambda question, **kw: AskResult(answer=long_answer(question)))
    async with fake_and_bot(corpus_settings, uncached) as fake:
        fake.add_message(chat, "geef me alles")
        await fake.wait_for(lambda _: any(c.buttons() for c in fake.sent(chat)))
        parts = fake.sent(chat)
        assert len(parts) >= 2
        assert all(len(p.text) <= MESSAGE_LIMIT for p in parts)
        assert [bool(p.buttons()) for p in parts] == [False] * (len(parts) - 1) + [True]
        assert "&lt;moet&gt; &amp;" in parts[0].text
        assert not failed(fake)


@pytest.mark.anyio
async def test_html_from_parents_and_sources_is_escaped(
    corpus_settings: Settings, uncached: Any, monkeypatch: Any
) -> None:
    chat, echo_chat = new_chat(), new_chat()
    question = "<b>vet</b> <script>x</script> & co"
    async with fake_and_bot(corpus_settings, uncached) as fake:
        fake.add_message(chat, question)  # the real service
        [reply] = await fake.wait_sent(chat)
        assert "<script>" not in reply.text and "<b>vet</b>" not in reply.text

        def echo(q: str, **kw: Any) -> AskResult:
            cite = Citation(n=1, source_id="x", title=q, publisher="<i>uitgever</i>", url="javascript:alert(1)")
            return AskResult(answer=Answer(answer_id="0123456789ab", outcome="answer", text=q, citations=[cite]))

        monkeypatch.setattr(uncached, "ask", echo)
        fake.add_message(echo_chat, question)
        [echoed] = await fake.wait_sent(echo_chat)
        assert "&lt;b&gt;vet&lt;/b&gt; &lt;script&gt;x&lt;/script&gt; &amp; co" in echoed.text
        assert "<script>" not in echoed.text and "<i>uitgever" not in echoed.text
        assert "javascript:" not in re.findall(r'href="([^"]*)"', echoed.text)
        assert not failed(fake)


@pytest.mark.anyio
async def test_flood_control_and_network_errors_are_retried(corpus_settings: Settings, service: Any) -> None:
    chat = new_chat()
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.fail_next("sendMessage", 1, kind="429")
        started = time.monotonic()
        fake.add_command(chat, "/help")
        [reply] = await fake.wait_sent(chat)
        refused = [c for c in fake.calls if c.method == "sendMessage" and c.status == 429]
        assert len(refused) == 1 and refused[0].seq < reply.seq
        assert time.monotonic() - started >= 1.0  # it waited for retry_after
        mark = fake.last_seq()
        fake.fail_next("sendMessage", 2, kind="disconnect")
        fake.add_command(chat, "/privacy")
        [privacy] = await fake.wait_sent(chat, after=mark)
        assert "/vergeet" in privacy.text


@pytest.mark.anyio
async def test_stickers_photos_voice_files_and_edits_get_an_explanation(
    corpus_settings: Settings, service: Any
) -> None:
    chat = new_chat()
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.add_sticker(chat)
        fake.add_photo(chat)
        fake.add_voice(chat)
        fake.add_document(chat)
        fake.add_edited(chat, "wat is een opp?")
        replies = await fake.wait_sent(chat, 5)
        assert all(r.text == esc(btext("unsupported", "nl")) for r in replies[:4])
        assert replies[4].text == esc(btext("edited", "nl"))
        mark = fake.last_seq()
        fake.add_photo(chat, caption="mijn zoon wil niet meer leven")  # crisis words in a caption still count
        [help_lines] = await fake.wait_sent(chat, after=mark)
        assert "0800-0113" in help_lines.text
        mark = fake.last_seq()
        fake.add_edited(chat, "eigenlijk wil mijn zoon niet meer leven")  # and in an edited message
        [help_lines] = await fake.wait_sent(chat, after=mark)
        assert "0800-0113" in help_lines.text


@pytest.mark.anyio
async def test_burst_of_200_updates_is_handled_and_the_bot_keeps_working(
    corpus_settings: Settings, service: Any
) -> None:
    chats = [new_chat() for _ in range(40)]
    spammer = new_chat()
    async with FakeTelegram() as fake, running_bot(bot_settings(corpus_settings, fake), service) as application:
        for n in range(120):
            if n < 80:
                chat = chats[n // 2]
                fake.add_message(chat, "wat is een tlv?" if n % 2 == 0 else "hoi")
            fake.add_message(spammer, "hoi")
        assert sum(1 for c in fake.calls if c.method == "update") == 200
        await fake.wait_for(lambda _: all(len(fake.sent(c)) >= 2 for c in chats), timeout=90)
        await fake.wait_sent(spammer, 9, timeout=30)
        for chat in chats:  # every chat got its two replies, in order: the cited answer, then a question back
            first, second = fake.sent(chat)
            assert "[1]" in first.text and "src" in kinds(first)
            assert "[1]" not in second.text and not second.buttons()
        spam = fake.sent(spammer)
        assert len(spam) == 9 and sum(r.text == esc(btext("rate_limited", "nl")) for r in spam) == 1
        assert not failed(fake)
        later = new_chat()
        fake.add_message(later, "wat is een opp?")
        [reply] = await fake.wait_sent(later)
        assert "[1]" in reply.text
        await settled(fake, application)
        assert len(fake.sent(spammer)) == 9  # the rest of the spam was dropped quietly


@pytest.mark.anyio
async def test_start_help_privacy_and_language_choice(corpus_settings: Settings, service: Any) -> None:
    chat = new_chat()
    days = corpus_settings.privacy.retention_days
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.add_command(chat, "/start")
        [hello] = await fake.wait_sent(chat)
        assert hello.text == esc(btext("start", "nl", days=days))
        assert f"{days} dagen" in hello.text and "/vergeet" in hello.text
        fake.add_command(chat, "/help")
        fake.add_command(chat, "/privacy")
        _, helptext, privacy = await fake.wait_sent(chat, 3)
        assert helptext.text == esc(btext("help", "nl")) and "/taal" in helptext.text
        assert f"{days} dagen" in privacy.text and "/vergeet" in privacy.text

        mark = fake.last_seq()
        fake.add_command(chat, "/taal")
        [menu] = await fake.wait_sent(chat, after=mark)
        assert [d for _, d in menu.buttons()] == [f"lang:{code}" for code in SUPPORTED] + ["lang:auto"]
        fake.add_callback(chat, menu.params["_message_id"], "lang:en")
        edit = await fake.wait_for(lambda _: fake.sent(chat, method="editMessageText", after=mark))
        assert edit[0].text == esc(btext("taal_set", "en"))
        assert service.storage.get_state(service.storage.chat_key("telegram", chat)).lang == "en"

        mark = fake.last_seq()
        fake.add_command(chat, "/help")
        fake.add_message(chat, "wat is een tlv?")
        english_help, answer = await fake.wait_sent(chat, 2, after=mark)
        assert english_help.text == esc(btext("help", "en"))
        assert f"<b>{btext('sources_label', 'en')}</b>" in answer.text and btext("disclaimer", "en") in answer.text
        assert next(t for t, _ in answer.buttons()) == btext("btn_sources", "en")

        mark = fake.last_seq()
        fake.add_command(chat, "/taal")
        [menu] = await fake.wait_sent(chat, after=mark)
        assert menu.text == esc(btext("taal_prompt", "en"))
        fake.add_callback(chat, menu.params["_message_id"], "lang:auto")
        edit = await fake.wait_for(lambda _: fake.sent(chat, method="editMessageText", after=mark))
        assert edit[0].text == esc(btext("taal_auto_set", "en"))
        fake.add_command(chat, "/onbekend")
        [unknown] = await fake.wait_sent(chat, after=edit[0].seq)
        assert unknown.text == esc(btext("unknown_command", "nl")) and "/help" in unknown.text
        assert not failed(fake)


@pytest.mark.anyio
async def test_group_chat_answers_only_when_addressed(corpus_settings: Settings, service: Any) -> None:
    group = -1_000_000_000 - new_chat()
    async with FakeTelegram() as fake, running_bot(bot_settings(corpus_settings, fake), service) as application:
        fake.add_message(group, "wat is een tlv?", chat_type="supergroup", user_id=555)
        fake.add_sticker(group, chat_type="supergroup")
        mentioned = fake.add_message(group, f"@{BOT_USERNAME} wat is een tlv?", chat_type="supergroup", user_id=555)
        [reply] = await fake.wait_sent(group)
        assert "[1]" in reply.text
        assert reply.params["reply_parameters"]["message_id"] == mentioned["message"]["message_id"]
        assert BOT_USERNAME not in reply.text

        bot_message = fake.messages[(group, reply.params["_message_id"])]
        mark = fake.last_seq()
        fake.add_message(group, "hoe vraag ik die aan?", chat_type="supergroup", user_id=556)
        fake.add_message(group, "en wat is een opp?", chat_type="supergroup", user_id=556, reply_to=bot_message)
        [second] = await fake.wait_sent(group, after=mark)
        assert "OPP" in second.text
        await settled(fake, application)
        assert len(fake.sent(group)) == 2  # the message without mention or reply got no answer
        # Crisis words are never ignored, addressed or not.
        mark = fake.last_seq()
        fake.add_message(group, "mijn zoon wil niet meer leven", chat_type="supergroup", user_id=557)
        [help_lines] = await fake.wait_sent(group, after=mark)
        assert "0800-0113" in help_lines.text
        assert bot_message["from"]["id"] == BOT_ID
        assert not failed(fake)


@pytest.mark.anyio
async def test_talk_to_a_person_forwards_a_redacted_summary_to_staff(corpus_settings: Settings, service: Any) -> None:
    chat, staff = new_chat(), -4242
    async with fake_and_bot(corpus_settings, service, staff_chat_id=staff) as fake:
        fake.add_message(chat, "Mijn BSN is 111222333 en mijn nummer is 06-12345678. Wat is een tlv?")
        [first] = await fake.wait_sent(chat)
        assert esc(btext("personal_data_warning", "nl")) in first.text  # the tip not to share personal data
        fake.add_message(chat, "en wie beslist over de tlv?")
        [answer] = await fake.wait_sent(chat, after=first.seq)
        human = next(d for _, d in answer.buttons() if d.startswith("human:"))
        mark = fake.last_seq()
        fake.add_callback(chat, answer.params["_message_id"], human)
        [contacts] = await fake.wait_sent(chat, after=mark)
        [summary] = await fake.wait_sent(staff, after=mark)
        assert "samenwerkingsverband" in contacts.text.lower() and "Onderwijsconsulenten" in contacts.text
        assert esc(btext("human_forwarded", "nl")) in contacts.text
        staff_text = summary.text
        assert "[BSN]" in staff_text and "[TELEFOON]" in staff_text and "wie beslist over de tlv" in staff_text
        for secret in ("111222333", "06-12345678", "12345678", str(chat)):
            assert secret not in staff_text
            assert all(secret not in c.text for c in fake.sent(staff))
        assert human.split(":")[1] in staff_text
        # A second press does not send the summary again.
        mark = fake.last_seq()
        fake.add_callback(chat, answer.params["_message_id"], human)
        await fake.wait_sent(chat, after=mark)
        assert not fake.sent(staff, after=mark)
        assert not failed(fake)


@pytest.mark.anyio
async def test_talk_to_a_person_without_contact_data_or_staff_chat(
    corpus_settings: Settings, service: Any, monkeypatch: Any
) -> None:
    chat = new_chat()
    monkeypatch.setattr(service.ladder, "contacts", lambda **kw: [])
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.add_message(chat, "wat is een opp?")
        [answer] = await fake.wait_sent(chat)
        human = next(d for _, d in answer.buttons() if d.startswith("human:"))
        fake.add_callback(chat, answer.params["_message_id"], human)
        [contacts] = await fake.wait_sent(chat, after=answer.seq)
        assert esc(btext("human_fallback", "nl")) in contacts.text
        assert esc(btext("human_forwarded", "nl")) not in contacts.text
        assert len({c.chat_id for c in fake.sent()}) == 1  # nothing went to any other chat


@pytest.mark.anyio
async def test_limits_errors_and_blocked_users(
    corpus_settings: Settings, uncached: Any, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    long_chat, empty_group, broken, down, blocked, fine = (new_chat() for _ in range(6))
    group = -1_000_000_000 - empty_group
    async with fake_and_bot(corpus_settings, uncached) as fake:
        fake.add_message(long_chat, "Wat is een tlv? " * 200)
        [too_long] = await fake.wait_sent(long_chat)
        assert too_long.text == esc(btext("too_long", "nl", max=2000))
        fake.add_message(group, f"@{BOT_USERNAME}", chat_type="group", user_id=77)
        [empty] = await fake.wait_sent(group)
        assert empty.text == esc(btext("empty", "nl"))

        def broken_ask(question: str, **kw: Any) -> AskResult:
            if "kapot" in question:
                raise RuntimeError("boom for 06-12345678")
            raise StoreUnavailable("chroma is down")

        monkeypatch.setattr(uncached, "ask", broken_ask)
        fake.add_message(broken, "is de opp kapot?")
        [sorry] = await fake.wait_sent(broken)
        assert sorry.text == btext("error", "nl") and "boom" not in sorry.text and "Traceback" not in sorry.text
        # The traceback is logged, redacted: the phone number in the exception never reaches the log.
        assert "RuntimeError: boom for [TELEFOON]" in caplog.text and "06-12345678" not in caplog.text
        fake.add_message(down, "wat is een opp?")
        [later] = await fake.wait_sent(down)
        assert later.text == esc(btext("unavailable", "nl"))

        monkeypatch.undo()
        monkeypatch.setattr(uncached.cache, "size", 0)
        fake.block(blocked)
        fake.add_message(blocked, "wat is een opp?")
        await fake.wait_for(
            lambda calls: any(c.chat_id == blocked and c.method == "sendMessage" and c.status == 403 for c in calls)
        )
        fake.add_message(fine, "wat is een opp?")
        [ok] = await fake.wait_sent(fine)
        assert "[1]" in ok.text
        attempts = [c for c in fake.calls if c.chat_id == blocked and c.method == "sendMessage"]
        assert len(attempts) == 1  # dropped: no retries and no "something went wrong" to a blocked chat


@pytest.mark.anyio
async def test_webhook_mode_serves_updates_with_a_secret(corpus_settings: Settings, service: Any) -> None:
    """The hosting app in webhook mode: it registers the webhook once and answers what Telegram posts."""
    import httpx

    chat = new_chat()
    async with FakeTelegram() as fake:
        settings = bot_settings(corpus_settings, fake, webhook_url="https://bot.example.org", mode="webhook")
        web = tg.webhook_app(settings, service)
        assert web.state.application.updater is None  # nothing polls in webhook mode
        update = {
            "update_id": 5,
            "message": {
                "message_id": 9,
                "date": int(time.time()),
                "chat": fake.chat(chat),
                "from": fake.user(chat),
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://bot")
        async with web.router.lifespan_context(web), client as http:
            [hook] = fake.sent(None, method="setWebhook")
            assert hook.params["url"] == "https://bot.example.org/telegram/webhook"
            secret = hook.params["secret_token"]
            assert secret == tg.webhook_secret(settings) and secret.isalnum()
            assert (await http.get("/healthz")).status_code == 200
            wrong = await http.post("/telegram/webhook", json=update, headers={tg.SECRET_HEADER: "wrong"})
            assert wrong.status_code == 403
            ok = await http.post("/telegram/webhook", json=update, headers={tg.SECRET_HEADER: secret})
            assert ok.status_code == 200
            [reply] = await fake.wait_sent(chat)
            assert reply.text == esc(btext("start", "nl", days=settings.privacy.retention_days))
            assert len(fake.sent(chat)) == 1  # the refused post was not handled
        assert len(fake.sent(None, method="setWebhook")) == 1
        assert not fake.sent(None, method="deleteWebhook")
