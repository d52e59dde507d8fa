"""Prometheus metrics at ``GET /metrics`` (same port, staff token as a Bearer header).

Counters for requests, answer outcomes, refusals and crisis replies, and a latency histogram of
answers. Safe with several worker processes: when ``PROMETHEUS_MULTIPROC_DIR`` is set (``ouderwijzer
serve`` sets it for ``server.workers > 1``), prometheus_client keeps the values in files there and
``/metrics`` adds up every worker's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    values,
)

from bot.channels.web.deps import require_staff

# The *_created series only double the output; Prometheus does not need them.
disable_created_metrics()

REQUESTS = Counter(
    "ouderwijzer_http_requests", "HTTP requests by route template, method and status.", ["route", "method", "status"]
)
ANSWERS = Counter("ouderwijzer_answers", "Answers given, by channel and outcome.", ["channel", "outcome"])
ANSWER_SECONDS = Histogram(
    "ouderwijzer_answer_seconds",
    "Time to answer a question (from request to reply), by channel.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0),
)
REFUSALS = Counter(
    "ouderwijzer_refusals",
    "Requests refused before answering: rate_limited, busy_client, busy_server, too_long, body_too_large, "
    "bad_origin, cors, staff_token, timeout.",
    ["reason"],
)
CRISIS = Counter("ouderwijzer_crisis_replies", "Crisis replies (help lines first), also over a limit.", ["channel"])
IN_FLIGHT = Gauge(
    "ouderwijzer_answers_in_flight", "Answers waiting or being computed now.", multiprocess_mode="livesum"
)

router = APIRouter(tags=["operations"])


def multiprocess_mode() -> bool:
    """True when prometheus_client keeps its values in PROMETHEUS_MULTIPROC_DIR (chosen at import)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


def exposition() -> bytes:
    """The metrics in Prometheus' text format (every worker's, in multi-process mode)."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@router.get(
    "/metrics",
    response_class=Response,
    include_in_schema=True,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format."}},
)
async def metrics(_: Annotated[None, Depends(require_staff)]) -> Response:
    """Prometheus metrics (staff token as a Bearer header)."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
