"""Logging set-up for every entry point: one format, redaction as a last safety net, JSON for machines.

User text is redacted where it is logged, but a filter on the root handler redacts every record
again, so a BSN or phone number that slips into an exception message still never reaches a log.
The httpx logger is quieted because its request lines contain the Telegram bot token.

Lines are JSON (one object per line) when ``logging.json`` is true, or when it is ``auto`` and the
output is not a terminal (a service manager, a container, a file). Each line carries the id of the
request it belongs to (``request_id``; for an answer, the answer's ``answer_id``), set by a channel
with :func:`start_request`. Structured values go in ``extra={"fields": {...}}``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from dataclasses import dataclass
from typing import IO, Any, Literal

from bot.redact import redact

JsonMode = bool | Literal["auto"]


@dataclass
class _RequestTag:
    id: str


_REQUEST: contextvars.ContextVar[_RequestTag | None] = contextvars.ContextVar("ouderwijzer_request", default=None)


def start_request(request_id: str) -> contextvars.Token[_RequestTag | None]:
    """Tag every log line of the current task (and the worker threads it starts) with ``request_id``."""
    return _REQUEST.set(_RequestTag(request_id))


def end_request(token: contextvars.Token[_RequestTag | None]) -> None:
    """Stop tagging (pass the token :func:`start_request` returned)."""
    _REQUEST.reset(token)


def set_request_id(request_id: str) -> None:
    """Rename the current request, e.g. to the answer's id once it is known (seen by all later lines)."""
    tag = _REQUEST.get()
    if tag is not None:
        tag.id = request_id


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    tag = _REQUEST.get()
    return tag.id if tag is not None else None


class RedactingFilter(logging.Filter):
    """Redacts personal data from the formatted message of every record; adds the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not break logging
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # Exception messages can carry user text ("bel 06-..."): format the traceback now, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    if not isinstance(fields, dict):
        return {}
    return {str(k): redact(v) if isinstance(v, str) else v for k, v in fields.items()}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id, the record's fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        for key, value in _fields(record).items():
            line.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The human format: time, level, logger, message, then the request id and fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [f"request_id={record.request_id}"] if getattr(record, "request_id", None) else []
        extras += [f"{k}={v}" for k, v in _fields(record).items()]
        if not extras:
            return line
        head, sep, rest = line.partition("\n")
        return f"{head} [{' '.join(extras)}]{sep}{rest}"


def wants_json(mode: JsonMode, stream: IO[str] | None = None) -> bool:
    """JSON lines when asked for, or (``auto``) when the output is not a terminal."""
    if mode != "auto":
        return bool(mode)
    stream = stream if stream is not None else sys.stderr
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):
        return True


#: Libraries whose INFO and DEBUG lines are noise for us.
NOISY = ("httpx", "httpcore", "chromadb", "telegram.ext.Updater", "urllib3", "bm25s")


class QuietLibraries(logging.Filter):
    """Drops the noisy libraries' lines below WARNING at the handler: bm25s sets its own logger to DEBUG
    when it is imported, which can be after ``setup_logging`` ran."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(record.name == n or record.name.startswith(n + ".") for n in NOISY)


def setup_logging(level: str = "INFO", *, json_lines: JsonMode = "auto", stream: IO[str] | None = None) -> None:
    """Configure the root logger (stderr, redacting, text or JSON lines); calling it again reconfigures it."""
    root = logging.getLogger()
    formatter: logging.Formatter = JsonFormatter() if wants_json(json_lines, stream) else TextFormatter()
    handler = getattr(root, "_ouderwijzer", None)
    if not isinstance(handler, logging.StreamHandler) or handler not in root.handlers or stream is not None:
        handler = logging.StreamHandler(stream)
        handler.addFilter(RedactingFilter())
        root.handlers[:] = [handler]
        root._ouderwijzer = handler  # type: ignore[attr-defined]
    handler.setFormatter(formatter)
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not any(isinstance(f, QuietLibraries) for f in handler.filters):
        handler.addFilter(QuietLibraries())
