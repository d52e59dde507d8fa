"""uvicorn, configured for the open internet: timeouts for slow clients, no client addresses in logs.

- A client must send a request's headers within ``header_timeout_seconds`` after connecting (or after
  the previous response): a half-sent request is closed, not held open forever (slowloris). The body
  has its own deadline in ``middleware.BodyLimit``.
- Idle keep-alive connections close after ``keep_alive_seconds``; uvicorn refuses connections beyond
  ``max_connections`` with 503; headers larger than 16 KiB are a 400 (h11).
- uvicorn's access log is off (its lines carry the client's address and the query string); the app
  writes its own access line (``ouderwijzer.access``) without either.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.channels.web.deps import WebLimits

#: Largest request head (request line + headers) h11 accepts.
MAX_HEAD_BYTES = 16 * 1024


class _HeaderDeadline:
    """Mixin for uvicorn's HTTP protocols: close a connection whose request head does not arrive in time."""

    header_timeout: float = 10.0
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    _head_deadline: asyncio.TimerHandle | None = None

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        busy = self.cycle is not None and not self.cycle.response_complete
        if not busy and not self.transport.is_closing():
            # No request in progress: the client connected (or finished a request) and sent only part of the next head.
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[misc]
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm_head_deadline()


class H11WithDeadline(_HeaderDeadline, H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request head."""

    header_timeout = WebLimits.model_fields["header_timeout_seconds"].default


def protocol_class(header_timeout: float) -> type[asyncio.Protocol]:
    """The HTTP protocol for uvicorn (h11: pure Python, header size bounded by ``MAX_HEAD_BYTES``).

    The default is a module-level class, so a configuration with several workers can be pickled.
    """
    if header_timeout == H11WithDeadline.header_timeout:
        return H11WithDeadline
    return type("H11WithDeadline", (H11WithDeadline,), {"header_timeout": header_timeout})


def server_options(limits: WebLimits | None = None) -> dict[str, Any]:
    """uvicorn options (besides app, host and port) for every entry point: ``serve``, its workers, tests."""
    limits = limits or WebLimits()
    return {
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "server_header": False,
        "http": protocol_class(limits.header_timeout_seconds),
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "timeout_keep_alive": limits.keep_alive_seconds,
        "limit_concurrency": limits.max_connections,
        "timeout_graceful_shutdown": 15,
    }


def server_config(app: Any, *, host: str, port: int, limits: WebLimits | None = None, **extra: Any) -> uvicorn.Config:
    """The uvicorn configuration for one process serving ``app``."""
    return uvicorn.Config(app, host=host, port=port, **{**server_options(limits), **extra})
