"""Issue 14, the Telegram parts: one bot process, button state in SQLite, the PTB extras, malformed webhook
posts, and retention that does not hang on the bot.

The bot runs for real: as a separate ``ouderwijzer telegram`` process (webhook mode, against the fake Bot
API) or in-process through the same hosting app, with the session's service and SQLite file.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from packaging.requirements import Requirement
from pydantic import SecretStr

from bot.channels.telegram import app as tg
from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from bot.storage import Storage
from bot.texts import text as btext
from tests.conftest import REPO, VENV_BIN, free_port
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.test_telegram import bot_settings, failed, fake_and_bot, kinds, new_chat, running_bot

pytestmark = pytest.mark.timeout(1800)

DEPLOY = REPO / "deploy"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _message_update(fake: FakeTelegram, chat: int, words: str, update_id: int) -> dict[str, Any]:
    update: dict[str, Any] = {
        "update_id": update_id,
        "message": {
            "message_id": 10 + update_id,
            "date": int(time.time()),
            "chat": fake.chat(chat),
            "from": fake.user(chat),
            "text": words,
        },
    }
    if words.startswith("/"):
        update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(words.split()[0])}]
    return update


# ----- one bot process -------------------------------------------------------------------------------
def _compose_env(service: dict[str, Any]) -> dict[str, str]:
    """A compose service's environment, without values that compose fills in from the host."""
    env = service.get("environment") or {}
    return {k: str(v) for k, v in env.items() if "${" not in str(v)}


def test_deploy_runs_exactly_one_bot_process_and_web_workers_get_no_token() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services: dict[str, Any] = compose["services"]
    bots = [name for name, s in services.items() if s.get("command", [])[1:2] == ["telegram"]]
    assert bots == ["telegram"], "exactly one compose service runs `ouderwijzer telegram`"
    bot = services["telegram"]
    assert "scale" not in bot and (bot.get("deploy") or {}).get("replicas", 1) == 1
    assert "TELEGRAM_BOT_TOKEN" in bot["environment"]
    for name, service in services.items():
        if name != "telegram":
            assert not any("TELEGRAM" in key for key in service.get("environment") or {}), name
    # The web workers' settings: several workers, and no token, so none of them can build a bot.
    web = load_settings(REPO / "config.yaml", environ=_compose_env(services["web"]))
    assert web.server.workers > 1 and web.telegram_bot_token is None
    bot_settings_ = load_settings(REPO / "config.yaml", environ=_compose_env(bot))
    assert bot_settings_.telegram.mode == "webhook"
    assert tg.webhook_url(bot_settings_).endswith(bot_settings_.telegram.webhook_path)
    port = bot_settings_.server.port
    assert f":{port}" in " ".join(bot["ports"]) and f"{port}/healthz" in " ".join(bot["healthcheck"]["test"])

    units = {p.name: p.read_text(encoding="utf-8") for p in (DEPLOY / "systemd").glob("*.service")}
    starts = {name: re.findall(r"^ExecStart=(.*)$", body, re.MULTILINE) for name, body in units.items()}
    bot_units = [name for name, lines in starts.items() if any(line.split()[1:2] == ["telegram"] for line in lines)]
    assert bot_units == ["ouderwijzer-telegram.service"]
    for name, body in units.items():
        settings_lines = "\n".join(line for line in body.splitlines() if not line.startswith("#"))
        if name != "ouderwijzer-telegram.service":
            assert "TELEGRAM" not in settings_lines and "telegram.env" not in settings_lines, name
    assert "EnvironmentFile=/etc/ouderwijzer/telegram.env" in units["ouderwijzer-telegram.service"]
    assert "ouderwijzer purge" in units["ouderwijzer-purge.service"]
    assert (DEPLOY / "systemd" / "ouderwijzer-purge.timer").exists()


@pytest.mark.anyio
async def test_building_the_hosting_app_contacts_nobody(corpus_settings: Settings, service: Any) -> None:
    """Only the hosting app's lifespan (run by the one bot process) talks to Telegram; building it does not."""
    async with FakeTelegram() as fake:
        settings = bot_settings(corpus_settings, fake, webhook_url="https://bot.example.org", mode="webhook")
        tg.webhook_app(settings, service)
        await asyncio.sleep(0.2)
        assert [c.method for c in fake.calls] == []


@pytest.mark.anyio
async def test_several_web_workers_never_build_a_bot(corpus_settings: Settings, service: Any) -> None:
    """A web worker of a multi-worker server that has a token anyway still builds no bot and registers nothing."""
    from bot.channels.web import create_app

    chat = new_chat()
    async with FakeTelegram() as fake:
        settings = bot_settings(corpus_settings, fake, webhook_url="https://bot.example.org", mode="webhook")
        settings.server.workers = 3
        with pytest.raises(ConfigError, match="one process"):
            tg.webhook_app(settings, service)
        web = create_app(settings, service)  # what each of the three workers does
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://web")
        async with web.router.lifespan_context(web), client as http:
            headers = {tg.SECRET_HEADER: tg.webhook_secret(settings)}
            resp = await http.post(settings.telegram.webhook_path, json=_message_update(fake, chat, "/help", 1),
                                   headers=headers)
            assert resp.status_code in (404, 405)
        await asyncio.sleep(0.2)
        assert [c.method for c in fake.calls] == []  # no getMe, no setWebhook, no purge job
        settings.server.workers = 1  # one process (development): it may host the bot itself
        assert tg.webhook_app(settings, service).state.application is not None


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_bot_is_its_own_process_and_serves_its_webhook(
    corpus_settings: Settings, tmp_path: Path
) -> None:
    """`ouderwijzer telegram` in webhook mode: one process registers the webhook once and answers the posts."""
    chat = new_chat()
    port = free_port()
    async with FakeTelegram() as fake:
        env = {
            **{k: v for k, v in os.environ.items() if k != "TEST_INDEX_COPY"},  # not a setting
            "OUDERWIJZER_STORE__PATH": str(corpus_settings.store.path),
            "OUDERWIJZER_PATHS__DATA_DIR": str(corpus_settings.paths.data_dir),
            "OUDERWIJZER_STORAGE__SQLITE_PATH": str(corpus_settings.storage.sqlite_path),
            "OUDERWIJZER_TELEGRAM__BASE_URL": fake.base_url,
            "OUDERWIJZER_TELEGRAM__MODE": "webhook",
            "OUDERWIJZER_TELEGRAM__WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
            "OUDERWIJZER_SERVER__HOST": "127.0.0.1",
            "OUDERWIJZER_SERVER__PORT": str(port),
            "TELEGRAM_BOT_TOKEN": TOKEN,
        }
        log = (tmp_path / "bot.log").open("wb")
        proc = subprocess.Popen([str(VENV_BIN / "ouderwijzer"), "telegram"], env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 300  # the process loads the embedder and the index first
            while not fake.sent(None, method="setWebhook"):
                assert proc.poll() is None, (tmp_path / "bot.log").read_text()
                assert time.monotonic() < deadline, "the bot process did not register its webhook"
                await asyncio.sleep(0.2)
            [hook] = fake.sent(None, method="setWebhook")
            assert hook.params["url"] == "https://bot.example.org/telegram/webhook"
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                for _ in range(200):  # the webhook is registered just before uvicorn binds the port
                    try:
                        if (await http.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                headers = {tg.SECRET_HEADER: hook.params["secret_token"]}
                posted = await http.post("/telegram/webhook", json=_message_update(fake, chat, "wat is een opp?", 1),
                                         headers=headers)
                assert posted.status_code == 200
                [reply] = await fake.wait_sent(chat, timeout=60)
                assert "[1]" in reply.text and "src" in kinds(reply)
                broken = await http.post("/telegram/webhook", content=b'{"update_id": 2, "message": "x"}',
                                         headers=headers)
                assert broken.status_code == 400 and "Traceback" not in broken.text
            assert len(fake.sent(None, method="setWebhook")) == 1
            assert not fake.sent(None, method="deleteWebhook")  # nothing polls next to the webhook
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                log.close()
        assert code in (0, 128 + signal.SIGTERM, -signal.SIGTERM), (tmp_path / "bot.log").read_text()
        assert TOKEN not in (tmp_path / "bot.log").read_text()
        assert not failed(fake)


# ----- malformed webhook posts -----------------------------------------------------------------------
MALFORMED = [
    b"not json",
    b"\xff\xfe{",
    b"[]",
    b"null",
    b'"update"',
    b'{"message": {"text": "hoi"}}',
    b'{"update_id": "1"}',
    b'{"update_id": 1, "message": "x"}',
    b'{"update_id": 1, "message": {}}',
    b'{"update_id": 1, "message": {"message_id": 1, "date": "gisteren", "chat": 5}}',
    b'{"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 1}}}',
    b'{"update_id": 1, "callback_query": {"id": 1}}',
    b'{"update_id": 1, "edited_message": [1, 2]}',
    b'{"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": ["a"]}}',
    b"{" * 5000,
]


@pytest.mark.anyio
async def test_malformed_updates_with_the_valid_secret_get_400_not_500(corpus_settings: Settings, service: Any) -> None:
    chat = new_chat()
    async with FakeTelegram() as fake:
        settings = bot_settings(corpus_settings, fake, webhook_url="https://bot.example.org", mode="webhook")
        web = tg.webhook_app(settings, service)
        headers = {tg.SECRET_HEADER: tg.webhook_secret(settings), "Content-Type": "application/json"}
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://bot")
        async with web.router.lifespan_context(web), client as http:
            for raw in MALFORMED:
                resp = await http.post(settings.telegram.webhook_path, content=raw, headers=headers)
                assert resp.status_code in (200, 400), (raw[:60], resp.status_code)
                assert "Traceback" not in resp.text and TOKEN not in resp.text
            huge = json.dumps({"update_id": 3, "junk": "x" * (tg.MAX_UPDATE_BYTES + 1)}).encode()
            assert (await http.post(settings.telegram.webhook_path, content=huge, headers=headers)).status_code == 413
            # The bot still works afterwards.
            ok = await http.post(settings.telegram.webhook_path, json=_message_update(fake, chat, "/help", 4),
                                 headers=headers)
            assert ok.status_code == 200
            [reply] = await fake.wait_sent(chat)
            assert "/taal" in reply.text


# ----- button state in SQLite ------------------------------------------------------------------------
@pytest.mark.anyio
async def test_buttons_work_after_a_restart_and_in_another_process(
    corpus_settings: Settings, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = new_chat()
    async with FakeTelegram() as fake:
        settings = bot_settings(corpus_settings, fake)
        async with running_bot(settings, service):
            fake.add_message(chat, "wat is een tlv?")
            [answer] = await fake.wait_sent(chat)
        message_id = answer.params["_message_id"]
        answer_id = next(d for _, d in answer.buttons() if d.startswith("src:")).split(":")[1]

        # "Another process": a new application with its own Storage object on the same SQLite file.
        s = corpus_settings
        other = Storage(s.storage.sqlite_path, retention_days=s.privacy.retention_days,
                        context_ttl_minutes=s.privacy.context_ttl_minutes)
        monkeypatch.setattr(service, "storage", other)
        async with running_bot(settings, service):
            mark = fake.last_seq()
            fake.add_callback(chat, message_id, f"src:{answer_id}")
            [quotes] = await fake.wait_sent(chat, after=mark)
            assert quotes.text.startswith(f"<b>{btext('quotes_heading', 'nl')}</b>") and "[1]" in quotes.text
            mark = fake.last_seq()
            fake.add_callback(chat, message_id, f"fb:up:{answer_id}")
            thanks = await fake.wait_for(lambda _: fake.sent(None, method="answerCallbackQuery", after=mark))
            assert thanks[0].params["text"] == btext("feedback_up", "nl")
        async with running_bot(settings, service):  # and after one more restart, the vote is remembered
            mark = fake.last_seq()
            fake.add_callback(chat, message_id, f"fb:dn:{answer_id}")
            again = await fake.wait_for(lambda _: fake.sent(None, method="answerCallbackQuery", after=mark))
            assert again[0].params["text"] == btext("feedback_already", "nl")
        votes = [f for f in other.list_feedback(limit=10_000) if f["answer_id"] == answer_id]
        assert [v["rating"] for v in votes] == [1]
        assert not failed(fake)


@pytest.mark.anyio
async def test_the_memo_behind_the_buttons_holds_no_personal_data(corpus_settings: Settings, service: Any) -> None:
    chat = new_chat()
    question = "Mijn dochter Fatima heeft BSN 111222333, bel 06-12345678. Wat is een tlv?"
    async with fake_and_bot(corpus_settings, service) as fake:
        fake.add_message(chat, question)
        [answer] = await fake.wait_sent(chat)
    answer_id = next(d for _, d in answer.buttons() if d.startswith("fb:up:")).split(":")[2]
    with sqlite3.connect(corpus_settings.storage.sqlite_path) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM answer_memo WHERE answer_id = ?", (answer_id,)).fetchone())
    assert row["chat"] == service.storage.chat_key("telegram", chat) and row["channel"] == "telegram"
    stored = json.dumps(row, ensure_ascii=False)
    for private in ("Fatima", "111222333", "06-12345678", "dochter", str(chat)):
        assert private not in stored
    citations = json.loads(row["citations"])
    assert citations and set(citations[0]) <= {"n", "source_id", "title", "publisher", "published", "url",
                                                "quote", "kind", "stale", "sources"}


def test_memos_expire_with_retention_and_are_erased_with_the_chat(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "memo.db", retention_days=30)
    day = 86400.0
    now = time.time()
    citation = {"n": 1, "source_id": "x", "title": "Over de TLV", "quote": "In 2019 is een start gemaakt."}
    for answer_id, age in (("0000000000a1", 31 * day), ("0000000000a2", 1 * day)):
        storage.save_memo(chat="k1", channel="telegram", answer_id=answer_id, lang="nl", outcome="answer",
                          citations=[citation], now=now - age)
    # Expired memos are never handed out, whether or not a purge has run yet.
    assert storage.get_memo("k1", "0000000000a1") is None
    memo = storage.get_memo("k1", "0000000000a2")
    assert memo is not None and memo.citations == [citation]  # source text is kept as is (not garbled)
    assert storage.get_memo("another-chat", "0000000000a2") is None  # only the chat that got the answer
    assert storage.rate_memo("k1", "0000000000a2", 1) and not storage.rate_memo("k1", "0000000000a2", -1)
    assert storage.mark_forwarded("k1", "0000000000a2") and not storage.mark_forwarded("k1", "0000000000a2")
    # The shared purge (web server, `ouderwijzer purge`, the bot's job) deletes the expired row.
    assert storage.purge_expired() == 1
    assert storage.count_for("k1") == 1
    assert storage.forget("k1") == 1 and storage.get_memo("k1", "0000000000a2") is None


# ----- PTB extras and the bot's own purge job ----------------------------------------------------------
def test_ptb_extras_are_declared_and_installed(corpus_settings: Settings, service: Any) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [ptb] = [Requirement(d) for d in project["dependencies"] if Requirement(d).name == "python-telegram-bot"]
    assert ptb.extras == {"job-queue"}  # what the code uses: PTB's job queue (the purge job)
    for extra in ptb.extras:
        needed = [
            Requirement(r) for r in importlib.metadata.requires("python-telegram-bot") or []
            if Requirement(r).marker is not None and Requirement(r).marker.evaluate({"extra": extra})
        ]
        assert needed, extra
        for requirement in needed:
            installed = importlib.metadata.version(requirement.name)
            assert requirement.specifier.contains(installed, prereleases=True), (requirement, installed)
    settings = corpus_settings.model_copy(deep=True, update={"telegram_bot_token": SecretStr(TOKEN)})
    application = tg.build_application(settings, service)
    assert application.job_queue is not None  # None without APScheduler: then no purge job


@pytest.mark.anyio
async def test_the_bot_purges_expired_rows_when_it_starts(corpus_settings: Settings, service: Any) -> None:
    key = service.storage.chat_key("telegram", new_chat())
    old = time.time() - (corpus_settings.privacy.retention_days + 1) * 86400
    service.storage.save_memo(chat=key, channel="telegram", answer_id="00000000ffff", lang="nl",
                              outcome="answer", citations=[], now=old)
    assert service.storage.count_for(key) == 1
    async with FakeTelegram() as fake, running_bot(bot_settings(corpus_settings, fake), service) as application:
        assert [job.name for job in application.job_queue.jobs()] == ["purge"]  # then daily
        deadline = time.monotonic() + 15
        while service.storage.count_for(key) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    assert service.storage.count_for(key) == 0
