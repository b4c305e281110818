"""Every file under deploy/k8s is a valid Kubernetes object and every kustomization resolves."""

import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from .conftest import (
    BASE,
    K8S,
    KUSTOMIZATION,
    base_objects,
    kustomizations,
    manifest_files,
    resource_files,
    yaml_docs,
)

# The oldest Kubernetes the manifests promise to fit (kubernetes-validate>=1.31 always bundles
# its schemas) and the newest the installed kubernetes-validate knows.
K8S_VERSIONS = sorted({"1.31.0", kubernetes_validate.latest_version()})


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_k8s_manifest_parses(path: Path) -> None:
    docs = yaml_docs(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        assert isinstance(doc, dict)
        assert {"apiVersion", "kind"} <= set(doc)


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(K8S)))
def test_k8s_manifest_validates(path: Path, version: str) -> None:
    for doc in yaml_docs(path):
        if doc["kind"] == "Kustomization":
            assert doc["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
            continue
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("kustomization", kustomizations(), ids=lambda p: str(p.parent.name))
def test_k8s_kustomization_resources_exist(kustomization: Path) -> None:
    spec = yaml_docs(kustomization)[0]
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
    listed = set(resource_files(BASE / KUSTOMIZATION))
    present = {p.resolve() for p in manifest_files() if BASE in p.parents}
    assert present - {(BASE / KUSTOMIZATION).resolve()} == listed


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
@pytest.mark.parametrize("kustomization", kustomizations(), ids=lambda p: str(p.parent.name))
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
    assert kinds == set(base_objects())
    for doc in docs:
        assert doc["metadata"].get("namespace", "cch") == "cch"
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)
