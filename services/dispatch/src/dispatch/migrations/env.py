from cch_db.migrations import run_env
from dispatch.adapters.tables import SCHEMA, metadata

run_env(metadata, schema=SCHEMA)
