from cch_db.migrations import run_env
from referrals.adapters.tables import SCHEMA, metadata

run_env(metadata, schema=SCHEMA)
