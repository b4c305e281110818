"""The k8s base runs each service as the code expects: secrets, probes, scaling, one way in."""

from urllib.parse import urlsplit

import pytest

from cch_devstack.config import SERVICES

from .conftest import (
    BASE,
    EXTRA_ENV,
    K8S,
    KUSTOMIZATION,
    UPSTREAMS,
    base_objects,
    k8s_container,
    k8s_object,
    known_env,
    settings_env_names,
    yaml_docs,
)


def test_k8s_base_namespace_and_shared_config() -> None:
    assert yaml_docs(BASE / KUSTOMIZATION)[0]["namespace"] == "cch"
    k8s_object("Namespace", "cch")
    for (kind, name), doc in base_objects().items():
        if kind != "Namespace":
            assert doc["metadata"].get("namespace", "cch") == "cch", f"{kind} {name}"
    data = k8s_object("ConfigMap", "cch-config")["data"]
    assert not set(data) - settings_env_names() - EXTRA_ENV, "keys nothing reads"
    assert data["KAFKA_BOOTSTRAP_SERVERS"]
    assert data["KAFKA_EPHEMERAL_BROKER"] == "false"
    assert data["AUTH_ISSUER"]
    assert data["AUTH_AUDIENCE"]
    assert data.get("AUTH_JWKS_URL") or data.get("AUTH_JWKS_FILE")
    assert "DATABASE_URL" not in data, "database credentials belong in Secrets"


@pytest.mark.parametrize("service", list(SERVICES))
def test_k8s_every_service_has_deployment_service_and_autoscaler(service: str) -> None:
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler"):
        k8s_object(kind, service)


@pytest.mark.parametrize("service", list(SERVICES))
def test_k8s_deployment(service: str) -> None:
    deployment = k8s_object("Deployment", service)
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    c = k8s_container(service)
    assert c["image"] == f"cch/{service}:latest"
    assert [p["containerPort"] for p in c["ports"]] == [SERVICES[service]]
    assert {"configMapRef": {"name": "cch-config"}} in c["envFrom"]
    env = {e["name"]: e for e in c["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": f"cch-{service}-db",
        "key": "url",
    }
    assert env[f"{service.upper()}_HTTP_HOST"]["value"] == "0.0.0.0"
    assert not set(env) - known_env(service), "settings nothing reads (typo?)"
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
    svc = k8s_object("Service", service)["spec"]
    assert svc.get("type", "ClusterIP") == "ClusterIP"
    labels = k8s_object("Deployment", service)["spec"]["template"]["metadata"]["labels"]
    assert svc["selector"].items() <= labels.items()
    (port,) = svc["ports"]
    assert port["port"] == SERVICES[service]
    assert port["targetPort"] in [p.get("name") for p in k8s_container(service)["ports"]]
    hpa = k8s_object("HorizontalPodAutoscaler", service)
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
    env = {e["name"]: e.get("value") for e in k8s_container("gateway")["env"]}
    for other in UPSTREAMS:
        url = urlsplit(env[f"GATEWAY_UPSTREAM_{other.upper()}"])
        assert (url.hostname, url.port) == (other, SERVICES[other])
        assert k8s_object("Service", other)["spec"]["ports"][0]["port"] == SERVICES[other]


def test_k8s_only_the_gateway_is_exposed() -> None:
    ingresses = [doc for (kind, _), doc in base_objects().items() if kind == "Ingress"]
    assert len(ingresses) == 1
    backends = [
        path["backend"]["service"]
        for rule in ingresses[0]["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends
    gateway_ports = k8s_object("Service", "gateway")["spec"]["ports"]
    for backend in backends:
        assert backend["name"] == "gateway"
        port = backend["port"]
        assert any(
            port.get("name") == p["name"] or port.get("number") == p["port"] for p in gateway_ports
        )
    for (kind, name), doc in base_objects().items():
        if kind == "Service":
            assert doc["spec"].get("type", "ClusterIP") == "ClusterIP", name


def test_k8s_production_overlay_targets_what_the_base_defines() -> None:
    """An image or patch that matches nothing is silently ignored by kustomize."""
    overlay = yaml_docs(K8S / "overlays" / "production" / KUSTOMIZATION)[0]
    images = {k8s_container(s)["image"].rsplit(":", 1)[0] for s in SERVICES}
    assert {i["name"] for i in overlay["images"]} == images
    for image in overlay["images"]:
        assert image.get("newTag") not in (None, "latest")
    for patch in overlay.get("patches", []):
        target = patch["target"]
        assert (target["kind"], target["name"]) in base_objects(), target
