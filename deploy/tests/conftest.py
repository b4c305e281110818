"""Loading docker-compose.yml and deploy/k8s for the deployment tests; plain functions, cached."""

import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cch_devstack.config import SERVICES
from cch_servicekit import ServiceSettings
from gateway.config import Settings as GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
KUSTOMIZATION = "kustomization.yaml"
UPSTREAMS = [s for s in SERVICES if s != "gateway"]
# Environment variables a container may set besides ServiceSettings' own names.
EXTRA_ENV = {"CCH_PATIENT_KEY_SECRET", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}


# ---------------------------------------------------------------- settings


def settings_env_names() -> set[str]:
    names: set[str] = set()
    for field in ServiceSettings.model_fields.values():
        alias = field.validation_alias
        names.update(str(c) for c in getattr(alias, "choices", []) or [])
    return names


def known_env(service: str) -> set[str]:
    prefix = f"{service.upper()}_"
    own = {f"{prefix}HTTP_HOST", f"{prefix}HTTP_PORT"}
    if service == "gateway":
        own |= {f"GATEWAY_{f.upper()}" for f in GatewaySettings.model_fields}
    return settings_env_names() | EXTRA_ENV | own


def listening_port(service: str) -> int:
    """The port a service's own settings listen on when <SERVICE>_HTTP_PORT is not set."""
    settings = importlib.import_module(f"{service}.config").Settings
    port: int = settings.model_fields["http_port"].default
    return port


# ---------------------------------------------------------------- docker-compose.yml


def interpolate(value: str) -> str:
    """Compose interpolation with every variable unset: ${VAR:-default} -> default."""
    pattern = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}|\$\$")
    return pattern.sub(lambda m: "$" if m.group(0) == "$$" else (m.group(2) or ""), value)


@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def compose_service(name: str) -> dict[str, Any]:
    service: dict[str, Any] = compose()["services"][name]
    return service


def compose_env(name: str) -> dict[str, str]:
    env = compose_service(name).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


# ---------------------------------------------------------------- deploy/k8s


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml"))


def yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def kustomizations() -> list[Path]:
    return sorted(K8S.rglob(KUSTOMIZATION))


def resource_files(kustomization: Path) -> list[Path]:
    """The files a kustomization pulls in, following nested bases."""
    out: list[Path] = []
    for entry in yaml_docs(kustomization)[0].get("resources", []):
        target = (kustomization.parent / entry).resolve()
        if target.is_dir():
            out += resource_files(target / KUSTOMIZATION)
        else:
            out.append(target)
    return out


@cache
def base_objects() -> dict[tuple[str, str], dict[str, Any]]:
    """Every object of the base, by (kind, name)."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path in resource_files(BASE / KUSTOMIZATION):
        for doc in yaml_docs(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in objects, f"{key} defined twice"
            objects[key] = doc
    return objects


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    key = (kind, name)
    assert key in base_objects(), f"the k8s base has no {kind} {name}"
    return base_objects()[key]


def k8s_container(service: str) -> dict[str, Any]:
    containers = k8s_object("Deployment", service)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container
