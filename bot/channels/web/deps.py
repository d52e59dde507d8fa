"""What the routes share, as FastAPI dependencies: the web state, the service, the staff check.

``WebDep``, ``SettingsDep`` and ``ServiceDep`` keep route signatures short; ``require_staff`` guards the console API
and ``/metrics``. Wrong staff tokens are counted per (address, token hash): someone trying tokens
from one address locks out that token from that address, never the right token (a staff member
behind the same proxy still gets in). The token is a long random secret; guessing it is not feasible,
and a short one gets a warning at start-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import re
import secrets
import threading
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.channels.web.errors import WebError
from bot.channels.web.gate import AnswerGate
from bot.limits import Limiter
from bot.service import Service
from bot.settings import ServerSettings, Settings

#: Session ids we hand out (and accept back): URL-safe random strings.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class WebLimits(ServerSettings):
    """The web server's limits: ``settings.server`` (each documented in config.yaml); tests pass their own."""

    @classmethod
    def from_settings(cls, settings: Settings) -> WebLimits:
        return cls(**settings.server.model_dump())


@dataclass
class WebState:
    """Everything the routes share: settings, the service, limits and the Telegram sub-app (if any)."""

    settings: Settings
    service: Service | None
    limits: WebLimits = field(default_factory=WebLimits)
    limiter: Limiter = field(default_factory=Limiter)
    gate: AnswerGate | None = None
    limited_checks: asyncio.Semaphore | None = None
    eval_lock: threading.Lock = field(default_factory=threading.Lock)
    telegram: object | None = None  # what bot.channels.telegram.app.webhook_app returned

    def __post_init__(self) -> None:
        if self.gate is None:
            lim = self.limits
            self.gate = AnswerGate(
                slots=lim.answer_slots,
                queue=lim.queue_size,
                per_key={"session": lim.answers_per_session, "ip": lim.answers_per_session * lim.ip_allowance},
                wait_seconds=lim.queue_wait_seconds,
            )
        if self.limited_checks is None:
            self.limited_checks = asyncio.Semaphore(self.limits.limited_checks)


def get_web(request: Request) -> WebState:
    """The app's shared state."""
    return request.app.state.web  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return get_web(request).settings


def get_service(request: Request) -> Service:
    """The answering service; 503 while it is still starting."""
    service = get_web(request).service
    if service is None:
        raise WebError(503, "unavailable", "unavailable", headers={"Retry-After": "10"})
    return service


WebDep = Annotated[WebState, Depends(get_web)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[Service, Depends(get_service)]


def client_ip(request: Request) -> str:
    """The client's address (behind a proxy: from X-Forwarded-For, which uvicorn trusts from 127.0.0.1)."""
    return request.client.host if request.client else "unknown"


def new_session_id() -> str:
    """A fresh random conversation id."""
    return secrets.token_urlsafe(18)


def valid_session(value: str | None) -> str | None:
    """The session id when it has our shape, else None (a new conversation starts)."""
    return value if value and SESSION_ID.match(value) else None


staff_bearer = HTTPBearer(auto_error=False, description="The staff token (OUDERWIJZER_STAFF_TOKEN).")


def require_staff(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(staff_bearer)]
) -> None:
    """Let the request through only with the staff token (compared in constant time, never logged)."""
    from bot.channels.web import metrics

    web = get_web(request)
    token = web.settings.staff_token
    expected = token.get_secret_value() if token is not None else ""
    if not expected:
        raise WebError(503, "console_disabled", "web_console_disabled")
    given = credentials.credentials.strip() if credentials is not None else ""
    if given and hmac.compare_digest(given.encode(), expected.encode()):
        return
    metrics.REFUSALS.labels("staff_token").inc()
    tried = hashlib.sha256(given.encode()).hexdigest()[:16]
    wait = web.limiter.hit([(f"staff:{client_ip(request)}:{tried}", web.limits.auth_failures_per_minute)])
    if wait > 0:
        raise WebError(429, "rate_limited", "web_too_many_attempts", headers={"Retry-After": str(math.ceil(wait))})
    raise WebError(401, "unauthorized", "web_unauthorized", headers={"WWW-Authenticate": "Bearer"})
