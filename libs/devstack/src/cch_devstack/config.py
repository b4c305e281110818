"""Where things live and which ports they use; every value can come from the environment."""

import os
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from cch_devstack.errors import StackError

# name -> default port; order is start order (the gateway last, it fronts the rest)
SERVICES: dict[str, int] = {
    "stratification": 8001,
    "referrals": 8002,
    "caseload": 8003,
    "careplans": 8004,
    "dispatch": 8005,
    "ops": 8006,
    "gateway": 8000,
}
DATABASE = "cch"


def repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "deploy" / "postgres" / "init.sql").exists():
            return parent
    return Path.cwd()


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StackError(f"{name}={raw!r} is not a valid TCP port")
    return int(raw)


@dataclass(frozen=True)
class StackConfig:
    home: Path
    host: str = "127.0.0.1"
    pg_port: int = 55432
    kafka_port: int = 19092
    service_ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    external_database_url: str | None = None
    external_kafka: str | None = None
    seed_population: int = 310_000

    @classmethod
    def from_env(cls) -> "StackConfig":
        home = Path(os.environ.get("CCH_HOME") or repo_root() / ".cch").resolve()
        ports = {
            svc: _port(f"{svc.upper()}_HTTP_PORT", default) for svc, default in SERVICES.items()
        }
        db_url = os.environ.get("DATABASE_URL") or None
        kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None
        if db_url:
            check_database_url(db_url)
        if kafka:
            check_bootstrap(kafka)
        seed = os.environ.get("CCH_SEED_POPULATION", "310000")
        if not seed.isdigit():
            raise StackError(f"CCH_SEED_POPULATION={seed!r} must be a whole number")
        return cls(
            home=home,
            pg_port=_port("CCH_PG_PORT", 55432),
            kafka_port=_port("CCH_KAFKA_PORT", 19092),
            service_ports=ports,
            external_database_url=db_url,
            external_kafka=kafka,
            seed_population=int(seed),
        )

    def with_free_ports(self) -> "StackConfig":
        """For tests: every port chosen by the OS so runs never collide."""
        return replace(
            self,
            pg_port=free_port(),
            kafka_port=free_port(),
            service_ports={svc: free_port() for svc in SERVICES},
        )

    @property
    def admin_database_url(self) -> str:
        if self.external_database_url:
            return self.external_database_url
        return f"postgresql://postgres@{self.host}:{self.pg_port}/{DATABASE}"

    @property
    def bootstrap_servers(self) -> str:
        return self.external_kafka or f"{self.host}:{self.kafka_port}"

    def service_url(self, svc: str) -> str:
        return f"http://{self.host}:{self.service_ports[svc]}"

    @property
    def key_dir(self) -> Path:
        return self.home / "keys"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"


def check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+asyncpg") or not parts.hostname:
        raise StackError(
            f"DATABASE_URL must look like postgresql://user:pw@host:5432/db, got {url!r}"
        )


def check_bootstrap(servers: str) -> None:
    for item in servers.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise StackError(
                f"KAFKA_BOOTSTRAP_SERVERS must be host:port[,host:port], got {servers!r}"
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_port_free(host: str, port: int, what: str) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise StackError(
                f"port {port} for {what} is already in use: stop whatever holds it "
                f"(`make stop`?) or choose another port"
            ) from None
