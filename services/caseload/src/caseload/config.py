"""Caseload settings: shared ones unprefixed, this service's own prefixed CASELOAD_."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cch_servicekit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CASELOAD_", extra="ignore")

    http_port: int = 8003
    # How often the review schedule is scanned (review.due) and the waiting list retried.
    review_scan_seconds: float = Field(default=60.0, gt=0)
    # The seeded workforce and the reports' modelled numbers are scaled by this (1.0 = Shropshire).
    modelled_scale: float = Field(default=1.0, gt=0, le=1.0)
