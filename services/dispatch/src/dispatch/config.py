"""Dispatch settings: shared ones unprefixed, this service's own prefixed DISPATCH_."""

from pydantic_settings import SettingsConfigDict

from cch_servicekit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")

    http_port: int = 8005
    # Warn this many minutes before the 2-hour deadline if no clinician has arrived.
    at_risk_margin_min: float = 30.0
    # How often the SLA watch looks at open requests.
    sla_tick_seconds: float = 15.0
    # When on, the engine assigns by itself on every new request, freed clinician or decline,
    # re-planning open unaccepted assignments; when off it only proposes (coordinator assigns).
    auto_assign: bool = False
