"""Stratification settings: shared ones unprefixed, this service's own prefixed STRATIFICATION_."""

from pydantic_settings import SettingsConfigDict

from cch_servicekit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STRATIFICATION_", extra="ignore")

    http_port: int = 8001
    # bulk ingest batches are larger than FHIR resources
    max_body_bytes: int = 64 * 1024 * 1024
    # a FHIR transaction Bundle is parsed whole in memory; big loads go as NDJSON files
    max_bundle_bytes: int = 16 * 1024 * 1024
    # the population is re-stratified monthly; the scheduler checks this often
    schedule_runs: bool = True
    run_every_days: int = 30
    schedule_check_seconds: float = 60.0
