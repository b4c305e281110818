from caseload.adapters.tables import SCHEMA, metadata
from cch_db.migrations import run_env

run_env(metadata, schema=SCHEMA)
