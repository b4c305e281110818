"""The whole platform on one machine, for `make run` and for end-to-end tests."""

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from cch_auth.keys import JWKS_FILE, ensure_dev_keys
from cch_devstack.broker import EmbeddedBroker
from cch_devstack.config import SERVICES, StackConfig, ensure_port_free
from cch_devstack.errors import StackError
from cch_devstack.postgres import EmbeddedPostgres
from cch_devstack.processes import ServiceProcess
from cch_devstack.provision import (
    migrate_all,
    provision_database,
    provision_topics,
    seed_all,
    service_database_url,
)

STATE_FILE = "stack.json"


@dataclass
class Stack:
    config: StackConfig
    services: list[str] = field(default_factory=lambda: list(SERVICES))
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def state_path(self) -> Path:
        return self.config.run_dir / STATE_FILE

    def _check_not_running(self) -> None:
        state = read_state(self.state_path)
        if state and psutil.pid_exists(state["pid"]) and state["pid"] != os.getpid():
            raise StackError(
                f"the stack is already running (pid {state['pid']}): `make stop` first"
            )

    def start_infrastructure(self) -> None:
        cfg = self.config
        for d in (cfg.home, cfg.log_dir, cfg.run_dir):
            d.mkdir(parents=True, exist_ok=True)
        ensure_dev_keys(cfg.key_dir)
        t0 = time.monotonic()
        if cfg.external_database_url is None:
            self.postgres = EmbeddedPostgres(
                data_dir=cfg.home / "postgres" / "data", host=cfg.host, port=cfg.pg_port
            )
            if not self.postgres.running():
                ensure_port_free(cfg.host, cfg.pg_port, "Postgres")
            self.postgres.start()
        if cfg.external_kafka is None:
            ensure_port_free(cfg.host, cfg.kafka_port, "the Kafka broker")
            self.broker = EmbeddedBroker(
                host=cfg.host, port=cfg.kafka_port, log_file=cfg.log_dir / "broker.log"
            )
            self.broker.start()
        self.timings["infrastructure"] = time.monotonic() - t0
        t0 = time.monotonic()
        asyncio.run(self._provision())
        self.timings["provision"] = time.monotonic() - t0
        t0 = time.monotonic()
        migrate_all(cfg.admin_database_url)
        self.timings["migrations"] = time.monotonic() - t0

    async def _provision(self) -> None:
        await provision_database(
            self.config.admin_database_url,
            create_database=self.config.external_database_url is None,
        )
        await provision_topics(self.config.bootstrap_servers)

    def service_env(self, svc: str) -> dict[str, str]:
        cfg = self.config
        env = {
            "DATABASE_URL": service_database_url(cfg.admin_database_url, svc),
            "KAFKA_BOOTSTRAP_SERVERS": cfg.bootstrap_servers,
            "AUTH_JWKS_FILE": str(cfg.key_dir / JWKS_FILE),
            "CCH_KEY_DIR": str(cfg.key_dir),
            f"{svc.upper()}_HTTP_PORT": str(cfg.service_ports[svc]),
            "LOG_JSON": "true",
            "KAFKA_EPHEMERAL_BROKER": "false" if cfg.external_kafka else "true",
            "PYTHONUNBUFFERED": "1",
        }
        for other in SERVICES:
            env[f"GATEWAY_UPSTREAM_{other.upper()}"] = cfg.service_url(other)
        return env

    def start_services(self, *, timeout: float = 120) -> None:
        t0 = time.monotonic()
        for svc in self.services:
            ensure_port_free(self.config.host, self.config.service_ports[svc], f"service {svc}")
        for svc in self.services:
            self.processes[svc] = ServiceProcess.start(
                svc,
                url=self.config.service_url(svc),
                env=self.service_env(svc),
                log_file=self.config.log_dir / f"{svc}.log",
            )
        for proc in self.processes.values():
            proc.wait_ready(timeout=timeout)
        self.timings["services"] = time.monotonic() - t0

    def seed(self) -> None:
        """Each service loads its development data (population, workforce, roster) once."""
        t0 = time.monotonic()
        seed_all(self.services, population=self.config.seed_population, env=self.service_env)
        self.timings["seed"] = time.monotonic() - t0

    def start(self, *, seed: bool = True) -> None:
        self._check_not_running()
        try:
            self.start_infrastructure()
            self.start_services()
            if seed:
                self.seed()
            self.write_state()
        except BaseException:
            self.stop()
            raise

    def write_state(self) -> None:
        state: dict[str, Any] = {
            "pid": os.getpid(),
            "services": {n: p.process.pid for n, p in self.processes.items()},
            "broker_pid": self.broker.process.pid if self.broker and self.broker.process else None,
            "postgres_data": str(self.postgres.data_dir) if self.postgres else None,
            "urls": {n: self.config.service_url(n) for n in self.services},
            "kafka": self.config.bootstrap_servers,
        }
        self.state_path.write_text(json.dumps(state, indent=2))

    def stop(self) -> None:
        for proc in self.processes.values():
            proc.terminate()
        for proc in self.processes.values():
            proc.wait_stopped()
        self.processes.clear()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()
        state = read_state(self.state_path)
        if state and state.get("pid") == os.getpid():
            self.state_path.unlink(missing_ok=True)

    def restart_broker(self) -> None:
        """Tests use this to prove events survive a broker outage."""
        if self.broker is None:
            raise StackError("the broker is external; it cannot be restarted from here")
        self.broker.stop()
        self.broker.start()
        asyncio.run(provision_topics(self.config.bootstrap_servers))


def read_state(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    except (OSError, ValueError):
        return None


def stop_recorded(config: StackConfig, *, timeout: float = 60) -> bool:
    """`make stop`: ask the runner to stop; clean up whatever a crashed runner left."""
    path = config.run_dir / STATE_FILE
    state = read_state(path)
    if not state:
        return False
    pid = state["pid"]
    if psutil.pid_exists(pid):
        psutil.Process(pid).terminate()
        with contextlib.suppress(psutil.TimeoutExpired, psutil.NoSuchProcess):
            psutil.Process(pid).wait(timeout)
    leftovers = [*state.get("services", {}).values(), state.get("broker_pid")]
    for child in leftovers:
        if child and psutil.pid_exists(child):
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(child).kill()
    if state.get("postgres_data"):
        pg = EmbeddedPostgres(
            data_dir=Path(state["postgres_data"]), host=config.host, port=config.pg_port
        )
        pg.stop()
    path.unlink(missing_ok=True)
    return True
