"""Event contracts shared by every service: envelope, payloads, topics."""

from cch_contracts.envelope import CloudEvent, EventPayload
from cch_contracts.identity import patient_key
from cch_contracts.registry import REGISTRY, EventSpec, spec_for, spec_for_type
from cch_contracts.topics import Topic, dlq_topic

__all__ = [
    "REGISTRY",
    "CloudEvent",
    "EventPayload",
    "EventSpec",
    "Topic",
    "dlq_topic",
    "patient_key",
    "spec_for",
    "spec_for_type",
]
