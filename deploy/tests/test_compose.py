"""docker-compose.yml runs the platform the way the code expects: roles, settings, order, topics."""

import re
from urllib.parse import urlsplit

import pytest

from cch_contracts.topics import all_topics
from cch_devstack.config import DATABASE, SERVICES, repo_root
from cch_servicekit import ServiceSettings
from gateway.config import Settings as GatewaySettings

from .conftest import (
    ROOT,
    UPSTREAMS,
    compose,
    compose_env,
    compose_service,
    interpolate,
    known_env,
)

PG_INIT_DIR = "/docker-entrypoint-initdb.d"


def test_compose_runs_every_service_and_the_infrastructure() -> None:
    services = set(compose()["services"])
    assert set(SERVICES) <= services
    assert {"postgres", "kafka", "kafka-init"} <= services


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_service_connects_as_its_own_role(service: str) -> None:
    raw = compose_env(service)["DATABASE_URL"]
    var = f"{service.upper()}_DB_PASSWORD"
    assert f"${{{var}:-" in raw, "the password must come from the environment, with a default"
    url = urlsplit(interpolate(raw))
    assert url.scheme == "postgresql"
    assert url.username == service
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, f"/{DATABASE}")
    # passwords.sh gives the role the password postgres sees; the defaults must agree.
    assert url.password
    assert url.password == interpolate(compose_env("postgres")[var])


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_service_settings(service: str) -> None:
    env = compose_env(service)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["KAFKA_EPHEMERAL_BROKER"] == "false"
    assert env[f"{service.upper()}_HTTP_HOST"] == "0.0.0.0"
    assert env.get(f"{service.upper()}_HTTP_PORT", str(SERVICES[service])) == str(SERVICES[service])
    assert interpolate(env["AUTH_ISSUER"])
    assert interpolate(env["AUTH_AUDIENCE"])
    assert env.get("AUTH_JWKS_FILE") or env.get("AUTH_JWKS_URL")
    if env.get("AUTH_JWKS_FILE"):
        targets = [
            v["target"] if isinstance(v, dict) else v.split(":")[1]
            for v in compose_service(service).get("volumes", [])
        ]
        assert env["AUTH_JWKS_FILE"] in targets, "the JWKS file must be mounted"
    unknown = set(env) - known_env(service)
    assert not unknown, f"settings nothing reads (typo?): {sorted(unknown)}"


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_service_healthcheck_and_start_order(service: str) -> None:
    svc = compose_service(service)
    check = " ".join(svc["healthcheck"]["test"])
    assert f"http://127.0.0.1:{SERVICES[service]}/healthz" in check
    depends = svc["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["kafka-init"]["condition"] == "service_completed_successfully"


def test_compose_publishes_only_the_gateway() -> None:
    publishing = {name for name, svc in compose()["services"].items() if svc.get("ports")}
    assert publishing == {"gateway"}
    (mapping,) = compose_service("gateway")["ports"]
    assert str(mapping).endswith(f":{SERVICES['gateway']}")
    assert interpolate(str(mapping)).split(":")[-2] == str(SERVICES["gateway"])


def test_compose_gateway_reaches_every_upstream() -> None:
    env = compose_env("gateway")
    for other in UPSTREAMS:
        assert f"upstream_{other}" in GatewaySettings.model_fields
        assert env[f"GATEWAY_UPSTREAM_{other.upper()}"] == f"http://{other}:{SERVICES[other]}"
        assert compose_service("gateway")["depends_on"][other]["condition"] == "service_healthy"


def test_compose_postgres_applies_the_dev_runners_init_sql() -> None:
    pg = compose_service("postgres")
    assert str(pg["image"]).startswith("postgres:17")
    env = compose_env("postgres")
    assert env["POSTGRES_DB"] == DATABASE
    assert "${POSTGRES_PASSWORD:-" in env["POSTGRES_PASSWORD"]
    mounts = {}
    for volume in pg["volumes"]:
        source, target = str(volume).split(":")[:2]
        mounts[target] = source
    init = (ROOT / mounts[f"{PG_INIT_DIR}/01-init.sql"]).resolve()
    # cch_devstack.provision applies repo_root()/deploy/postgres/init.sql: the same file.
    assert init == (repo_root() / "deploy" / "postgres" / "init.sql").resolve()
    passwords = (ROOT / mounts[f"{PG_INIT_DIR}/02-passwords.sh"]).resolve()
    assert passwords == (ROOT / "deploy" / "postgres" / "passwords.sh").resolve()
    assert mounts["/var/lib/postgresql/data"] in compose()["volumes"], "a named volume"
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])


def test_compose_postgres_knows_every_role_password() -> None:
    """passwords.sh exits when a role's password is missing; init.sql creates the same roles."""
    roles_sh = re.search(
        r"for svc in ([\w ]+); do", (ROOT / "deploy/postgres/passwords.sh").read_text()
    )
    roles_sql = re.search(r"ARRAY\[([^\]]+)\]", (ROOT / "deploy/postgres/init.sql").read_text())
    assert roles_sh
    assert roles_sql
    assert set(roles_sh.group(1).split()) == set(SERVICES)
    assert set(re.findall(r"'(\w+)'", roles_sql.group(1))) == set(SERVICES)
    env = compose_env("postgres")
    for service in SERVICES:
        assert interpolate(env[f"{service.upper()}_DB_PASSWORD"])


def test_compose_kafka_is_kraft_without_zookeeper() -> None:
    kafka = compose_service("kafka")
    assert kafka["image"] == "apache/kafka:3.9.0"
    env = compose_env("kafka")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])
    for name, svc in compose()["services"].items():
        assert "zookeeper" not in name
        assert "zookeeper" not in str(svc.get("image", ""))
        assert not any("ZOOKEEPER" in key for key in compose_env(name))


def test_compose_kafka_init_creates_exactly_the_contract_topics() -> None:
    init = compose_service("kafka-init")
    env = compose_env("kafka-init")
    topics = env["CCH_TOPICS"].split()
    assert len(topics) == len(set(topics))
    assert sorted(topics) == sorted(all_topics())
    assert (
        int(env["CCH_TOPIC_PARTITIONS"]) == ServiceSettings.model_fields["kafka_partitions"].default
    )
    script = " ".join(init["command"])
    assert "kafka-topics.sh" in script
    assert "--if-not-exists" in script
    assert "$${CCH_TOPICS}" in script
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert init.get("restart") == "no"
