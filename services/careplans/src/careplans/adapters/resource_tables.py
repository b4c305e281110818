"""One versioned store for every FHIR type: the current version, all versions, search columns."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB


def _current_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("type", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("patient_key", sa.String(64)),
        sa.Column("status", sa.String(32)),
        sa.Column("intent", sa.String(32)),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        # tokens: "system|code" and "|code"-free "code" forms of category/code/kind
        sa.Column("codes", ARRAY(sa.Text), nullable=False, server_default="{}"),
        # identifiers: "system|value"
        sa.Column("identifiers", ARRAY(sa.Text), nullable=False, server_default="{}"),
        # references to other resources ("CareTeam/1", "Goal/2", "CarePlan/3" for partOf)
        sa.Column("refs", ARRAY(sa.Text), nullable=False, server_default="{}"),
        # CareTeam only: practitioner ids of participants (need-to-know)
        sa.Column("participants", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("period_start", sa.DateTime(timezone=True)),
        sa.Column("period_end", sa.DateTime(timezone=True)),
        sa.Column("content", JSONB, nullable=False),
    ]


def _version_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("type", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", JSONB, nullable=False),
    ]


INDEXES = [
    ("ix_resource_patient", ["type", "patient_id"], None),
    ("ix_resource_last_updated", ["type", "last_updated"], None),
    ("ix_resource_codes", ["codes"], "gin"),
    ("ix_resource_identifiers", ["identifiers"], "gin"),
    ("ix_resource_refs", ["refs"], "gin"),
    ("ix_resource_participants", ["participants"], "gin"),
]


# one current Patient per NHS number (its patient_key; the platform key where it has none);
# a record merged into another (status 'replaced', see service_layer/indexing.py) is history
PATIENT_IDENTITY_INDEX = "uq_resource_patient_identity"
PATIENT_IDENTITY_WHERE = (
    "type = 'Patient' AND patient_key IS NOT NULL AND NOT deleted"
    " AND status IS DISTINCT FROM 'replaced'"
)


def resource_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    current = sa.Table("resource", metadata, *_current_columns())
    for name, cols, using in INDEXES:
        kw: dict[str, Any] = {"postgresql_using": using} if using else {}
        sa.Index(name, *[current.c[c] for c in cols], **kw)
    sa.Index(
        PATIENT_IDENTITY_INDEX,
        current.c.patient_key,
        unique=True,
        postgresql_where=sa.text(PATIENT_IDENTITY_WHERE),
    )
    versions = sa.Table(
        "resource_version",
        metadata,
        *_version_columns(),
        sa.Index("ix_resource_version_history", "type", "last_updated"),
    )
    return current, versions


def create_patient_identity_index(op, schema: str) -> None:  # type: ignore[no-untyped-def]
    op.create_index(
        PATIENT_IDENTITY_INDEX,
        "resource",
        ["patient_key"],
        unique=True,
        schema=schema,
        postgresql_where=sa.text(PATIENT_IDENTITY_WHERE),
    )


def create_resource_tables(op, schema: str) -> None:  # type: ignore[no-untyped-def]
    op.create_table("resource", *_current_columns(), schema=schema)
    for name, cols, using in INDEXES:
        kw = {"postgresql_using": using} if using else {}
        op.create_index(name, "resource", cols, schema=schema, **kw)
    op.create_table("resource_version", *_version_columns(), schema=schema)
    op.create_index(
        "ix_resource_version_history",
        "resource_version",
        ["type", "last_updated"],
        schema=schema,
    )


def among(column: Any, values: Any) -> Any:
    """`column = ANY($n)`: one bound array, so the statement compiles once whatever the count."""
    return column == sa.any_(sa.literal(sorted(values), ARRAY(sa.Text)))


def refs_among(type_column: Any, id_column: Any, refs: Any) -> Any:
    """`(type, id) IN (unnest($1), unnest($2))`: two bound arrays, one compiled statement."""
    pairs = sorted(refs)
    types = sa.literal([t for t, _ in pairs], ARRAY(sa.Text))
    ids = sa.literal([i for _, i in pairs], ARRAY(sa.Text))
    return sa.tuple_(type_column, id_column).in_(
        sa.select(sa.func.unnest(types), sa.func.unnest(ids))
    )
