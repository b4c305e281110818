"""Per-request / per-event context carried into logs and outgoing events."""

from contextvars import ContextVar

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id_var: ContextVar[str | None] = ContextVar("causation_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)
