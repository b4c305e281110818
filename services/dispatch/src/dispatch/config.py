"""Dispatch settings: shared ones unprefixed, this service's own prefixed DISPATCH_."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cch_servicekit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")

    http_port: int = 8005
    # Warn this many minutes before the 2-hour deadline if no clinician has arrived.
    at_risk_margin_min: float = 30.0
    # How often the SLA watch looks at open requests (and starts and ends rostered shifts).
    sla_tick_seconds: float = 15.0
    # When on, the engine assigns by itself on every new request, freed clinician or decline,
    # re-planning open unaccepted assignments; when off it only proposes (coordinator assigns).
    auto_assign: bool = False

    # Live coordinator board (DISPATCH_BOARD_...): how often the feed looks for changes, the
    # keep-alive interval on an idle stream, how long a stream ticket lasts, and how many
    # streams one process serves at once.
    board_poll_seconds: float = Field(default=1.0, gt=0)
    board_heartbeat_seconds: float = Field(default=15.0, gt=0)
    board_ticket_seconds: float = Field(default=60.0, gt=0)
    board_max_streams: int = Field(default=200, ge=1)

    # County simulations over the API (DISPATCH_SIMULATION_...): how often the worker looks for
    # queued runs and records progress, and how long a run may go without a heartbeat before
    # another process takes it as abandoned (its process died) and runs it again.
    simulation_poll_seconds: float = Field(default=5.0, gt=0)
    simulation_heartbeat_seconds: float = Field(default=1.0, gt=0)
    simulation_stale_seconds: float = Field(default=60.0, gt=0)
