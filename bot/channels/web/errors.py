"""Every error as ``{"error": code, "message": sentence}`` in the parent's language; nobody sees a traceback.

Routes raise :class:`WebError` with a stable code and a key of the text table (``bot/data/texts.yaml``).
The sentence is rendered in the request's language: the one the request asked for (``lang`` in the
body, kept on ``request.state.lang``), else the first supported language of ``Accept-Language``, else
Dutch and English side by side ("nl / en"). Framework errors (404, 405, validation) and our own
``OuderwijzerError`` are translated here too; anything else is logged once with its traceback and
becomes a generic 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from bot.errors import IndexMismatch, IndexMissing, InputError, OuderwijzerError, StoreUnavailable
from bot.language import normalise_language
from bot.texts import LANGUAGES, text

log = logging.getLogger(__name__)

#: Framework statuses -> (code, text key).
STATUS_TEXTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "web_bad_request"),
    401: ("unauthorized", "web_unauthorized"),
    403: ("forbidden", "web_forbidden"),
    404: ("not_found", "web_not_found"),
    405: ("method_not_allowed", "web_method_not_allowed"),
    408: ("request_timeout", "web_request_timeout"),
    413: ("body_too_large", "web_body_too_large"),
}


class WebError(Exception):
    """An HTTP error with a stable code and a sentence from the text table (or a given sentence)."""

    def __init__(
        self,
        status: int,
        code: str,
        key: str | None = None,
        *,
        message: str | None = None,
        lang: str | None = None,
        headers: dict[str, str] | None = None,
        **values: object,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.key = key
        self.message = message
        self.lang = lang
        self.headers = headers
        self.values = values


def accept_language(header: str | None) -> str | None:
    """The first supported language of an ``Accept-Language`` header (by q value), or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().split("-")[0].lower()
        if lang in LANGUAGES and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def request_lang(request: Request | None) -> str | None:
    """The language to answer this request's errors in, or None when it is not known."""
    if request is None:
        return None
    chosen = getattr(request.state, "lang", None)
    return normalise_language(chosen) or accept_language(request.headers.get("accept-language"))


def sentence(key: str, lang: str | None, **values: object) -> str:
    """A fixed text in ``lang``; in Dutch and English side by side when the language is unknown."""
    if lang:
        return text(key, lang, **values)
    nl, en = text(key, "nl", **values), text(key, "en", **values)
    return nl if nl == en else f"{nl} / {en}"


def error_json(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The one error shape: ``{"error": code, "message": message, ...extra}``."""
    payload: dict[str, Any] = {"error": code, "message": message}
    payload.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(payload, status_code=status, headers=headers)


def status_error(status: int, lang: str | None = None, **values: object) -> JSONResponse:
    """A framework status as our JSON error (used by the middlewares, before any route runs)."""
    code, key = STATUS_TEXTS.get(status, ("http_error", "web_bad_request"))
    return error_json(status, code, sentence(key, lang, **values))


def internal_error(lang: str | None = None) -> JSONResponse:
    """The generic 500: a kind sentence, no detail."""
    return error_json(500, "internal_error", sentence("error", lang))


async def _web_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, WebError)
    lang = exc.lang or request_lang(request)
    message = exc.message if exc.message is not None else sentence(exc.key or "error", lang, **exc.values)
    return error_json(exc.status, exc.code, message, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, HTTPException)
    code, key = STATUS_TEXTS.get(exc.status_code, ("http_error", ""))
    lang = request_lang(request)
    message = sentence(key, lang, max="?") if key else str(exc.detail)[:200]
    return error_json(exc.status_code, code, message, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    lang = request_lang(request)
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_json(422, "invalid_json", sentence("web_invalid_json", lang), fields=["body"])
    fields: list[str] = []
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "header", "path")]
        name = ".".join(loc) or "body"
        if name not in fields:
            fields.append(name)
    # Never echo the input: only field names (and, for rules of a model, pydantic's own short sentence).
    problems = [
        str(e.get("msg", "")).removeprefix("Value error, ")[:160] for e in errors[:3] if e.get("type") == "value_error"
    ]
    shown = ", ".join(fields) + (f" ({'; '.join(problems)})" if problems else "")
    return error_json(422, "invalid_request", sentence("web_invalid_request", lang, fields=shown), fields=fields)


async def _ouderwijzer_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, OuderwijzerError)
    lang = request_lang(request)
    if isinstance(exc, (StoreUnavailable, IndexMissing, IndexMismatch)):
        log.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return error_json(503, "unavailable", sentence("unavailable", lang), headers={"Retry-After": "30"})
    if isinstance(exc, InputError):
        return error_json(422, "invalid_input", exc.message[:500])
    log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    return internal_error(lang)


async def _unhandled_error(request: Request, exc: Exception) -> Any:
    log.error("unhandled error on %s", request.url.path, exc_info=exc)
    return internal_error(request_lang(request))


def install(app: FastAPI) -> None:
    """Register the translators on the app."""
    app.add_exception_handler(WebError, _web_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OuderwijzerError, _ouderwijzer_error)
    app.add_exception_handler(Exception, _unhandled_error)
