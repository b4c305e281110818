"""Tables of the careplans schema (the only schema this service's role can touch)."""

import sqlalchemy as sa

from careplans.adapters.care_team_members import care_team_member_table
from careplans.adapters.patient_merges import patient_merge_table
from careplans.adapters.resource_tables import resource_tables
from cch_messaging import inbox_table, outbox_table
from cch_servicekit.audit import audit_table

SCHEMA = "careplans"
metadata = sa.MetaData(schema=SCHEMA)
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
access_audit = audit_table(metadata)
resource, resource_version = resource_tables(metadata)
care_team_member = care_team_member_table(metadata)
patient_merge = patient_merge_table(metadata)
