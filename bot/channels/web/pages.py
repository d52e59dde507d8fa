"""Pages and assets: the demo school page, ``/widget.js``, the staff console page, ``/docs``, ``/static``.

``/widget.js`` is served with every fixed text it shows (in every language, from ``bot/data/texts.yaml``)
filled in, so the texts live in one table and the widget still needs one request. ``/docs`` is Swagger UI
from files shipped in the ``fastapi-offline`` package: no CDN, works offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.channels.web.api import labels
from bot.channels.web.deps import SettingsDep
from bot.texts import LANGUAGES, text

STATIC_DIR = Path(__file__).resolve().parent / "static"
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
#: Where widget.js receives its texts: ``var TEXTS = /*@TEXTS@*/null;``.
TEXTS_MARKER = "/*@TEXTS@*/null"
#: The widget's texts: name in widget.js -> key in bot/data/texts.yaml.
WIDGET_TEXTS = {
    "bubble": "widget_bubble",
    "open": "widget_open",
    "title": "widget_title",
    "close": "widget_close",
    "restartLabel": "widget_restart",
    "inputLabel": "widget_input_label",
    "placeholder": "widget_placeholder",
    "send": "widget_send",
    "greeting": "widget_greeting",
    "disclaimer": "widget_disclaimer",
    "loading": "widget_loading",
    "useful": "widget_useful",
    "yes": "widget_yes",
    "no": "widget_no",
    "yesShort": "widget_yes_short",
    "noShort": "widget_no_short",
    "thanks": "widget_thanks",
    "network": "widget_network",
    "failed": "widget_failed",
    "stale": "widget_stale",
    "openSource": "widget_open_source",
    "sourceN": "widget_source_n",
    "you": "widget_you",
    "conversation": "widget_conversation",
}

router = APIRouter(include_in_schema=False)


def widget_texts() -> dict[str, dict[str, object]]:
    """Everything the widget says, per language: its own texts plus the headings under an answer."""
    out: dict[str, dict[str, object]] = {}
    for lang in LANGUAGES:
        texts: dict[str, object] = {name: text(key, lang) for name, key in WIDGET_TEXTS.items()}
        texts["labels"] = labels(lang)
        out[lang] = texts
    return out


@lru_cache(maxsize=1)
def widget_source() -> bytes:
    """widget.js with its texts filled in (ASCII-escaped JSON: safe inside any script)."""
    source = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    if TEXTS_MARKER not in source:
        raise RuntimeError("widget.js lost its texts marker")
    return source.replace(TEXTS_MARKER, json.dumps(widget_texts(), ensure_ascii=True, sort_keys=True)).encode("utf-8")


def console_disabled_html() -> str:
    """The notice shown at /console when no staff token is configured."""
    notice = text("web_console_disabled", "nl")
    return f"""<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ouderwijzer console</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
<main class="disabled">
<h1>Ouderwijzer console</h1>
<p role="alert" class="alert">{notice}</p>
</main>
</body>
</html>
"""


@router.get("/")
async def demo_page() -> FileResponse:
    """A sample school website with the widget embedded by one script tag."""
    return FileResponse(STATIC_DIR / "demo.html", media_type="text/html; charset=utf-8")


@router.get("/widget.js")
async def widget_js() -> Response:
    """The embeddable chat widget, with its texts."""
    return Response(
        widget_source(),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@router.get("/console")
async def console_page(settings: SettingsDep) -> Response:
    """The staff console (asks for the token); a clear notice when no token is configured."""
    token = settings.staff_token
    if token is None or not token.get_secret_value():
        return HTMLResponse(console_disabled_html(), status_code=503)
    return FileResponse(STATIC_DIR / "console.html", media_type="text/html; charset=utf-8")


def _b64_sha256(data: str) -> str:
    return base64.b64encode(hashlib.sha256(data.encode("utf-8")).digest()).decode("ascii")


def install(app: FastAPI) -> None:
    """Add the pages, /docs (Swagger UI from local files) and the static folders to the app."""
    app.include_router(router)
    html = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title="Ouderwijzer API",
        swagger_js_url="/static/docs/swagger-ui-bundle.js",
        swagger_css_url="/static/docs/swagger-ui.css",
        swagger_favicon_url="/static/docs/favicon.png",
    )
    body = bytes(html.body).decode("utf-8")
    hashes = " ".join(
        f"'sha256-{_b64_sha256(script)}'" for script in re.findall(r"<script>(.*?)</script>", body, flags=re.DOTALL)
    )
    # Swagger UI sets inline styles on its elements; everything else comes from this server.
    csp = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """Interactive API documentation."""
        return HTMLResponse(body, headers={"Content-Security-Policy": csp})

    # The more specific mount first: /static/docs is Swagger UI's files, /static our own.
    app.mount("/static/docs", StaticFiles(directory=SWAGGER_DIR), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
