"""Settings every service shares; DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS switch environments."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class ServiceSettings(BaseSettings):
    """Service subclasses set `env_prefix` for their own fields; shared ones are unprefixed."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:55432/cch", validation_alias=_alias("DATABASE_URL")
    )
    db_pool_size: int = Field(default=10, validation_alias=_alias("DB_POOL_SIZE"))
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092", validation_alias=_alias("KAFKA_BOOTSTRAP_SERVERS")
    )
    kafka_enable_idempotence: bool = Field(
        default=False, validation_alias=_alias("KAFKA_ENABLE_IDEMPOTENCE")
    )
    kafka_ephemeral_broker: bool = Field(
        default=False, validation_alias=_alias("KAFKA_EPHEMERAL_BROKER")
    )
    kafka_partitions: int = Field(default=3, validation_alias=_alias("KAFKA_TOPIC_PARTITIONS"))
    # unset: short on the ephemeral (embedded) broker, which holds fetches for the full wait
    kafka_consumer_fetch_max_wait_ms: int | None = Field(
        default=None, ge=1, validation_alias=_alias("KAFKA_CONSUMER_FETCH_MAX_WAIT_MS")
    )
    auth_issuer: str = Field(
        default="https://cch.local/dev-issuer", validation_alias=_alias("AUTH_ISSUER")
    )
    auth_audience: str = Field(default="cch", validation_alias=_alias("AUTH_AUDIENCE"))
    auth_jwks_url: str | None = Field(default=None, validation_alias=_alias("AUTH_JWKS_URL"))
    auth_jwks_file: Path | None = Field(default=None, validation_alias=_alias("AUTH_JWKS_FILE"))
    log_level: str = Field(default="INFO", validation_alias=_alias("LOG_LEVEL"))
    log_json: bool = Field(default=True, validation_alias=_alias("LOG_JSON"))
    run_relay: bool = Field(default=True, validation_alias=_alias("RUN_RELAY"))
    run_consumer: bool = Field(default=True, validation_alias=_alias("RUN_CONSUMER"))
    max_body_bytes: int = Field(default=1_048_576, validation_alias=_alias("MAX_BODY_BYTES"))
    http_host: str = "127.0.0.1"
    http_port: int = 8000
