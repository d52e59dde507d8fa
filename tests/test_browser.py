"""The widget, the demo page and the staff console in a real Chromium (Playwright), against a real server.

The app runs under uvicorn in a background thread on a free port, over the shared real index. Screenshots
go to test-artifacts/ (gitignored) so a person can look at the layout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.settings import Settings
from tests.conftest import free_port, live_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TOKEN = "browser-test-token-42"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ANSWER_TIMEOUT_MS = 90_000
XSS = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def site_port() -> int:
    """Port of a stand-in school website on localhost (another origin that may embed the widget)."""
    return free_port()


@pytest.fixture(scope="module")
def base_url(corpus_settings: Settings, service: Any, site_port: int) -> Iterator[str]:
    """The real app under uvicorn on 127.0.0.1 (staff token set, so the console is on)."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (Debian: apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    from bot.channels.web import create_app

    settings = corpus_settings.model_copy(deep=True)
    settings.staff_token = SecretStr(TOKEN)
    settings.server.cors_origins = [f"http://localhost:{site_port}"]
    with live_app(create_app(settings, service)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageErrors:
    """Collects script errors and console errors (CSP violations show up there)."""

    def __init__(self, page: Any) -> None:
        self.items: list[str] = []
        page.on("pageerror", lambda exc: self.items.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: self.items.append(f"console: {msg.text}") if msg.type == "error" else None)


def new_page(browser: Any, width: int = 1280, height: int = 860) -> tuple[Any, Any, PageErrors]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, PageErrors(page)


def shadow_focus(page: Any) -> str:
    """What has focus inside the widget ('bubble', 'input', ...) or '' when focus is elsewhere."""
    return str(
        page.evaluate(
            """() => {
              const host = document.querySelector('ouderwijzer-chat');
              if (document.activeElement !== host || !host.shadowRoot.activeElement) return '';
              const el = host.shadowRoot.activeElement;
              return el.id === 'ow-input' ? 'input' : el.className;
            }"""
        )
    )


def open_with_keyboard(page: Any) -> None:
    for _ in range(60):
        page.keyboard.press("Tab")
        if shadow_focus(page) == "bubble":
            break
    else:
        raise AssertionError("the chat bubble cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.locator("ouderwijzer-chat .panel").wait_for(state="visible")
    assert shadow_focus(page) == "input"


def ask(page: Any, question: str) -> dict[str, Any]:
    """Type a question in the open widget, send it with Enter, and return the API's JSON."""
    answers_before = page.locator("ouderwijzer-chat article.msg").count()
    page.locator("ouderwijzer-chat textarea").fill(question)
    with page.expect_response(lambda r: r.url.endswith("/api/ask"), timeout=ANSWER_TIMEOUT_MS) as info:
        page.keyboard.press("Enter")
    data: dict[str, Any] = info.value.json()
    page.locator("ouderwijzer-chat article.msg").nth(answers_before).wait_for(state="visible")
    return data


def test_widget_answers_with_citations_feedback_and_keyboard(browser: Any, base_url: str, service: Any) -> None:
    context, page, errors = new_page(browser)
    page.goto(base_url + "/")
    assert page.title().startswith("Basisschool De Regenboog")
    bubble = page.locator("ouderwijzer-chat button.bubble")
    # The host page's `button { background: hotpink }` must not reach into the widget.
    assert bubble.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(31, 111, 235)"
    assert bubble.get_attribute("aria-expanded") == "false"
    page.screenshot(path=str(ARTIFACTS / "widget-closed-desktop.png"))

    open_with_keyboard(page)
    panel = page.locator("ouderwijzer-chat .panel")
    assert panel.get_attribute("role") == "dialog"
    assert panel.get_attribute("aria-modal") == "true"
    assert page.locator("ouderwijzer-chat [aria-live='polite']").count() == 1
    assert "geen juridisch advies" in panel.inner_text()

    data = ask(page, "Wat is een TLV en wie vraagt die aan?")
    assert data["outcome"] == "answer"
    answer = page.locator("ouderwijzer-chat article.msg").last
    assert "[1]" in answer.inner_text()
    citations = answer.locator(".cites > li")
    assert citations.count() == len(data["citations"]) >= 1
    page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))

    first = citations.first
    body = first.locator(".cite-body")
    assert not body.is_visible()
    first.locator("summary").click()
    body.wait_for(state="visible")
    cited = data["citations"][0]
    if cited["quote"]:
        assert first.locator("blockquote").inner_text().strip() == cited["quote"].strip()
    else:  # an answer unit in our own words: the sources it rests on are listed
        assert "gebaseerd op" in body.inner_text()
        assert body.locator("li").count() == len(cited["sources"])
    page.screenshot(path=str(ARTIFACTS / "widget-desktop-citation.png"))
    page.locator("ouderwijzer-chat .panel").screenshot(path=str(ARTIFACTS / "widget-panel.png"))

    answer.get_by_role("button", name="Ja, nuttig").click()
    answer.get_by_text("Bedankt voor uw reactie.").wait_for()
    rows = [r for r in service.storage.list_feedback() if r["answer_id"] == data["answer_id"]]
    assert [r["rating"] for r in rows] == [1]

    # Escape closes the dialog and gives focus back to the bubble.
    page.locator("ouderwijzer-chat textarea").focus()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert shadow_focus(page) == "bubble"
    assert errors.items == []
    context.close()


def test_widget_shows_html_as_literal_text(browser: Any, base_url: str) -> None:
    context, page, errors = new_page(browser)
    page.goto(base_url + "/")
    page.locator("ouderwijzer-chat button.bubble").click()
    ask(page, XSS)
    user_message = page.locator("ouderwijzer-chat .msg.user").last
    assert XSS in user_message.inner_text()
    assert page.locator("ouderwijzer-chat img").count() == 0
    assert page.locator("img").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert errors.items == []
    context.close()


def test_widget_fits_a_small_phone(browser: Any, base_url: str) -> None:
    context, page, errors = new_page(browser, 360, 740)
    page.goto(base_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "widget-closed-360.png"))
    page.locator("ouderwijzer-chat button.bubble").click()
    panel = page.locator("ouderwijzer-chat .panel")
    panel.wait_for(state="visible")
    ask(page, "Wat is een OPP?")
    box = panel.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["y"] >= 0
    assert box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 740
    send = page.locator("ouderwijzer-chat button.send").bounding_box()
    assert send is not None and send["x"] + send["width"] <= 360 and send["y"] + send["height"] <= 740
    overflow = page.locator("ouderwijzer-chat .log").evaluate("log => log.scrollWidth - log.clientWidth")
    assert overflow <= 0
    page.screenshot(path=str(ARTIFACTS / "widget-360.png"))
    assert errors.items == []
    context.close()


def test_widget_crisis_reply_stands_out(browser: Any, base_url: str) -> None:
    context, page, errors = new_page(browser, 1280, 860)
    page.goto(base_url + "/")
    page.locator("ouderwijzer-chat button.bubble").click()
    data = ask(page, "Mijn dochter wil niet meer leven, ik weet niet wat ik moet doen")
    assert data["outcome"] == "crisis"
    alert = page.locator("ouderwijzer-chat article.crisis")
    assert alert.get_attribute("role") == "alert"
    assert "112" in alert.locator("p").first.inner_text()
    assert alert.locator("a[href='tel:112']").count() >= 1
    assert alert.locator("a[href='tel:08000113']").count() == 1
    colors = alert.evaluate("a => [getComputedStyle(a).backgroundColor, getComputedStyle(a).color]")
    assert colors == ["rgb(140, 16, 16)", "rgb(255, 255, 255)"]
    page.screenshot(path=str(ARTIFACTS / "widget-crisis.png"))
    assert errors.items == []
    context.close()


def school_site(widget_src: str) -> str:
    """Another website that embeds the widget, with CSS that would wreck an unprotected widget."""
    return f"""<!doctype html><html lang="en"><head><title>Another school</title>
<style>* {{ font-size: 40px !important; color: red !important; }} button {{ all: unset; }}</style></head>
<body><h1>Another school</h1><p>Welcome.</p>
<script src="{widget_src}" data-lang="en" data-color="#ffd33d" data-title="Ask us"></script></body></html>"""


@pytest.fixture
def school_website(base_url: str, site_port: int) -> Iterator[None]:
    """A real second web server on site_port whose page embeds the widget from base_url."""
    page = school_site(base_url + "/widget.js").encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", site_port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, name="school-site", daemon=True)
    thread.start()
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_widget_embedded_on_another_site_talks_only_to_its_own_server(
    browser: Any, base_url: str, site_port: int, school_website: None
) -> None:
    context, page, _errors = new_page(browser)
    # http://localhost:PORT is in server.cors_origins; http://127.0.0.1:PORT (same page) is a foreign origin.
    page.goto(f"http://localhost:{site_port}/")
    bubble = page.locator("ouderwijzer-chat button.bubble")
    assert bubble.inner_text().strip() == "Ask a question"
    # Yellow accent: black text on it (contrast), and the host's `* { ... !important }` does not get in.
    colors = bubble.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]")
    assert colors == ["rgb(255, 211, 61)", "rgb(0, 0, 0)"]
    assert bubble.evaluate("b => getComputedStyle(b).fontSize") == "16px"
    bubble.click()
    with page.expect_request(lambda r: "/api/ask" in r.url and r.method == "POST") as sent:
        data = ask(page, "What is a TLV?")
    assert sent.value.url == base_url + "/api/ask"
    assert data["outcome"] == "answer"
    assert page.locator("ouderwijzer-chat .cites > li").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "widget-other-site.png"))

    page.goto(f"http://127.0.0.1:{site_port}/")
    page.locator("ouderwijzer-chat button.bubble").click()
    page.locator("ouderwijzer-chat textarea").fill("What is a TLV?")
    page.keyboard.press("Enter")
    error = page.locator("ouderwijzer-chat .msg.error")
    error.wait_for()
    assert "try again later" in error.inner_text()
    context.close()


def test_console_login_and_eval(browser: Any, base_url: str) -> None:
    context, page, errors = new_page(browser, 1280, 900)
    page.goto(base_url + "/console")
    assert page.locator("#app").is_hidden()
    page.fill("#token", "wrong-token")
    page.press("#token", "Enter")
    page.locator("#login-status.error").wait_for()
    page.fill("#token", TOKEN)
    page.press("#token", "Enter")
    page.locator("#app").wait_for(state="visible")
    page.locator("#sources-table tbody tr").first.wait_for()

    page.fill("#ask-question", "Wat is een TLV?")
    page.click("#ask-form button[type=submit]")
    page.locator("#ask-result").wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
    assert page.locator("#ask-passages tbody tr").count() >= 5
    assert "answer" in page.locator("#ask-decision").inner_text()
    page.locator("#ask").screenshot(path=str(ARTIFACTS / "console-ask.png"))
    page.set_viewport_size({"width": 1100, "height": 700})
    page.locator("#ask").evaluate("el => el.scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / "console-ask-small.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("#eval-run")
    page.locator("#eval-status.busy").wait_for()
    assert page.locator("#eval-run").is_disabled()
    page.locator("#eval-result").wait_for(state="visible", timeout=240_000)
    metrics = page.locator("#eval-metrics").inner_text()
    for key in ("recall_at_5", "mrr", "answered", "cited_ok", "refuse_ok", "crisis_ok", "lang_ok", "p95"):
        assert key in metrics
    page.locator("#eval").screenshot(path=str(ARTIFACTS / "console-eval.png"))
    page.click("#feedback-load")
    page.locator("#feedback-status:not(.busy)").wait_for()
    assert page.locator("#feedback-prev").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)
    assert [e for e in errors.items if "401" not in e] == []
    context.close()


def test_api_docs_render_from_local_files_only(browser: Any, base_url: str) -> None:
    """/docs is Swagger UI from files this server ships: it renders with every other address blocked."""
    context, page, errors = new_page(browser)
    outside: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(base_url + "/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for()
    assert "Ouderwijzer" in title.inner_text()
    page.locator(".opblock-summary-path", has_text="/api/ask").first.wait_for()
    page.locator(".opblock-summary-path", has_text="/api/feedback").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "docs.png"))
    assert outside == []
    assert errors.items == []
    context.close()
