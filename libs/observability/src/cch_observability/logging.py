"""Structured JSON logs with correlation ids; known PII keys are redacted before output."""

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from cch_observability.context import correlation_id_var, traceparent_var
from cch_observability.tracing import trace_id

PII_KEYS = frozenset(
    {
        "nhs_number",
        "nhsnumber",
        "name",
        "given",
        "family",
        "birth_date",
        "birthdate",
        "dob",
        "postcode",
        "address",
        "phone",
        "email",
        "telecom",
        "contact",
    }
)
_NHS_NUMBER = re.compile(r"\b\d{3}\s?\d{3}\s?\d{4}\b")


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Drop PII fields and mask anything shaped like an NHS number in the message."""
    for key in list(event):
        if key.lower() in PII_KEYS:
            event[key] = "[redacted]"
    msg = event.get("event")
    if isinstance(msg, str):
        event["event"] = _NHS_NUMBER.sub("[nhs-number]", msg)
    return event


def _context(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    cid = correlation_id_var.get()
    if cid:
        event.setdefault("correlation_id", cid)
    tid = trace_id(traceparent_var.get())
    if tid:
        event.setdefault("trace_id", tid)
    return event


def configure_logging(service: str, *, level: str = "INFO", json_output: bool = True) -> None:
    """Route stdlib and structlog through one JSON renderer (uvicorn and aiokafka included)."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_output else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _context,
        redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            lambda _, __, ev: {**ev, "service": service},
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "uvicorn.access", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
