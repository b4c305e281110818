"""docker-compose.yml and deploy/k8s agree with the code they deploy. Fast, offline, no Docker."""

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from cch_contracts.topics import all_topics
from cch_devstack.config import DATABASE, SERVICES, repo_root
from cch_servicekit import ServiceSettings
from gateway.config import Settings as GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
PG_INIT_DIR = "/docker-entrypoint-initdb.d"
UPSTREAMS = [s for s in SERVICES if s != "gateway"]
# The oldest Kubernetes the manifests promise to fit (kubernetes-validate>=1.31 always bundles
# its schemas) and the newest the installed kubernetes-validate knows.
K8S_VERSIONS = sorted({"1.31.0", kubernetes_validate.latest_version()})
KUSTOMIZATION = "kustomization.yaml"
# Environment variables a container may set besides ServiceSettings' own names.
EXTRA_ENV = {"CCH_PATIENT_KEY_SECRET", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}


# ---------------------------------------------------------------- helpers


def _interpolate(value: str) -> str:
    """Compose interpolation with every variable unset: ${VAR:-default} -> default."""
    pattern = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}|\$\$")
    return pattern.sub(lambda m: "$" if m.group(0) == "$$" else (m.group(2) or ""), value)


@cache
def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def _svc(name: str) -> dict[str, Any]:
    service: dict[str, Any] = _compose()["services"][name]
    return service


def _env(name: str) -> dict[str, str]:
    env = _svc(name).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _settings_env_names() -> set[str]:
    names: set[str] = set()
    for field in ServiceSettings.model_fields.values():
        alias = field.validation_alias
        names.update(str(c) for c in getattr(alias, "choices", []) or [])
    return names


def _known_env(service: str) -> set[str]:
    prefix = f"{service.upper()}_"
    own = {f"{prefix}HTTP_HOST", f"{prefix}HTTP_PORT"}
    if service == "gateway":
        own |= {f"GATEWAY_{f.upper()}" for f in GatewaySettings.model_fields}
    return _settings_env_names() | EXTRA_ENV | own


def _manifest_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml"))


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _kustomizations() -> list[Path]:
    return sorted(K8S.rglob(KUSTOMIZATION))


def _resource_files(kustomization: Path) -> list[Path]:
    """The files a kustomization pulls in, following nested bases."""
    out: list[Path] = []
    for entry in _docs(kustomization)[0].get("resources", []):
        target = (kustomization.parent / entry).resolve()
        if target.is_dir():
            out += _resource_files(target / KUSTOMIZATION)
        else:
            out.append(target)
    return out


@cache
def _base() -> dict[tuple[str, str], dict[str, Any]]:
    """Every object of the base, by (kind, name)."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path in _resource_files(BASE / KUSTOMIZATION):
        for doc in _docs(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in objects, f"{key} defined twice"
            objects[key] = doc
    return objects


def _obj(kind: str, name: str) -> dict[str, Any]:
    key = (kind, name)
    assert key in _base(), f"the k8s base has no {kind} {name}"
    return _base()[key]


def _container(service: str) -> dict[str, Any]:
    containers = _obj("Deployment", service)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


def _dockerfile_port(service: str) -> int:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    match = re.search(r"^EXPOSE\s+(\d+)", text, re.MULTILINE)
    assert match, f"services/{service}/Dockerfile exposes no port"
    return int(match.group(1))


# ---------------------------------------------------------------- docker-compose.yml


def test_compose_runs_every_service_and_the_infrastructure() -> None:
    services = set(_compose()["services"])
    assert set(SERVICES) <= services
    assert {"postgres", "kafka", "kafka-init"} <= services


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_service_builds_from_its_dockerfile(service: str) -> None:
    build = _svc(service)["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == f"services/{service}/Dockerfile"
    assert (ROOT / build["dockerfile"]).is_file()
    assert _dockerfile_port(service) == SERVICES[service]


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_service_connects_as_its_own_role(service: str) -> None:
    raw = _env(service)["DATABASE_URL"]
    var = f"{service.upper()}_DB_PASSWORD"
    assert f"${{{var}:-" in raw, "the password must come from the environment, with a default"
    url = urlsplit(_interpolate(raw))
    assert url.scheme == "postgresql"
    assert url.username == service
    assert (url.hostname, url.port, url.path) == ("postgres", 5432, f"/{DATABASE}")
    # passwords.sh gives the role the password postgres sees; the defaults must agree.
    assert url.password
    assert url.password == _interpolate(_env("postgres")[var])


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_service_settings(service: str) -> None:
    env = _env(service)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["KAFKA_EPHEMERAL_BROKER"] == "false"
    assert env[f"{service.upper()}_HTTP_HOST"] == "0.0.0.0"
    assert env.get(f"{service.upper()}_HTTP_PORT", str(SERVICES[service])) == str(SERVICES[service])
    assert _interpolate(env["AUTH_ISSUER"])
    assert _interpolate(env["AUTH_AUDIENCE"])
    assert env.get("AUTH_JWKS_FILE") or env.get("AUTH_JWKS_URL")
    if env.get("AUTH_JWKS_FILE"):
        targets = [
            v["target"] if isinstance(v, dict) else v.split(":")[1]
            for v in _svc(service).get("volumes", [])
        ]
        assert env["AUTH_JWKS_FILE"] in targets, "the JWKS file must be mounted"
    unknown = set(env) - _known_env(service)
    assert not unknown, f"settings nothing reads (typo?): {sorted(unknown)}"


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_service_healthcheck_and_start_order(service: str) -> None:
    svc = _svc(service)
    check = " ".join(svc["healthcheck"]["test"])
    assert f"http://127.0.0.1:{SERVICES[service]}/healthz" in check
    depends = svc["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["kafka-init"]["condition"] == "service_completed_successfully"


def test_compose_publishes_only_the_gateway() -> None:
    publishing = {name for name, svc in _compose()["services"].items() if svc.get("ports")}
    assert publishing == {"gateway"}
    (mapping,) = _svc("gateway")["ports"]
    assert str(mapping).endswith(f":{SERVICES['gateway']}")
    assert _interpolate(str(mapping)).split(":")[-2] == str(SERVICES["gateway"])


def test_compose_gateway_reaches_every_upstream() -> None:
    env = _env("gateway")
    for other in UPSTREAMS:
        assert f"upstream_{other}" in GatewaySettings.model_fields
        assert env[f"GATEWAY_UPSTREAM_{other.upper()}"] == f"http://{other}:{SERVICES[other]}"
        assert _svc("gateway")["depends_on"][other]["condition"] == "service_healthy"


def test_compose_postgres_applies_the_dev_runners_init_sql() -> None:
    pg = _svc("postgres")
    assert str(pg["image"]).startswith("postgres:17")
    env = _env("postgres")
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
    assert mounts["/var/lib/postgresql/data"] in _compose()["volumes"], "a named volume"
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
    env = _env("postgres")
    for service in SERVICES:
        assert _interpolate(env[f"{service.upper()}_DB_PASSWORD"])


def test_compose_kafka_is_kraft_without_zookeeper() -> None:
    kafka = _svc("kafka")
    assert kafka["image"] == "apache/kafka:3.9.0"
    env = _env("kafka")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])
    for name, svc in _compose()["services"].items():
        assert "zookeeper" not in name
        assert "zookeeper" not in str(svc.get("image", ""))
        assert not any("ZOOKEEPER" in key for key in _env(name))


def test_compose_kafka_init_creates_exactly_the_contract_topics() -> None:
    init = _svc("kafka-init")
    env = _env("kafka-init")
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


# ---------------------------------------------------------------- deploy/k8s


@pytest.mark.parametrize("path", _manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_k8s_manifest_parses(path: Path) -> None:
    docs = _docs(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        assert isinstance(doc, dict)
        assert {"apiVersion", "kind"} <= set(doc)


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", _manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_k8s_manifest_validates(path: Path, version: str) -> None:
    for doc in _docs(path):
        if doc["kind"] == "Kustomization":
            assert doc["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
            continue
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("kustomization", _kustomizations(), ids=lambda p: str(p.parent.name))
def test_k8s_kustomization_resources_exist(kustomization: Path) -> None:
    spec = _docs(kustomization)[0]
    assert spec["resources"]
    for entry in spec["resources"]:
        target = kustomization.parent / entry
        assert target.exists(), f"{kustomization}: missing resource {entry}"
        if target.is_dir():
            assert (target / KUSTOMIZATION).is_file(), f"{target} is not a kustomization"
    for patch in spec.get("patches", []):
        if "path" in patch:
            assert (kustomization.parent / patch["path"]).is_file()


def test_k8s_base_lists_every_manifest_in_it() -> None:
    listed = set(_resource_files(BASE / KUSTOMIZATION))
    present = {p.resolve() for p in _manifest_files() if BASE in p.parents}
    assert present - {(BASE / KUSTOMIZATION).resolve()} == listed


def test_k8s_base_namespace_and_shared_config() -> None:
    assert _docs(BASE / KUSTOMIZATION)[0]["namespace"] == "cch"
    _obj("Namespace", "cch")
    for (kind, name), doc in _base().items():
        if kind != "Namespace":
            assert doc["metadata"].get("namespace", "cch") == "cch", f"{kind} {name}"
    data = _obj("ConfigMap", "cch-config")["data"]
    assert not set(data) - _settings_env_names() - EXTRA_ENV, "keys nothing reads"
    assert data["KAFKA_BOOTSTRAP_SERVERS"]
    assert data["KAFKA_EPHEMERAL_BROKER"] == "false"
    assert data["AUTH_ISSUER"]
    assert data["AUTH_AUDIENCE"]
    assert data.get("AUTH_JWKS_URL") or data.get("AUTH_JWKS_FILE")
    assert "DATABASE_URL" not in data, "database credentials belong in Secrets"


@pytest.mark.parametrize("service", list(SERVICES))
def test_k8s_every_service_has_deployment_service_and_autoscaler(service: str) -> None:
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler"):
        _obj(kind, service)


@pytest.mark.parametrize("service", list(SERVICES))
def test_k8s_deployment(service: str) -> None:
    deployment = _obj("Deployment", service)
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    c = _container(service)
    assert c["image"] == f"cch/{service}:latest"
    assert [p["containerPort"] for p in c["ports"]] == [SERVICES[service]]
    assert {"configMapRef": {"name": "cch-config"}} in c["envFrom"]
    env = {e["name"]: e for e in c["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": f"cch-{service}-db",
        "key": "url",
    }
    assert env[f"{service.upper()}_HTTP_HOST"]["value"] == "0.0.0.0"
    assert not set(env) - _known_env(service), "settings nothing reads (typo?)"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["startupProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert c[probe]["httpGet"]["port"] in ("http", SERVICES[service])
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(c["resources"][bound])
    security = pod["spec"]["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 10001
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert "replicas" not in deployment["spec"], "the HorizontalPodAutoscaler owns replicas"


@pytest.mark.parametrize("service", list(SERVICES))
def test_k8s_service_and_autoscaler(service: str) -> None:
    svc = _obj("Service", service)["spec"]
    assert svc.get("type", "ClusterIP") == "ClusterIP"
    labels = _obj("Deployment", service)["spec"]["template"]["metadata"]["labels"]
    assert svc["selector"].items() <= labels.items()
    (port,) = svc["ports"]
    assert port["port"] == SERVICES[service]
    assert port["targetPort"] in [p.get("name") for p in _container(service)["ports"]]
    hpa = _obj("HorizontalPodAutoscaler", service)
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 6)
    (metric,) = spec["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}


def test_k8s_gateway_reaches_every_upstream() -> None:
    env = {e["name"]: e.get("value") for e in _container("gateway")["env"]}
    for other in UPSTREAMS:
        url = urlsplit(env[f"GATEWAY_UPSTREAM_{other.upper()}"])
        assert (url.hostname, url.port) == (other, SERVICES[other])
        assert _obj("Service", other)["spec"]["ports"][0]["port"] == SERVICES[other]


def test_k8s_only_the_gateway_is_exposed() -> None:
    ingresses = [doc for (kind, _), doc in _base().items() if kind == "Ingress"]
    assert len(ingresses) == 1
    backends = [
        path["backend"]["service"]
        for rule in ingresses[0]["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends
    gateway_ports = _obj("Service", "gateway")["spec"]["ports"]
    for backend in backends:
        assert backend["name"] == "gateway"
        port = backend["port"]
        assert any(
            port.get("name") == p["name"] or port.get("number") == p["port"] for p in gateway_ports
        )
    for (kind, name), doc in _base().items():
        if kind == "Service":
            assert doc["spec"].get("type", "ClusterIP") == "ClusterIP", name


def test_k8s_production_overlay_targets_what_the_base_defines() -> None:
    """An image or patch that matches nothing is silently ignored by kustomize."""
    overlay = _docs(K8S / "overlays" / "production" / KUSTOMIZATION)[0]
    images = {_container(s)["image"].rsplit(":", 1)[0] for s in SERVICES}
    assert {i["name"] for i in overlay["images"]} == images
    for image in overlay["images"]:
        assert image.get("newTag") not in (None, "latest")
    for patch in overlay.get("patches", []):
        target = patch["target"]
        assert (target["kind"], target["name"]) in _base(), target


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
@pytest.mark.parametrize("kustomization", _kustomizations(), ids=lambda p: str(p.parent.name))
def test_k8s_kustomize_build_validates(kustomization: Path) -> None:
    """Render with kubectl's built-in kustomize (offline) and validate what it would apply."""
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(kustomization.parent)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert kinds == set(_base())
    for doc in docs:
        assert doc["metadata"].get("namespace", "cch") == "cch"
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)
