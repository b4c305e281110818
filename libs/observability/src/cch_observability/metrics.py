"""Prometheus metrics every service exposes on /metrics."""

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter(
    "cch_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "cch_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_PUBLISHED = Counter("cch_outbox_published_total", "Outbox rows published", ["source"])
OUTBOX_PUBLISH_FAILURES = Counter(
    "cch_outbox_publish_failures_total", "Relay publish attempts that failed", ["source"]
)
EVENTS_CONSUMED = Counter("cch_events_consumed_total", "Events applied", ["group", "topic"])
EVENTS_DEAD_LETTERED = Counter(
    "cch_events_dead_lettered_total", "Events sent to a dead-letter topic", ["group", "topic"]
)


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def http_metrics(
    service: str,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """Middleware recording count and latency by route template (never by raw path: ids are PII)."""

    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(service, request.method, template, str(status)).inc()
            HTTP_LATENCY.labels(service, request.method, template).observe(
                time.perf_counter() - start
            )

    return middleware
