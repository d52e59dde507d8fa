"""Logging set-up for every entry point: one format, and redaction as a last safety net.

User text is redacted where it is logged, but a filter on the root handler redacts every record
again, so a BSN or phone number that slips into an exception message still never reaches a log.
The httpx logger is quieted because its request lines contain the Telegram bot token.
"""

from __future__ import annotations

import logging

from bot.redact import redact


class RedactingFilter(logging.Filter):
    """Redacts personal data from the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
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


def setup_logging(level: str = "INFO") -> None:
    """Configure the root logger once (stderr, redacting)."""
    root = logging.getLogger()
    if getattr(root, "_ouderwijzer", False):
        root.setLevel(level)
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.handlers[:] = [handler]
    root.setLevel(level)
    root._ouderwijzer = True  # type: ignore[attr-defined]
    for noisy in ("httpx", "httpcore", "chromadb", "telegram.ext.Updater", "urllib3", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
