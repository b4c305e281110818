"""Tables of the dispatch schema (the only schema this service's role can touch)."""

import sqlalchemy as sa

from cch_messaging import inbox_table, outbox_table
from cch_servicekit.audit import audit_table

SCHEMA = "dispatch"
metadata = sa.MetaData(schema=SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
access_audit = audit_table(metadata)

# Open statuses: a patient holds at most one request in these (partial unique index below).
OPEN_STATUSES = ("requested", "assigned", "accepted", "en-route")

requests = sa.Table(
    "requests",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("referral_id", sa.String(128), nullable=True, unique=True),
    sa.Column("patient_key", sa.String(128), nullable=False, index=True),
    sa.Column("nhs_number", sa.String(10), nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
    sa.Column("postcode", sa.String(16), nullable=False),
    sa.Column("easting", sa.Float, nullable=False),
    sa.Column("northing", sa.Float, nullable=False),
    sa.Column("locality", sa.String(16), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("skills_needed", sa.JSON, nullable=False),
    sa.Column("priority", sa.SmallInteger, nullable=False),
    sa.Column("care_plan_alerts_ref", sa.String(256), nullable=True),
    sa.Column("high_risk", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("clinician_id", sa.String(64), nullable=True),
    sa.Column("excluded_clinicians", sa.JSON, nullable=False),
    sa.Column("history", sa.JSON, nullable=False),
    sa.Column("projected_arrival", sa.DateTime(timezone=True), nullable=True),
    sa.Column("assignment_why", sa.Text, nullable=True),
    sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("at_risk_warned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("breached_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("breach_reason", sa.Text, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(
        "ix_requests_one_open_per_patient",
        "patient_key",
        unique=True,
        postgresql_where=sa.text("status IN ('requested','assigned','accepted','en-route')"),
    ),
)

clinicians = sa.Table(
    "clinicians",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("skills", sa.JSON, nullable=False),
    sa.Column("base_name", sa.String(64), nullable=True),
    sa.Column("base_easting", sa.Float, nullable=False),
    sa.Column("base_northing", sa.Float, nullable=False),
    sa.Column("easting", sa.Float, nullable=False),
    sa.Column("northing", sa.Float, nullable=False),
    sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=True),
    sa.Column("shift_start", sa.DateTime(timezone=True), nullable=False),
    sa.Column("shift_end", sa.DateTime(timezone=True), nullable=False),
    sa.Column("leaving_after_job", sa.Boolean, nullable=False, server_default=sa.false()),
    # When the clinician last went off duty: a rostered shift that began before then is over
    # (ended early by hand), so the watch does not start it again.
    sa.Column("off_duty_since", sa.DateTime(timezone=True), nullable=True),
)

transitions = sa.Table(
    "transitions",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("clinician_id", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("actor", sa.String(200), nullable=True),
)

# The latest stratification tier per patient (from cch.patient.tier-changed.v1), so a crisis for
# a high-risk patient is known as such without the coordinator having to say so.
patient_risk = sa.Table(
    "patient_risk",
    metadata,
    sa.Column("patient_key", sa.String(128), primary_key=True),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(128), nullable=False),
)

# County simulations asked for over the API, with their progress and, once done, the compliance
# table per policy. At most one is queued or running at a time: migration 0004 adds the partial
# unique index `ix_simulations_one_at_a_time` ON ((true)) WHERE status IN ('queued', 'running').
ACTIVE_SIMULATION = ("queued", "running")
simulations = sa.Table(
    "simulations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("scale", sa.Float, nullable=False),
    sa.Column("days", sa.Integer, nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("roster", sa.String(64), nullable=False),
    sa.Column("policies", sa.JSON, nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("worker", sa.String(128), nullable=True),
    sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("progress", sa.Float, nullable=False, server_default="0"),
    sa.Column("results", sa.JSON, nullable=True),
    sa.Column("seconds", sa.Float, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_simulations_created_at", "created_at"),
)

# Board stream tickets, shared by every replica: only a ticket's SHA-256 is stored (never the
# ticket), with who it was issued to (actor id and roles, the organisation code and when their
# bearer token expires: no names or patient data). A ticket works once, until `expires_at`;
# used and expired rows are swept by a background loop (service_layer/stream_ticket_sweep.py).
stream_tickets = sa.Table(
    "stream_tickets",
    metadata,
    sa.Column("ticket_hash", sa.String(64), primary_key=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("actor_roles", sa.JSON, nullable=False),
    sa.Column("organisation", sa.String(64), nullable=True),
    sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_stream_tickets_actor", "actor"),
    sa.Index("ix_stream_tickets_expires_at", "expires_at"),
)
