"""Gateway settings: shared ones unprefixed, its own prefixed GATEWAY_."""

from pydantic_settings import SettingsConfigDict

from cch_servicekit import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    http_port: int = 8000
    upstream_stratification: str = "http://127.0.0.1:8001"
    upstream_referrals: str = "http://127.0.0.1:8002"
    upstream_caseload: str = "http://127.0.0.1:8003"
    upstream_careplans: str = "http://127.0.0.1:8004"
    upstream_dispatch: str = "http://127.0.0.1:8005"
    upstream_ops: str = "http://127.0.0.1:8006"
    upstream_timeout_seconds: float = 30.0

    def upstreams(self) -> dict[str, str]:
        return {
            name: getattr(self, f"upstream_{name}").rstrip("/")
            for name in ("stratification", "referrals", "caseload", "careplans", "dispatch", "ops")
        }
