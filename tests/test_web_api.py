"""The web API (bot.channels.web.api, .console) against the real index: request -> status -> JSON fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.channels.web import create_app
from bot.errors import StoreUnavailable
from bot.evaluation import load_cases
from bot.settings import Settings
from bot.texts import text

TOKEN = "test-staff-token-0123456789"
ALLOWED_ORIGIN = "https://school.example"
FOREIGN_ORIGIN = "https://evil.example"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
METRIC_KEYS = {
    "cases",
    "recall_at_5",
    "mrr",
    "answered",
    "cited_ok",
    "refuse_ok",
    "crisis_ok",
    "lang_ok",
    "latency_ms",
    "failures",
}


def settings_variant(base: Settings, *, token: str | None = TOKEN, **server: Any) -> Settings:
    """A copy of the corpus settings with a staff token, an allowed origin and server overrides."""
    settings = base.model_copy(deep=True)
    settings.staff_token = SecretStr(token) if token else None
    settings.server.cors_origins = [ALLOWED_ORIGIN]
    for name, value in server.items():
        setattr(settings.server, name, value)
    return settings


@pytest.fixture(scope="module")
def client(corpus_settings: Settings, service: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings_variant(corpus_settings), service)) as c:
        yield c


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """An error response: the status, JSON with error + message, and no traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"error", "message"}
    assert body["message"]
    assert "Traceback" not in response.text
    if code is not None:
        assert body["error"] == code
    return body


# ----- asking -------------------------------------------------------------------------------------------
def test_ask_answers_with_cited_sources(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "Wat is een TLV en wie vraagt die aan?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "answer"
    assert body["lang"] == "nl"
    assert body["answer_id"]
    assert body["citations"], body
    for c in body["citations"]:
        assert c["source_id"] and c["title"]
        # A source document is quoted; an answer unit (our own words) names the sources it rests on.
        assert c["quote"] or (c["kind"] == "unit" and c["sources"])
        assert f"[{c['n']}]" in body["text"]
    assert {"steps", "glossary", "notices"} <= set(body)
    assert body["session_id"] == r.headers["x-session-id"]
    assert body["labels"]["sources"] == "Bronnen"


def test_follow_up_uses_the_session_history(client: TestClient, service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str] | None] = []
    real_ask = service.ask

    def spy(question: str, **kwargs: Any) -> Any:
        seen.append(kwargs.get("history"))
        return real_ask(question, **kwargs)

    monkeypatch.setattr(service, "ask", spy)
    first = client.post("/api/ask", json={"question": "Wat is een toelaatbaarheidsverklaring precies?"}).json()
    session = first["session_id"]
    second = client.post(
        "/api/ask", json={"question": "En hoe maak ik daar bezwaar tegen?", "session_id": session}
    ).json()
    assert second["session_id"] == session
    assert seen[-1] == ["Wat is een toelaatbaarheidsverklaring precies?"]
    assert second["outcome"] in ("answer", "refuse")
    history = service.storage.get_state(service.storage.chat_key("web", session)).history
    assert history[-2:] == ["Wat is een toelaatbaarheidsverklaring precies?", "En hoe maak ik daar bezwaar tegen?"]


@pytest.mark.parametrize("session_id", ["never-seen-before-session-0001", "!!", "x" * 500, ""])
def test_unknown_or_odd_session_id_starts_a_new_conversation(client: TestClient, session_id: str) -> None:
    r = client.post("/api/ask", json={"question": "Wat is een OPP?", "session_id": session_id})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "answer"
    assert body["session_id"]
    if session_id == "never-seen-before-session-0001":
        assert body["session_id"] == session_id
    else:
        assert body["session_id"] != session_id


def test_identical_first_questions_come_from_the_cache_with_their_own_ids(
    client: TestClient, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_ask = service.ask

    def counting(question: str, **kwargs: Any) -> Any:
        calls.append(question)
        return real_ask(question, **kwargs)

    monkeypatch.setattr(service, "ask", counting)
    question = "Wat doet een samenwerkingsverband eigenlijk?"
    a = client.post("/api/ask", json={"question": question}).json()
    b = client.post("/api/ask", json={"question": question}).json()
    assert calls == [question]
    assert a["answer_id"] != b["answer_id"]
    assert a["text"] == b["text"] and a["citations"] == b["citations"]
    assert service.storage.get_audit(b["answer_id"]) is not None
    # A follow-up in b's conversation has history, so it is answered afresh.
    client.post("/api/ask", json={"question": question, "session_id": b["session_id"]})
    assert len(calls) == 2


def test_crisis_question_gets_the_help_lines_first(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "Mijn dochter zegt dat ze niet meer wil leven"})
    assert r.status_code == 200
    body = r.json()
    assert body["outcome"] == "crisis"
    first_line = body["text"].split("\n", 1)[0]
    assert "112" in first_line
    assert first_line.startswith("Bel")  # the help lines come first, before anything about school


def test_store_trouble_gives_503_in_the_parents_language(
    client: TestClient, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable("chroma is down")

    monkeypatch.setattr(service, "ask", down)
    body = assert_error(
        client.post("/api/ask", json={"question": "How do I get a TLV for my son?", "lang": "en"}), 503, "unavailable"
    )
    assert body["message"] == text("unavailable", "en")
    body = assert_error(
        client.post("/api/ask", json={"question": "Hoe krijg ik een TLV?"}, headers={"Accept-Language": "nl-NL,nl"}),
        503,
        "unavailable",
    )
    assert body["message"] == text("unavailable", "nl")
    # Language unknown (no lang, no Accept-Language): Dutch and English side by side.
    body = assert_error(client.post("/api/ask", json={"question": "Hoe krijg ik een TLV?"}), 503, "unavailable")
    assert text("unavailable", "nl") in body["message"] and text("unavailable", "en") in body["message"]


def test_unexpected_error_is_a_generic_500_json(
    client: TestClient, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(service, "ask", broken)
    r = client.post("/api/ask", json={"question": "Een vraag die iets kapot maakt over de TLV"})
    assert_error(r, 500, "internal_error")
    assert "secret internal detail" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


# ----- feedback -------------------------------------------------------------------------------------------
def test_feedback_is_stored_with_the_redacted_question(client: TestClient, service: Any) -> None:
    asked = client.post("/api/ask", json={"question": "Mijn zoon Daan heeft een OPP nodig, wat staat daarin?"}).json()
    r = client.post(
        "/api/feedback",
        json={
            "answer_id": asked["answer_id"],
            "rating": "down",
            "comment": "te vaag",
            "session_id": asked["session_id"],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"ok": True}
    rows = [row for row in service.storage.list_feedback() if row["answer_id"] == asked["answer_id"]]
    assert len(rows) == 1
    assert rows[0]["rating"] == -1
    assert rows[0]["comment"] == "te vaag"
    assert rows[0]["channel"] == "web"
    assert "Daan" not in rows[0]["question"]
    assert "OPP" in rows[0]["question"]

    # A second vote from the same conversation replaces the first.
    again = {"answer_id": asked["answer_id"], "rating": 1, "session_id": asked["session_id"]}
    assert client.post("/api/feedback", json=again).status_code == 200
    rows = [row for row in service.storage.list_feedback() if row["answer_id"] == asked["answer_id"]]
    assert [row["rating"] for row in rows] == [1]


def test_feedback_only_from_the_conversation_of_the_answer(client: TestClient) -> None:
    asked = client.post("/api/ask", json={"question": "Wie beslist over een TLV?"}).json()
    other = client.post("/api/ask", json={"question": "Wat is een OPP?"}).json()["session_id"]
    for session in (None, other, "never-seen-before-session-0002"):
        payload = {"answer_id": asked["answer_id"], "rating": -1, "session_id": session}
        assert_error(client.post("/api/feedback", json=payload), 404, "unknown_answer")


def test_feedback_on_an_unknown_answer_is_404(client: TestClient) -> None:
    assert_error(client.post("/api/feedback", json={"answer_id": "0000deadbeef", "rating": 1}), 404, "unknown_answer")


@pytest.mark.parametrize("rating", [0, 2, "meh", None, True])
def test_feedback_rating_must_be_up_or_down(client: TestClient, rating: Any) -> None:
    body = assert_error(client.post("/api/feedback", json={"answer_id": "abc123", "rating": rating}), 422)
    assert "rating" in body["fields"]


# ----- bad input ------------------------------------------------------------------------------------------
def test_bad_json_is_a_short_422(client: TestClient) -> None:
    r = client.post("/api/ask", content=b'{"question": "Wat is', headers={"Content-Type": "application/json"})
    body = assert_error(r, 422, "invalid_json")
    assert "JSON" in body["message"]


@pytest.mark.parametrize(
    "payload",
    [{"question": 42}, {"question": ["Wat is een TLV?"]}, {"question": None}, {"vraag": "Wat is een TLV?"}, [], "x"],
)
def test_wrong_types_are_422_with_field_names(client: TestClient, payload: Any) -> None:
    body = assert_error(client.post("/api/ask", json=payload), 422)
    assert body["fields"]
    if isinstance(payload, dict):
        assert body["fields"] == ["question"]


def test_validation_errors_do_not_echo_the_input(client: TestClient) -> None:
    marker = "ECHO-" * 500
    r = client.post("/api/ask", json={"question": [marker]})
    assert_error(r, 422)
    assert "ECHO-" not in r.text
    assert len(r.content) < 1000


def test_oversize_body_is_413(client: TestClient, corpus_settings: Settings) -> None:
    question = "Wat is een TLV? " * (corpus_settings.server.max_body_bytes // 10)
    assert_error(client.post("/api/ask", json={"question": question}), 413, "body_too_large")


def test_too_long_question_is_422_in_the_parents_language(client: TestClient, corpus_settings: Settings) -> None:
    limit = corpus_settings.server.max_question_chars
    dutch = "Wat moet er in het ontwikkelingsperspectief van mijn zoon staan? " * (limit // 60 + 1)
    body = assert_error(client.post("/api/ask", json={"question": dutch}), 422, "question_too_long")
    assert body["message"] == text("too_long", "nl", max=limit)
    english = "What should the school write in the development plan of my son? " * (limit // 60 + 1)
    body = assert_error(client.post("/api/ask", json={"question": english}), 422, "question_too_long")
    assert body["message"] == text("too_long", "en", max=limit)


def test_too_long_crisis_message_still_gets_the_help_lines(client: TestClient, corpus_settings: Settings) -> None:
    story = "Mijn zoon zit al weken thuis en de school doet niets. " * (corpus_settings.server.max_question_chars // 50)
    r = client.post("/api/ask", json={"question": story + " Hij zegt dat hij niet meer wil leven."})
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "crisis"


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", "\u200b\u200b"])
def test_empty_question_is_422(client: TestClient, question: str) -> None:
    body = assert_error(client.post("/api/ask", json={"question": question}), 422, "empty_question")
    assert text("empty", "nl") in body["message"]


def test_invalid_utf8_is_a_4xx_json(client: TestClient) -> None:
    r = client.post("/api/ask", content=b'{"question": "\xff\xfe\xfa"}', headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500
    assert_error(r, r.status_code)


def test_body_without_json_content_type_is_422(client: TestClient) -> None:
    r = client.post("/api/ask", content=b"question=Wat is een TLV", headers={"Content-Type": "text/plain"})
    assert_error(r, 422, "invalid_request")


def test_unknown_route_is_json_404(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")


# ----- rate limit -------------------------------------------------------------------------------------------
def test_rate_limit_is_429_but_a_crisis_still_gets_help(corpus_settings: Settings, service: Any) -> None:
    settings = settings_variant(corpus_settings, rate_limit_per_minute=2)
    with TestClient(create_app(settings, service)) as c:
        session = c.post("/api/ask", json={"question": "Wat is een OPP?"}).json()["session_id"]
        assert c.post("/api/ask", json={"question": "Wat is een TLV?", "session_id": session}).status_code == 200
        r = c.post("/api/ask", json={"question": "Wat is zorgplicht?", "session_id": session})
        body = assert_error(r, 429, "rate_limited")
        assert body["message"] == text("rate_limited", "nl")
        assert int(r.headers["retry-after"]) >= 1

        crisis = c.post("/api/ask", json={"question": "Mijn zoon wil zelfmoord plegen", "session_id": session})
        assert crisis.status_code == 200
        assert crisis.json()["outcome"] == "crisis"
        assert "112" in crisis.json()["text"].split("\n", 1)[0]

        # A new session id does not escape the per-address limit (2 per session, 8 per address).
        statuses = [c.post("/api/ask", json={"question": "Wat is een OPP?"}).status_code for _ in range(8)]
        assert statuses.count(429) >= 1


# ----- CORS and headers -------------------------------------------------------------------------------------
def test_cors_refuses_foreign_origins(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "Wat is een OPP?"}, headers={"Origin": FOREIGN_ORIGIN})
    assert "access-control-allow-origin" not in r.headers
    pre = client.options("/api/ask", headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 403
    assert "access-control-allow-origin" not in pre.headers


def test_cors_allows_configured_and_own_origin(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "Wat is een OPP?"}, headers={"Origin": ALLOWED_ORIGIN})
    assert r.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    pre = client.options(
        "/api/ask",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "content-type" in pre.headers["access-control-allow-headers"].lower()
    own = client.post("/api/ask", json={"question": "Wat is een OPP?"}, headers={"Origin": "http://testserver"})
    assert own.headers["access-control-allow-origin"] == "http://testserver"


def test_console_api_is_not_open_to_other_origins(client: TestClient) -> None:
    r = client.get("/api/console/ping", headers={**STAFF, "Origin": ALLOWED_ORIGIN})
    assert "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("path", ["/", "/console", "/widget.js", "/healthz", "/api/console/ping"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    r = client.get(path, headers=STAFF)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_pages_have_a_strict_csp_and_api_is_not_cached(client: TestClient) -> None:
    console = client.get("/console")
    assert "default-src 'self'" in console.headers["content-security-policy"]
    assert "script-src 'self'" in console.headers["content-security-policy"]
    assert console.headers["x-frame-options"] == "DENY"
    asked = client.post("/api/ask", json={"question": "Wat is een OPP?"})
    assert asked.headers["cache-control"] == "no-store"


def test_demo_page_embeds_the_widget_with_one_script_tag(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.count("<script") == 1
    assert 'src="/widget.js"' in r.text
    assert "onclick" not in r.text and "style=" not in r.text


def test_widget_is_served_as_javascript(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert "customElements.define" in r.text
    assert "innerHTML" not in r.text


def test_health_ready_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/ask" in spec["paths"] and "/api/feedback" in spec["paths"]


def test_readyz_is_503_without_an_index(client: TestClient, service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.errors import IndexMissing

    def missing() -> Any:
        raise IndexMissing("no index")

    monkeypatch.setattr(service, "ready", lambda: False)
    monkeypatch.setattr(service, "retriever", missing)
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json() == {"ready": False, "reason": "index_missing", "store": "ok"}


# ----- staff console ----------------------------------------------------------------------------------------
def test_console_without_token_is_401(client: TestClient) -> None:
    r = client.get("/api/console/sources")
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"


def test_console_with_wrong_token_is_401(client: TestClient) -> None:
    assert_error(client.get("/api/console/sources", headers={"Authorization": "Bearer wrong"}), 401)
    assert_error(client.get("/api/console/sources", headers={"Authorization": TOKEN}), 401)


def test_console_is_disabled_without_a_configured_token(corpus_settings: Settings, service: Any) -> None:
    with TestClient(create_app(settings_variant(corpus_settings, token=None), service)) as c:
        body = assert_error(c.get("/api/console/ping", headers=STAFF), 503, "console_disabled")
        assert text("web_console_disabled", "nl") in body["message"]
        page = c.get("/console")
        assert page.status_code == 503
        assert text("web_console_disabled", "nl") in page.text


def test_console_ask_shows_passages_with_scores(client: TestClient) -> None:
    r = client.post("/api/console/ask", json={"question": "Wat is een TLV?", "retriever": "hybrid"}, headers=STAFF)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answer"]["outcome"] == "answer"
    assert body["retriever"] == "hybrid"
    assert body["decision"] == "answer"
    assert body["evidence"]["dense_top"] > 0
    top = body["passages"][0]
    assert top["rank"] == 1 and top["source_id"] and top["text"]
    assert top["scores"] and top["ranks"]
    documents = [p for p in body["passages"] if p["kind"] == "document"]
    # Retrieved documents carry their search scores; a quote proving the unit that the search did not
    # bring up carries how well it supports the unit instead.
    assert documents and all(
        {"dense", "bm25", "rrf"} <= set(p["scores"]) or set(p["scores"]) == {"proof_support"} for p in documents
    )
    assert any({"dense", "bm25", "rrf"} <= set(p["scores"]) for p in documents)
    bm25 = client.post("/api/console/ask", json={"question": "Wat is een TLV?", "retriever": "bm25"}, headers=STAFF)
    assert bm25.json()["retriever"] == "bm25"


def test_console_ask_is_not_audited(client: TestClient, service: Any) -> None:
    r = client.post("/api/console/ask", json={"question": "Wat is een OPP?"}, headers=STAFF)
    assert service.storage.get_audit(r.json()["answer"]["answer_id"]) is None


def test_console_eval_returns_the_spec_metrics(client: TestClient) -> None:
    sets = client.get("/api/console/eval/sets", headers=STAFF).json()
    assert sets["default"] in sets["sets"]
    r = client.post("/api/console/eval", json={}, headers=STAFF)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["set"] == sets["default"]
    metrics = body["metrics"]
    assert set(metrics) == METRIC_KEYS
    assert metrics["cases"] > 0
    assert set(metrics["latency_ms"]) == {"p50", "p95"}
    assert 0 <= metrics["recall_at_5"] <= 1
    assert all(set(f) == {"id", "reason"} for f in metrics["failures"])


def test_console_eval_refuses_paths(client: TestClient) -> None:
    assert_error(client.post("/api/console/eval", json={"set": "../../config.yaml"}, headers=STAFF), 404)


def test_console_eval_case_is_yaml_in_the_eval_format(client: TestClient, tmp_path: Path) -> None:
    payload = {
        "question": "Mijn dochter Fenna (8) moet naar het sbo, heeft ze een verklaring nodig?",
        "expect": "answer",
        "lang": "nl",
        "sources": ["renn4-passend-onderwijs"],
        "evidence": ["Toelaatbaarheidsverklaring"],
        "note": "uit feedback",
    }
    r = client.post("/api/console/eval-case", json=payload, headers=STAFF)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/yaml")
    assert r.headers["content-disposition"].startswith("attachment;")
    cases = yaml.safe_load(r.text)
    assert isinstance(cases, list) and len(cases) == 1
    case = cases[0]
    assert {"id", "question", "lang", "expect", "sources", "evidence"} <= set(case)
    assert case["expect"] == "answer" and case["lang"] == "nl"
    assert case["sources"] == ["renn4-passend-onderwijs"]
    assert case["evidence"] == ["toelaatbaarheidsverklaring"]
    assert "Fenna" not in case["question"]
    saved = tmp_path / "case.yaml"
    saved.write_text(r.text, encoding="utf-8")
    assert load_cases(saved)[0].id == case["id"]


def test_console_eval_case_for_a_refusal(client: TestClient) -> None:
    r = client.post(
        "/api/console/eval-case",
        json={"question": "Wanneer is de herfstvakantie?", "expect": "refuse", "id": "review-001"},
        headers=STAFF,
    )
    assert r.status_code == 200, r.text
    case = yaml.safe_load(r.text)[0]
    assert case == {
        "id": "review-001",
        "question": "Wanneer is de herfstvakantie?",
        "lang": "nl",
        "expect": "refuse",
        "sources": [],
        "evidence": [],
    }


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"question": "Wat is een TLV?", "expect": "answer"}, "invalid_request"),
        (
            {"question": "Wat is een TLV?", "expect": "answer", "sources": ["bestaat-niet"], "evidence": ["tlv"]},
            "unknown_source",
        ),
        (
            {
                "question": "Wat is een TLV?",
                "expect": "answer",
                "sources": ["renn4-passend-onderwijs"],
                "evidence": ["dit zinsdeel staat nergens"],
            },
            "evidence_not_found",
        ),
        ({"question": "Wat is een TLV?", "expect": "maybe"}, "invalid_request"),
    ],
)
def test_console_eval_case_checks_its_input(client: TestClient, payload: dict[str, Any], code: str) -> None:
    assert_error(client.post("/api/console/eval-case", json=payload, headers=STAFF), 422, code)


def test_console_feedback_sources_and_audit(client: TestClient) -> None:
    asked = client.post("/api/ask", json={"question": "Wat is het verschil tussen sbo en so?"}).json()
    vote = {"answer_id": asked["answer_id"], "rating": -1, "session_id": asked["session_id"]}
    assert client.post("/api/feedback", json=vote).status_code == 200
    page = client.get("/api/console/feedback", headers=STAFF).json()
    feedback = page["items"]
    assert feedback and feedback[0]["rating"] == -1
    assert any(row["answer_id"] == asked["answer_id"] for row in feedback)
    assert page["total"] >= len(feedback) and page["offset"] == 0

    sources = client.get("/api/console/sources", headers=STAFF).json()
    ids = {row["id"] for row in sources}
    assert "renn4-passend-onderwijs" in ids
    assert {"published", "stale", "stale_reason", "review_by", "chunks"} <= set(sources[0])
    stale = client.get("/api/console/sources?stale=true", headers=STAFF).json()
    assert all(row["stale"] for row in stale)

    audit = client.get("/api/console/audit.jsonl", headers=STAFF)
    assert audit.status_code == 200
    assert audit.headers["content-disposition"].startswith("attachment;")
    rows = [json.loads(line) for line in audit.text.splitlines()]
    assert any(row["answer_id"] == asked["answer_id"] for row in rows)
    assert all("chat" not in row for row in rows)
