"""Request context, body limits and HTTP metrics as pure ASGI middleware.

Not BaseHTTPMiddleware: that one runs each request's app in a task group and copies the
response through a memory stream, which costs more than many endpoints do.
"""

import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cch_observability.context import correlation_id_var, traceparent_var
from cch_observability.metrics import HTTP_LATENCY, HTTP_REQUESTS
from cch_observability.tracing import child_traceparent
from cch_servicekit.errors import error_response

_MAX_ID = 128


class RequestContextMiddleware:
    """Refuses declared bodies over the limit (413, problem or OperationOutcome); sets the
    correlation id and a child traceparent for logs and events, and echoes X-Correlation-ID."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            response = error_response(
                Request(scope),
                413,
                "too-costly",
                f"request body over the {self.max_body_bytes}-byte limit",
            )
            await response(scope, receive, send)
            return
        cid = (headers.get("x-correlation-id") or str(uuid.uuid4()))[:_MAX_ID]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Correlation-ID"] = cid
            await send(message)

        tokens = (
            correlation_id_var.set(cid),
            traceparent_var.set(child_traceparent(headers.get("traceparent"))),
        )
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            traceparent_var.reset(tokens[1])
            correlation_id_var.reset(tokens[0])


class HttpMetricsMiddleware:
    """Count and latency by route template, never by raw path (ids in paths can be PII);
    a request that raises counts as a 500."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, template).observe(time.perf_counter() - start)
