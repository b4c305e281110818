"""Outbox, relay, inbox consumer: how every service talks over Kafka without losing events."""

from cch_messaging.consumer import EventConsumer, PoisonEvent
from cch_messaging.handlers import BatchHandler, Handler, HandlerRegistry
from cch_messaging.kafka import KafkaSettings, ensure_topics
from cch_messaging.outbox_rows import EventRouting, OutgoingEvent
from cch_messaging.relay import OutboxRelay
from cch_messaging.tables import inbox_table, outbox_table
from cch_messaging.uow import MessagingUnitOfWork

__all__ = [
    "BatchHandler",
    "EventConsumer",
    "EventRouting",
    "Handler",
    "HandlerRegistry",
    "KafkaSettings",
    "MessagingUnitOfWork",
    "OutboxRelay",
    "OutgoingEvent",
    "PoisonEvent",
    "ensure_topics",
    "inbox_table",
    "outbox_table",
]
