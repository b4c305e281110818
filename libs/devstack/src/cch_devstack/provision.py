"""Database, schemas and roles (deploy/postgres/init.sql), role passwords, migrations, topics."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from cch_contracts.topics import all_topics
from cch_devstack.config import DATABASE, SERVICES, repo_root
from cch_devstack.errors import StackError
from cch_messaging.kafka import KafkaSettings, ensure_topics, wait_for_broker


def role_password(svc: str) -> str:
    return os.environ.get(f"{svc.upper()}_DB_PASSWORD") or f"{svc}-dev-only"


def service_database_url(admin_url: str, svc: str) -> str:
    """Same server and database as the admin URL, logged in as the service's own role."""
    parts = urlsplit(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    host = parts.hostname or "127.0.0.1"
    netloc = f"{quote(svc)}:{quote(role_password(svc), safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(("postgresql", netloc, parts.path, "", ""))


async def _connect(url: str, *, timeout: float = 30) -> asyncpg.Connection:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        except (OSError, asyncpg.PostgresError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise StackError(f"cannot connect to Postgres at {_safe(url)}: {exc}") from None
            await asyncio.sleep(0.3)


def _safe(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}{parts.path}"


async def provision_database(admin_url: str, *, create_database: bool) -> None:
    if create_database:
        server = urlsplit(admin_url)._replace(path="/postgres").geturl()
        conn = await _connect(server)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await conn.close()
    conn = await _connect(admin_url)
    try:
        await conn.execute((repo_root() / "deploy" / "postgres" / "init.sql").read_text())
        for svc in SERVICES:
            literal = role_password(svc).replace("'", "''")
            await conn.execute(f"ALTER ROLE \"{svc}\" PASSWORD '{literal}'")
    finally:
        await conn.close()


async def provision_topics(bootstrap: str, *, partitions: int = 3) -> None:
    settings = KafkaSettings(
        bootstrap_servers=bootstrap, client_id="cch-devstack", partitions=partitions
    )
    try:
        await wait_for_broker(settings, timeout=30)
    except TimeoutError as exc:
        raise StackError(f"Kafka broker at {bootstrap} is not reachable") from exc
    await ensure_topics(settings, all_topics())


def migrate_all(admin_url: str) -> None:
    """Each service migrates its own schema as its own role, in parallel."""

    def one(svc: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        env = {**os.environ, "DATABASE_URL": service_database_url(admin_url, svc)}
        result = subprocess.run(
            [sys.executable, "-m", svc, "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return svc, result

    with ThreadPoolExecutor(max_workers=4) as pool:
        for svc, result in pool.map(one, SERVICES):
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
                raise StackError(f"migrations for {svc} failed: {last}")


def seed_all(services: list[str], *, population: int, env: Callable[[str], dict[str, str]]) -> None:
    """Runs `<service> seed` for every service in parallel; each decides what to load."""

    def one(svc: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        result = subprocess.run(
            [sys.executable, "-m", svc, "seed", "--population", str(population)],
            env={**os.environ, **env(svc)},
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        return svc, result

    with ThreadPoolExecutor(max_workers=4) as pool:
        for svc, result in pool.map(one, services):
            if result.stdout.strip():
                print(result.stdout.strip(), flush=True)
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
                raise StackError(f"seeding {svc} failed: {last}")
