"""deploy/Dockerfile builds every service's image: read statically, its guard steps run for real."""

import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

from cch_devstack.config import SERVICES

from .conftest import (
    ROOT,
    compose_env,
    compose_service,
    k8s_container,
    k8s_object,
    listening_port,
)
from .dockerfile_syntax import (
    Dockerfile,
    Image,
    Stage,
    ignore_patterns,
    in_context,
    parse,
    referenced_variables,
    render,
)

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
IGNORE_FILE = ROOT / "deploy" / "Dockerfile.dockerignore"
UID = 10001


@cache
def dockerfile() -> Dockerfile:
    return parse(DOCKERFILE.read_text())


def build_args(service: str) -> dict[str, str]:
    args = compose_service(service)["build"]["args"]
    return {str(k): str(v) for k, v in args.items()}


def image(service: str) -> Image:
    return render(dockerfile(), build_args(service))


def build_stage() -> Stage:
    (stage,) = [s for s in dockerfile().stages[:-1] if s.name == "build"]
    return stage


def sources_in_context() -> list[str]:
    """Every file of the repository the ignore file lets into the build context."""
    patterns = ignore_patterns(IGNORE_FILE.read_text())
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [f for f in files if (ROOT / f).is_file() and in_context(f, patterns)]


def fake_venv_python(folder: Path) -> None:
    """`.venv/bin/python` as the build stage has it: this interpreter, with every service."""
    python = folder / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)


# ---------------------------------------------------------------- one file for every service


def test_no_service_keeps_its_own_dockerfile() -> None:
    assert not sorted(ROOT.glob("services/*/Dockerfile")), "deploy/Dockerfile builds them all"


@pytest.mark.parametrize("service", list(SERVICES))
def test_compose_builds_each_service_from_the_shared_dockerfile(service: str) -> None:
    build = compose_service(service)["build"]
    assert build["context"] == "."
    assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE
    assert build_args(service) == {"SERVICE": service, "PORT": str(SERVICES[service])}
    assert compose_service(service)["image"] == f"cch/{service}:latest"
    assert "command" not in compose_service(service), "the image's own command starts it"
    assert "entrypoint" not in compose_service(service)


def test_the_build_args_are_required_and_nothing_else() -> None:
    """No default: forgetting one fails the build instead of building the wrong service."""
    declared = {i.args for stage in dockerfile().stages for i in stage.all("ARG")}
    assert declared == {"SERVICE", "PORT"}
    assert not dockerfile().global_args


@pytest.mark.parametrize("stage_index", [0, 1], ids=["build", "final"])
def test_every_variable_a_stage_uses_is_declared_in_that_stage(stage_index: int) -> None:
    """Build args are scoped to a stage: one not re-declared after FROM expands to ''."""
    stage = dockerfile().stages[stage_index]
    declared = {"PATH"}
    for instruction in stage.instructions:
        if instruction.keyword == "ARG":
            declared.add(instruction.args.split("=")[0])
            continue
        used = referenced_variables(instruction.args)
        if instruction.keyword == "ENV":
            declared |= {part.split("=")[0] for part in instruction.args.split()}
        if instruction.keyword == "RUN":
            used &= {"SERVICE", "PORT"}  # the rest are the script's own shell variables
        assert used <= declared, f"line {instruction.line}: {sorted(used - declared)}"


# ---------------------------------------------------------------- what each image is


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_image_knows_its_service_and_port(service: str) -> None:
    built = image(service)
    assert built.env["CCH_SERVICE"] == service
    assert built.env["CCH_SERVICE_PORT"] == str(SERVICES[service])
    assert built.exposed == [str(SERVICES[service])]
    assert built.labels["org.opencontainers.image.title"] == f"cch-{service}"
    assert built.env["PYTHONUNBUFFERED"] == "1"


@pytest.mark.parametrize("service", list(SERVICES))
def test_the_image_port_is_the_one_the_service_compose_and_k8s_use(service: str) -> None:
    port = int(image(service).exposed[0])
    assert listening_port(service) == port, "the service's settings listen elsewhere"
    published = [str(m).rsplit(":", 1)[1] for m in compose_service(service).get("ports", [])]
    assert compose_service(service).get("expose", published) == [str(port)]
    assert compose_env(service).get(f"{service.upper()}_HTTP_PORT", str(port)) == str(port)
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(
        compose_service(service)["healthcheck"]["test"]
    )
    container = k8s_container(service)
    assert [p["containerPort"] for p in container["ports"]] == [port]
    k8s_env = {e["name"]: e.get("value") for e in container["env"]}
    assert k8s_env.get(f"{service.upper()}_HTTP_PORT", str(port)) == str(port)
    annotations = k8s_object("Deployment", service)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port)


def test_the_image_runs_as_the_non_root_user_k8s_expects() -> None:
    stage = dockerfile().final
    (create_user,) = [i.args for i in stage.all("RUN") if "useradd" in i.args]
    assert f"groupadd --system --gid {UID} cch" in create_user
    assert f"useradd --system --uid {UID} --gid cch" in create_user
    assert image("gateway").user == f"{UID}:{UID}", "numeric, so runAsNonRoot can check it"
    for service in SERVICES:
        pod = k8s_object("Deployment", service)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == UID
        assert "command" not in k8s_container(service), "the image's own command starts it"
        assert "args" not in k8s_container(service)


def test_the_healthcheck_gives_migrations_time_like_compose_does() -> None:
    flags = image("gateway").healthcheck_flags
    compose_check = compose_service("gateway")["healthcheck"]
    assert flags["start-period"] == compose_check["start_period"]
    assert int(flags["retries"]) >= 3


# ---------------------------------------------------------------- what the build copies, installs


def test_the_build_context_holds_everything_the_dockerfile_copies() -> None:
    context = sources_in_context()
    for stage in dockerfile().stages:
        for instruction in stage.all("COPY"):
            flags, words = instruction.flags_and_words()
            if "from" in flags:
                continue
            for source in words[:-1]:
                assert (ROOT / source).exists(), f"line {instruction.line}: no {source}"
                assert any(f == source or f.startswith(f"{source}/") for f in context), (
                    f"line {instruction.line}: {source} is left out of the build context"
                )


def test_the_build_context_has_each_workspace_member_and_no_secrets() -> None:
    context = set(sources_in_context())
    workspace = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    members = sorted(p for glob in workspace["members"] for p in ROOT.glob(glob) if p.is_dir())
    assert members
    for member in members:
        relative = member.relative_to(ROOT).as_posix()
        assert f"{relative}/pyproject.toml" in context
        sources = [p for p in (member / "src").rglob("*.py") if "__pycache__" not in p.parts]
        assert sources
        assert all(p.relative_to(ROOT).as_posix() in context for p in sources)
    for path in (".cch/keys/issuer.pem", ".venv/bin/python", ".git/HEAD", ".env"):
        assert not in_context(path, ignore_patterns(IGNORE_FILE.read_text())), path
    assert not [f for f in context if "/tests/" in f or f.endswith(".pyc")]


def test_uv_installs_only_the_named_service_exactly_as_locked() -> None:
    (sync,) = [i.args for i in build_stage().all("RUN") if "uv sync" in i.args]
    words = sync.split()
    assert {"--frozen", "--no-dev", "--no-editable"} <= set(words)
    assert words[words.index("--package") + 1] == '"${SERVICE}"'
    members = tomllib.loads((ROOT / "uv.lock").read_text())["manifest"]["members"]
    assert set(SERVICES) <= set(members), "every SERVICE must be a workspace member"
    uv_image = [i for i in build_stage().all("COPY") if "astral-sh/uv" in i.args]
    (copy_uv,) = uv_image
    tag = copy_uv.flags_and_words()[0]["from"].rsplit(":", 1)[1]
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), "pin the uv release that reads this uv.lock"


def test_the_venv_keeps_its_path_from_build_to_final_stage() -> None:
    """uv writes each console script's #! line with the venv's absolute path."""
    workdir = build_stage().one("WORKDIR").args
    (copy_venv,) = [
        i for i in dockerfile().final.all("COPY") if i.flags_and_words()[0].get("from") == "build"
    ]
    source, target = copy_venv.flags_and_words()[1]
    assert source == target == f"{workdir}/.venv"
    path = image("gateway").env["PATH"].split(":")
    assert path[0] == f"{target}/bin"


def test_the_start_script_is_on_the_path_as_the_command() -> None:
    (copy_script,) = [i for i in dockerfile().final.all("COPY") if "start-service" in i.args]
    flags, (source, target) = copy_script.flags_and_words()
    assert (ROOT / source).is_file()
    assert int(flags["chmod"], 8) & 0o555 == 0o555
    path = image("gateway").env["PATH"].split(":")
    assert str(Path(target).parent) in path
    assert image("gateway").command == [Path(target).name]


# ---------------------------------------------------------------- the build's own guard steps


def _guard(name: str) -> str:
    scripts: list[str] = [i.args for i in build_stage().all("RUN") if name in i.args]
    assert len(scripts) == 1, f"one RUN step mentions {name!r}"
    return scripts[0]


def test_the_build_accepts_a_service_with_its_port(tmp_path: Path) -> None:
    """Every service's port is checked in-process above; this runs the build's own steps once."""
    fake_venv_python(tmp_path)
    env = {"PATH": "/usr/bin:/bin", **build_args("referrals")}
    for guard, cwd in (("--build-arg SERVICE", ROOT), ("Settings", tmp_path)):
        run = subprocess.run(["sh", "-c", _guard(guard)], cwd=cwd, env=env, capture_output=True)
        assert run.returncode == 0, run.stderr.decode()


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        ({"SERVICE": "referrals"}, "--build-arg SERVICE=<service> --build-arg PORT"),
        ({"PORT": "8002"}, "--build-arg SERVICE=<service> --build-arg PORT"),
        ({"SERVICE": "referral", "PORT": "8002"}, "no services/referral/pyproject.toml"),
    ],
)
def test_the_build_stops_without_a_known_service_and_port(
    args: dict[str, str], complaint: str
) -> None:
    env = {"PATH": "/usr/bin:/bin", **args}
    run = subprocess.run(
        ["sh", "-c", _guard("--build-arg SERVICE")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert complaint in run.stderr


def test_the_build_stops_when_port_is_not_where_the_service_listens(tmp_path: Path) -> None:
    fake_venv_python(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "SERVICE": "referrals", "PORT": "8001"}
    run = subprocess.run(
        ["sh", "-c", _guard("Settings")], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode != 0
    assert "PORT=8001, but referrals listens on 8002" in run.stderr
