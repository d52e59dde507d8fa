"""The same hostile and odd inputs through POST /api/ask and through the Telegram handler."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.channels.web import create_app
from tests.bad_inputs import BAD_INPUTS, BSN
from tests.fake_telegram import FakeTelegram
from tests.test_telegram import fake_and_bot, new_chat

LEAKS = ("Traceback", "config.yaml", "staff_token", "TELEGRAM_BOT_TOKEN=", "SecretStr", "sqlite3.", 'File "/')


@pytest.fixture(scope="module")
def client(corpus_settings: Any, service: Any) -> Any:
    settings = corpus_settings.model_copy(deep=True)
    settings.server.rate_limit_per_minute = 100_000
    with TestClient(create_app(settings, service)) as c:
        yield c


@pytest.mark.parametrize(("name", "text"), BAD_INPUTS, ids=[n for n, _ in BAD_INPUTS])
def test_api_handles_bad_input(client: Any, name: str, text: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps({"question": text, "session_id": f"bad-{name}"})
    resp = client.post(
        "/api/ask", content=body.encode("utf-8", "surrogatepass"), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code < 500, resp.text[:300]
    data = resp.json()
    shown = data.get("text") or data.get("message") or ""
    assert shown.strip()
    for leak in LEAKS:
        assert leak not in resp.text
    assert BSN not in caplog.text


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe{not utf-8",
        b'{"question": "\xc3\x28"}',
        b'{"question": 12}',
        b'{"question": ["a"]}',
        b"[]",
        b"null",
        b'{"question": "x", "lang": {"a": 1}}',
        b'{"question": null}',
        b"{" * 5000,
    ],
)
def test_api_rejects_malformed_bodies_with_json(client: Any, raw: bytes) -> None:
    resp = client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= resp.status_code < 500
    assert "message" in resp.json()
    assert "Traceback" not in resp.text


@pytest.mark.anyio
async def test_telegram_handles_every_bad_input(corpus_settings: Any, service: Any) -> None:
    """Every input gets a reply the fake Bot API accepts (valid, escaped HTML within limits)."""
    async with fake_and_bot(corpus_settings, service, rate_limit_per_minute=600, max_message_chars=4096) as fake:
        chats = []
        for _, text in BAD_INPUTS:
            chat = new_chat()
            chats.append(chat)
            fake.add_message(chat, text or " ")
        for chat in chats:
            replies = await fake.wait_sent(chat, timeout=60)
            assert replies and all(r.ok for r in replies)
            for reply in replies:
                for leak in LEAKS:
                    assert leak not in reply.text
        assert not any(BSN in c.text for c in fake.sent(None))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_fake_is_the_real_fake() -> None:
    assert FakeTelegram is not None
