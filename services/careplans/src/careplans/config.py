"""Care plans settings: shared ones unprefixed, this service's own prefixed CAREPLANS_."""

from pydantic_settings import SettingsConfigDict

from cch_servicekit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CAREPLANS_", extra="ignore")

    http_port: int = 8004
