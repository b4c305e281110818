"""Outbox and inbox tables, declared once and placed in each service's own schema."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

OUTBOX = "outbox"
INBOX = "inbox"


def _outbox_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), nullable=False, unique=True),
        sa.Column("aggregate_type", sa.String(64), nullable=False),
        sa.Column("aggregate_id", sa.String(128), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
    ]


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Events waiting to be published; written in the same transaction as the state."""
    return sa.Table(OUTBOX, metadata, *_outbox_columns())


def _inbox_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("consumer_group", sa.String(128), primary_key=True),
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False, server_default="applied"),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def inbox_table(metadata: sa.MetaData) -> sa.Table:
    """Events this service's consumer group has applied (or dead-lettered), by event id."""
    return sa.Table(INBOX, metadata, *_inbox_columns())


def create_messaging_tables(op: Any, schema: str) -> None:
    """Used by each service's first migration so the tables are declared in one place."""

    op.create_table(OUTBOX, *_outbox_columns(), schema=schema)
    op.create_table(INBOX, *_inbox_columns(), schema=schema)
    op.create_index(
        "ix_outbox_unpublished",
        OUTBOX,
        ["seq"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_index("ix_outbox_published_at", OUTBOX, ["published_at"], schema=schema)


def drop_messaging_tables(op: Any, schema: str) -> None:

    op.drop_table(INBOX, schema=schema)
    op.drop_table(OUTBOX, schema=schema)
