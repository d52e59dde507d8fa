"""Running the web channel for real (issue 14): logs, metrics, cost-aware limits, bad headers, staff lock-out,
feedback paging, slow clients, the quiet `serve` command, the Telegram seam and texts from the table.

Servers run under real uvicorn (``server_config``, as ``ouderwijzer serve`` does) on 127.0.0.1 where the
test needs sockets, client addresses (X-Forwarded-For from 127.0.0.1) or several connections at once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.channels.web import create_app
from bot.channels.web.deps import WebLimits
from bot.channels.web.gate import AnswerGate, Refused
from bot.channels.web.pages import TEXTS_MARKER, WIDGET_TEXTS
from bot.logs import setup_logging
from bot.settings import Settings
from bot.texts import LANGUAGES, text
from tests.conftest import REPO, live_app, serve_process
from tests.test_web_api import STAFF, TOKEN, assert_error, settings_variant

STATIC = REPO / "bot" / "channels" / "web" / "static"


@pytest.fixture(scope="module")
def client(corpus_settings: Settings, service: Any) -> Iterator[TestClient]:
    settings = settings_variant(corpus_settings, rate_limit_per_minute=10_000)
    with TestClient(create_app(settings, service)) as c:
        yield c


@contextmanager
def captured_logs(*, json_lines: bool = True) -> Iterator[io.StringIO]:
    """Route all logging through our own set-up into a buffer (restored afterwards)."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, getattr(root, "_ouderwijzer", None))
    buffer = io.StringIO()
    setup_logging("INFO", json_lines=json_lines, stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        root._ouderwijzer = saved[2]  # type: ignore[attr-defined]


# ----- logs ------------------------------------------------------------------------------------------------
def test_logs_carry_no_client_address_no_query_and_the_answer_id(corpus_settings: Settings, service: Any) -> None:
    address = "203.0.113.77"
    forwarded = {"X-Forwarded-For": address}
    settings = settings_variant(corpus_settings, rate_limit_per_minute=10_000)
    with captured_logs() as buffer, live_app(create_app(settings, service)) as url:
        assert httpx.get(f"{url}/healthz?token=geheim-123", headers=forwarded).status_code == 200
        assert (
            httpx.get(f"{url}/api/console/ping", headers={**forwarded, "Authorization": "Bearer x"}).status_code == 401
        )
        asked = httpx.post(
            f"{url}/api/ask?utm_source=geheim-123",
            json={"question": "Wie vraagt de TLV aan bij het samenwerkingsverband?"},
            headers=forwarded,
            timeout=60,
        )
        assert asked.status_code == 200, asked.text
        assert httpx.get(f"{url}/nope", headers={**forwarded, "Origin": "http://["}).status_code == 400
    output = buffer.getvalue()
    assert address not in output
    assert "geheim-123" not in output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines and all({"ts", "level", "logger", "msg"} <= set(line) for line in lines)

    answer = asked.json()
    answer_id = answer["answer_id"]
    assert asked.headers["x-request-id"] == answer_id
    [answer_line] = [line for line in lines if line.get("answer_id") == answer_id and line["logger"].endswith(".api")]
    assert answer_line["request_id"] == answer_id
    assert answer_line["outcome"] == answer["outcome"]
    assert service.storage.get_audit(answer_id) is not None, "the log line and the audit record share the id"
    [access] = [line for line in lines if line["logger"] == "ouderwijzer.access" and line.get("path") == "/api/ask"]
    assert access["request_id"] == answer_id and access["status"] == 200 and access["method"] == "POST"
    assert all(line["logger"] != "uvicorn.access" for line in lines)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_lines_when_not_a_terminal_or_when_asked(corpus_settings: Settings) -> None:
    assert corpus_settings.logging.json == "auto"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, getattr(root, "_ouderwijzer", None))
    try:
        for stream, mode, want_json in [
            (io.StringIO(), "auto", True),  # a pipe, a file, a service manager
            (_Terminal(), "auto", False),  # a person at a terminal
            (_Terminal(), True, True),  # logging.json: true
            (io.StringIO(), False, False),
        ]:
            setup_logging("INFO", json_lines=mode, stream=stream)
            logging.getLogger("ouderwijzer.test").info("hello %s", "world", extra={"fields": {"n": 1}})
            line = stream.getvalue().strip()
            if want_json:
                parsed = json.loads(line)
                assert parsed["msg"] == "hello world" and parsed["n"] == 1 and parsed["level"] == "INFO"
            else:
                assert line.endswith("ouderwijzer.test: hello world [n=1]"), line
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        root._ouderwijzer = saved[2]  # type: ignore[attr-defined]


# ----- metrics ---------------------------------------------------------------------------------------------
def _value(body: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in body.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_need_the_staff_token_and_count_what_happens(client: TestClient) -> None:
    assert_error(client.get("/metrics"), 401, "unauthorized")
    assert_error(client.get("/metrics", headers={"Authorization": "Bearer wrong"}), 401)
    before = client.get("/metrics", headers=STAFF)
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain")

    assert client.post("/api/ask", json={"question": "Wat is een OPP?"}).json()["outcome"] == "answer"
    assert client.post("/api/ask", json={"question": "Ik wil niet meer leven"}).json()["outcome"] == "crisis"
    client.get("/healthz", headers={"Origin": "http://["})
    body = client.get("/metrics", headers=STAFF).text
    for name in (
        "ouderwijzer_http_requests_total",
        "ouderwijzer_answers_total",
        "ouderwijzer_answer_seconds_bucket",
        "ouderwijzer_refusals_total",
        "ouderwijzer_crisis_replies_total",
        "ouderwijzer_answers_in_flight",
    ):
        assert name in body, name
    assert _value(body, "ouderwijzer_answers_total", outcome="answer") >= 1 + _value(
        before.text, "ouderwijzer_answers_total", outcome="answer"
    )
    assert _value(body, "ouderwijzer_crisis_replies_total") >= 1
    assert _value(body, "ouderwijzer_refusals_total", reason="bad_origin") >= 1
    assert _value(body, "ouderwijzer_http_requests_total", route="/api/ask", status="200") >= 2
    assert _value(body, "ouderwijzer_answer_seconds_count") >= 2


WORKER = """
import sys
from fastapi.testclient import TestClient
from pydantic import SecretStr
from bot.channels.web import create_app
from bot.settings import load_settings

root = sys.argv[3]
settings = load_settings(environ={"OUDERWIJZER_STORE__PATH": root + "/chroma", "OUDERWIJZER_PATHS__DATA_DIR": root,
                                  "OUDERWIJZER_STORAGE__SQLITE_PATH": root + "/ow.db"})
settings.staff_token = SecretStr(sys.argv[4])
client = TestClient(create_app(settings, None))  # no lifespan: /healthz and /metrics need no index
for _ in range(int(sys.argv[1])):
    assert client.get("/healthz").status_code == 200
if sys.argv[2] == "read":
    sys.stdout.write(client.get("/metrics", headers={"Authorization": "Bearer " + sys.argv[4]}).text)
"""


def test_metrics_add_up_over_worker_processes(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    env = {k: v for k, v in env.items() if not k.startswith("OUDERWIJZER_")}
    script = tmp_path / "worker.py"
    script.write_text(WORKER, encoding="utf-8")

    def run(n: int, mode: str) -> str:
        done = subprocess.run(
            [sys.executable, str(script), str(n), mode, str(tmp_path), TOKEN],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run(3, "write")
    run(4, "write")
    body = run(1, "read")
    assert list(shared.glob("*.db")), "values are kept in files, one set per process"
    assert _value(body, "ouderwijzer_http_requests_total", route="/healthz", status="200") == 8.0


# ----- cost-aware limits -------------------------------------------------------------------------------------
class FifoCpu:
    """One CPU, first come first served: what a busy two-core server looks like to the request at the back."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()

    def __enter__(self) -> None:
        me = object()
        with self._cond:
            self._queue.append(me)
            self._cond.wait_for(lambda: self._queue[0] is me)

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._queue.popleft()
            self._cond.notify_all()


LONG = (
    "Mijn zoon van negen zit op een gewone basisschool en loopt erg vast in de klas. De intern begeleider zegt "
    "dat er een ontwikkelingsperspectief moet komen en misschien later een toelaatbaarheidsverklaring voor het "
    "speciaal basisonderwijs. Wij weten niet goed wat de stappen zijn, wie wat beslist, welke termijnen gelden "
    "en wat wij als ouders mogen zeggen over de plannen van de school en het samenwerkingsverband. "
)


@pytest.mark.slow
def test_a_flooding_client_cannot_starve_another_parent(
    corpus_settings: Settings, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 parallel long unique questions from one address, again and again; another parent still gets through.

    Every answer holds a first-come-first-served "CPU" for 0.3 s (the flood's answers only that, the
    parent's plus the real work), so without admission control the parent would queue behind the flood.
    """
    cpu = FifoCpu()
    real_ask = service.ask
    canned = real_ask("Wat is een OPP?", audit=False)

    def costly(question: str, **kwargs: Any) -> Any:
        with cpu:
            time.sleep(0.3)
            if question.startswith(LONG[:40]):
                answer = canned.answer.model_copy(update={"answer_id": uuid.uuid4().hex[:12]})
                return dataclasses.replace(canned, answer=answer)
            return real_ask(question, **kwargs)

    monkeypatch.setattr(service, "ask", costly)
    settings = settings_variant(corpus_settings, rate_limit_per_minute=100_000)
    limits = WebLimits(answer_slots=2)
    flooder = {"X-Forwarded-For": "198.51.100.1"}
    parent = {"X-Forwarded-For": "198.51.100.2"}

    async def timed(http: httpx.AsyncClient, question: str) -> float:
        started = time.monotonic()
        r = await http.post("/api/ask", json={"question": question}, headers=parent)
        assert r.status_code == 200 and r.json()["outcome"] == "answer", r.text
        return time.monotonic() - started

    async def scenario(url: str) -> tuple[float, float, list[int], httpx.Response]:
        statuses: list[int] = []
        stop = asyncio.Event()
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            alone = min(
                [await timed(http, q) for q in ("Wie beslist over een TLV voor het sbo?", "Wat staat er in een OPP?")]
            )

            async def flood(worker: int) -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    question = f"{LONG} Vraag {worker}-{n}: wat nu?"
                    r = await http.post("/api/ask", json={"question": question}, headers=flooder)
                    statuses.append(r.status_code)
                    if r.status_code != 200:
                        await asyncio.sleep(0.5)

            workers = [asyncio.create_task(flood(i)) for i in range(40)]
            await asyncio.sleep(1.5)
            during = await timed(http, "Wie vraagt een TLV voor het speciaal basisonderwijs aan?")
            crisis = await http.post("/api/ask", json={"question": "Mijn kind wil niet meer leven"}, headers=flooder)
            stop.set()
            await asyncio.gather(*workers)
        return alone, during, statuses, crisis

    with live_app(create_app(settings, service, limits=limits), limits=limits) as url:
        alone, during, statuses, crisis = asyncio.run(scenario(url))
    print(f"parent alone {alone:.1f} s, during the flood {during:.1f} s; flood: {len(statuses)} requests")
    # Behind the flood's queue the parent would wait 40 x 0.3 s = 12 s more; with fair admission at most
    # a couple of the flood's answers.
    assert during < 1.5 * alone + 2.5, f"the second parent waited {during:.1f} s (alone: {alone:.1f} s)"
    assert 429 in statuses, "the flooding client's extra questions are refused"
    assert crisis.status_code == 200 and crisis.json()["outcome"] == "crisis", "a crisis is never refused"


def test_answers_in_flight_per_client_are_capped_but_a_crisis_is_answered(
    corpus_settings: Settings, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_ask = service.ask

    def held(question: str, **kwargs: Any) -> Any:
        release.wait(20)
        return real_ask(question, **kwargs)

    monkeypatch.setattr(service, "ask", held)
    settings = settings_variant(corpus_settings, rate_limit_per_minute=100_000)
    session = "flood-session-0123456789"

    async def scenario(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            held_back = [
                asyncio.create_task(http.post("/api/ask", json={"question": f"{LONG} {i}", "session_id": session}))
                for i in range(2)
            ]
            await asyncio.sleep(0.5)
            over = await http.post("/api/ask", json={"question": f"{LONG} 3", "session_id": session})
            crisis = await http.post("/api/ask", json={"question": "Ik wil dood", "session_id": session})
            release.set()
            return [over, crisis, *(await asyncio.gather(*held_back))]

    with live_app(create_app(settings, service)) as url:
        over, crisis, *first = asyncio.run(scenario(url))
    body = assert_error(over, 429, "busy")
    assert body["message"] == text("web_one_at_a_time", "nl")
    assert over.headers["retry-after"]
    assert crisis.status_code == 200 and crisis.json()["outcome"] == "crisis"
    assert [r.status_code for r in first] == [200, 200]


def test_gate_gives_the_next_slot_to_the_client_with_fewest_answers_running() -> None:
    async def scenario() -> list[str]:
        gate = AnswerGate(slots=1, queue=10, per_key={"ip": 4}, wait_seconds=5)
        order: list[str] = []
        release = asyncio.Event()

        async def job(client: str, tag: str) -> None:
            async with gate.admit(client, [f"ip:{client}"]):
                order.append(tag)
                await release.wait()

        first = asyncio.create_task(job("a", "a1"))
        await asyncio.sleep(0.01)
        queued = [asyncio.create_task(job("a", f"a{i}")) for i in (2, 3, 4)]
        await asyncio.sleep(0.01)
        other = asyncio.create_task(job("b", "b1"))
        await asyncio.sleep(0.01)
        assert (gate.running, gate.waiting) == (1, 4)
        with pytest.raises(Refused) as refused:
            async with gate.admit("a", ["ip:a"]):
                pass  # a has 4 answers in flight, its cap: refused at once, without waiting
        assert refused.value.reason == "client"
        release.set()
        await asyncio.gather(first, *queued, other)
        return order

    order = asyncio.run(scenario())
    assert order[:2] == ["a1", "b1"], order


def test_a_full_queue_is_503_in_the_parents_language(
    corpus_settings: Settings, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real_ask = service.ask
    monkeypatch.setattr(service, "ask", lambda q, **kw: (release.wait(20), real_ask(q, **kw))[1])
    settings = settings_variant(corpus_settings, rate_limit_per_minute=100_000)
    limits = WebLimits(answer_slots=1, queue_size=0)

    async def scenario(url: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            busy = asyncio.create_task(
                http.post("/api/ask", json={"question": f"{LONG} x"}, headers={"X-Forwarded-For": "198.51.100.7"})
            )
            await asyncio.sleep(0.5)
            refused = await http.post(
                "/api/ask",
                json={"question": "What is a TLV and who applies for it?"},
                headers={"X-Forwarded-For": "198.51.100.8"},
            )
            release.set()
            await busy
            return refused

    with live_app(create_app(settings, service, limits=limits)) as url:
        refused = asyncio.run(scenario(url))
    body = assert_error(refused, 503, "busy")
    assert body["message"] == text("web_busy", "en")
    assert int(refused.headers["retry-after"]) >= 1


# ----- malformed Origin -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/widget.js"),
        ("GET", "/console"),
        ("GET", "/docs"),
        ("GET", "/static/console.css"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
        ("POST", "/api/ask"),
        ("POST", "/api/feedback"),
        ("GET", "/api/console/ping"),
        ("OPTIONS", "/api/ask"),
        ("GET", "/does-not-exist"),
    ],
)
@pytest.mark.parametrize("origin", ["http://[", "https://[::1", "http://]x["])
def test_malformed_origin_is_400_on_every_route(client: TestClient, method: str, path: str, origin: str) -> None:
    headers = {**STAFF, "Origin": origin, "Access-Control-Request-Method": "POST", "Accept-Language": "en"}
    r = client.request(
        method, path, headers=headers, json={"question": "Wat is een OPP?"} if method == "POST" else None
    )
    body = assert_error(r, 400, "bad_origin")
    assert body["message"] == text("web_bad_origin", "en")
    assert "access-control-allow-origin" not in r.headers


# ----- staff lock-out -----------------------------------------------------------------------------------------
def test_wrong_staff_tokens_do_not_lock_out_the_right_one(corpus_settings: Settings, service: Any) -> None:
    with TestClient(create_app(settings_variant(corpus_settings), service)) as c:
        for _ in range(20):
            assert_error(c.get("/api/console/ping", headers={"Authorization": "Bearer guess-1"}), 401, "unauthorized")
        # The same wrong token again, from the same address: locked out for a while.
        assert_error(c.get("/api/console/ping", headers={"Authorization": "Bearer guess-1"}), 429, "rate_limited")
        # The right token, from the same address (a colleague behind the same proxy): in.
        assert c.get("/api/console/ping", headers=STAFF).status_code == 200
        assert c.get("/metrics", headers=STAFF).status_code == 200


# ----- feedback --------------------------------------------------------------------------------------------
def test_feedback_is_one_vote_per_answer_and_paged(client: TestClient, service: Any) -> None:
    real = client.post("/api/ask", json={"question": "Hoe lang mag een school over een TLV-aanvraag doen?"}).json()
    vote = {"answer_id": real["answer_id"], "rating": -1, "comment": "echte feedback", "session_id": real["session_id"]}
    assert client.post("/api/feedback", json=vote).status_code == 200

    spam = client.post("/api/ask", json={"question": "Wat is een OPP?"}).json()
    for i in range(200):
        r = client.post(
            "/api/feedback",
            json={
                "answer_id": spam["answer_id"],
                "rating": -1,
                "comment": f"spam {i}",
                "session_id": spam["session_id"],
            },
        )
        assert r.status_code == 200
    rows = [r for r in service.storage.list_feedback(limit=10_000) if r["answer_id"] == spam["answer_id"]]
    assert len(rows) == 1 and rows[0]["comment"] == "spam 199", "a second vote replaces the first"

    seen: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        page = client.get(f"/api/console/feedback?limit=3&offset={offset}", headers=STAFF).json()
        assert page["limit"] == 3 and len(page["items"]) <= 3
        seen += [f"{r['answer_id']}:{r['comment']}" for r in page["items"]]
        offset = page["next_offset"]
        pages += 1
        assert pages < 1000
    assert len(seen) == len(set(seen)) == page["total"]
    assert f"{real['answer_id']}:echte feedback" in seen
    assert_error(client.get("/api/console/feedback?limit=0", headers=STAFF), 422)
    assert_error(client.get("/api/console/feedback?offset=-1", headers=STAFF), 422)


# ----- slow clients ----------------------------------------------------------------------------------------
def _read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


def test_slow_clients_are_cut_off(corpus_settings: Settings, service: Any) -> None:
    limits = WebLimits(header_timeout_seconds=1.0, body_timeout_seconds=1.0, keep_alive_seconds=1)
    with live_app(create_app(settings_variant(corpus_settings), service, limits=limits), limits=limits) as url:
        port = int(url.rsplit(":", 1)[1])
        # Half a request head, then nothing: closed after the head deadline (not held open forever).
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            started = time.monotonic()
            assert _read_until_closed(sock, timeout=8) == b""
            assert time.monotonic() - started < 5
        # A whole head but only part of the body: 408, then closed.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"question": '
            )
            reply = _read_until_closed(sock, timeout=8)
            assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
            assert b"request_timeout" in reply
        # An idle keep-alive connection after a full request: closed after keep_alive_seconds.
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            started = time.monotonic()
            reply = _read_until_closed(sock, timeout=8)
            assert reply.startswith(b"HTTP/1.1 200") and time.monotonic() - started < 5
        # A normal slow-ish but complete request is served.
        assert httpx.get(f"{url}/healthz").status_code == 200


# ----- the serve command ------------------------------------------------------------------------------------
def _serve(corpus_settings: Settings, *extra: str) -> tuple[str, str]:
    with serve_process(corpus_settings, *extra) as (proc, url):
        assert httpx.post(f"{url}/api/ask", json={"question": "wat is een opp?"}, timeout=60).is_success
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    return out, err


@pytest.mark.slow
def test_serve_shows_warnings_and_its_own_lines_unless_verbose(corpus_settings: Settings) -> None:
    out, err = _serve(corpus_settings)
    assert "Ouderwijzer: http://127.0.0.1:" in out
    assert "INFO" not in err and "Application startup complete" not in err and "/api/ask" not in err, err[-2000:]

    out, err = _serve(corpus_settings, "--verbose")
    assert "Ouderwijzer: http://127.0.0.1:" in out
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]  # stderr is a pipe: JSON
    assert any(line["msg"] == "Application startup complete." for line in lines)
    assert any(line["logger"] == "ouderwijzer.access" and line["path"] == "/api/ask" for line in lines)


# ----- Telegram seam ---------------------------------------------------------------------------------------
def test_telegram_webhook_app_is_mounted_with_its_lifespan(
    corpus_settings: Settings, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types
    from contextlib import asynccontextmanager

    from pydantic import SecretStr
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    events: list[str] = []

    def webhook_app(settings: Settings, svc: Any) -> Starlette:
        assert svc is service
        events.append("built")

        async def update(request: Request) -> JSONResponse:
            return JSONResponse({"got": (await request.json())["update_id"]})

        @asynccontextmanager
        async def lifespan(app: Starlette) -> Any:
            events.append("started")
            yield
            events.append("stopped")

        return Starlette(routes=[Route(settings.telegram.webhook_path, update, methods=["POST"])], lifespan=lifespan)

    module = types.ModuleType("bot.channels.telegram.app")
    module.webhook_app = webhook_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.channels.telegram.app", module)
    settings = settings_variant(corpus_settings)
    settings.telegram_bot_token = SecretStr("123:abc")
    settings.telegram.webhook_url = "https://bot.example.org"
    settings.telegram.mode = "webhook"
    with TestClient(create_app(settings, service)) as c:
        assert events == ["built", "started"]
        assert c.post("/telegram/webhook", json={"update_id": 7}).json() == {"got": 7}
        assert c.get("/healthz").status_code == 200
    assert events == ["built", "started", "stopped"]

    settings.telegram.mode = "polling"
    with TestClient(create_app(settings, service)) as c:
        assert_error(c.post("/telegram/webhook", json={"update_id": 7}), 404, "not_found")

    def broken(settings: Settings, svc: Any) -> Any:
        raise RuntimeError("no bot today")

    module.webhook_app = broken  # type: ignore[attr-defined]
    settings.telegram.mode = "webhook"
    with TestClient(create_app(settings, service)) as c:
        assert c.post("/api/ask", json={"question": "Wat is een OPP?"}).status_code == 200


# ----- texts from the table ---------------------------------------------------------------------------------
def test_widget_texts_and_web_errors_come_from_the_text_table(client: TestClient) -> None:
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    assert TEXTS_MARKER in source
    for key in WIDGET_TEXTS.values():
        for lang in ("nl", "en"):
            assert f'"{text(key, lang)}"' not in source, f"{key} is copied into widget.js"
    served = client.get("/widget.js").text
    match = re.search(r"var TEXTS = (\{.*?\}) \|\| \{\};", served)
    assert match is not None
    texts = json.loads(match.group(1))
    assert set(texts) == set(LANGUAGES)
    for lang in LANGUAGES:
        for name, key in WIDGET_TEXTS.items():
            assert texts[lang][name] == text(key, lang)
        assert texts[lang]["labels"]["sources"] == text("sources_label", lang)

    for lang in LANGUAGES:
        r = client.get("/nothing-here", headers={"Accept-Language": f"{lang};q=0.9, xx;q=1"})
        assert assert_error(r, 404, "not_found")["message"] == text("web_not_found", lang)
    body = assert_error(client.post("/api/ask", json={"vraag": "x"}, headers={"Accept-Language": "pl"}), 422)
    assert body["message"] == text("web_invalid_request", "pl", fields="question")
    unknown = client.post(
        "/api/feedback", json={"answer_id": "0000deadbeef", "rating": 1}, headers={"Accept-Language": "uk"}
    )
    assert assert_error(unknown, 404, "unknown_answer")["message"] == text("web_unknown_answer", "uk")
