"""What a container built from deploy/Dockerfile does when it starts and when Docker probes it:
the start script and the HEALTHCHECK command, run here with stand-in service commands."""

import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cch_devstack.config import SERVICES, free_port

from .conftest import ROOT
from .dockerfile_syntax import parse, render

START_SCRIPT = ROOT / "deploy" / "start-service.sh"


def healthcheck(service: str) -> list[str]:
    built = render(
        parse((ROOT / "deploy" / "Dockerfile").read_text()),
        {"SERVICE": service, "PORT": str(SERVICES[service])},
    )
    command: list[str] = built.healthcheck
    return command


def stand_in(bin_dir: Path, service: str, *, migrate_exit: int = 0) -> Path:
    """A `cch-<service>` that logs each call with the host it would listen on."""
    log = bin_dir / "calls.log"
    host_var = f"{service.upper()}_HTTP_HOST"
    script = bin_dir / f"cch-{service}"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$* host=${{{host_var}:-unset}}" >> "{log}"\n'
        f'echo "$$" > "{bin_dir}/$1.pid"\n'
        f'if [ "$1" = migrate ]; then exit {migrate_exit}; fi\n'
    )
    script.chmod(0o755)
    return log


def start(bin_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(START_SCRIPT)],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


# ---------------------------------------------------------------- start-service.sh


def test_start_script_is_executable() -> None:
    assert os.access(START_SCRIPT, os.X_OK)
    assert START_SCRIPT.read_text().startswith("#!/bin/sh\n")


@pytest.mark.parametrize("service", list(SERVICES))
def test_container_migrates_then_serves_on_every_interface(service: str, tmp_path: Path) -> None:
    log = stand_in(tmp_path, service)
    run = start(tmp_path, CCH_SERVICE=service)
    assert run.returncode == 0, run.stderr
    assert log.read_text().splitlines() == ["migrate host=0.0.0.0", "serve host=0.0.0.0"]


def test_container_keeps_a_host_the_environment_sets(tmp_path: Path) -> None:
    log = stand_in(tmp_path, "referrals")
    run = start(tmp_path, CCH_SERVICE="referrals", REFERRALS_HTTP_HOST="127.0.0.1")
    assert run.returncode == 0, run.stderr
    assert log.read_text().splitlines() == ["migrate host=127.0.0.1", "serve host=127.0.0.1"]


def test_the_server_replaces_the_shell_so_it_gets_stop_signals(tmp_path: Path) -> None:
    """`exec`: the server is the container's main process, so `docker stop` and Kubernetes'
    SIGTERM reach uvicorn, which drains connections instead of being killed after the grace."""
    stand_in(tmp_path, "gateway")
    process = subprocess.Popen(
        ["sh", str(START_SCRIPT)],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "CCH_SERVICE": "gateway"},
    )
    assert process.wait(timeout=30) == 0
    assert int((tmp_path / "serve.pid").read_text()) == process.pid
    assert int((tmp_path / "migrate.pid").read_text()) != process.pid


def test_container_does_not_serve_when_migrations_fail(tmp_path: Path) -> None:
    log = stand_in(tmp_path, "caseload", migrate_exit=3)
    run = start(tmp_path, CCH_SERVICE="caseload")
    assert run.returncode == 3
    assert log.read_text().splitlines() == ["migrate host=0.0.0.0"]


@pytest.mark.parametrize(
    ("service", "complaint"),
    [(None, "CCH_SERVICE names the service"), ("ops; rm -rf /", "is not a service name")],
)
def test_container_refuses_to_start_without_a_service_name(
    service: str | None, complaint: str, tmp_path: Path
) -> None:
    log = stand_in(tmp_path, "ops")
    run = start(tmp_path, **({"CCH_SERVICE": service} if service else {}))
    assert run.returncode != 0
    assert complaint in run.stderr
    assert not log.exists()


# ---------------------------------------------------------------- HEALTHCHECK


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def healthy_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def probe(service: str, **env: str) -> int:
    command = healthcheck(service)
    env = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(command, env=env, capture_output=True, timeout=30).returncode


def test_healthcheck_passes_when_healthz_answers_on_the_built_port(healthy_port: int) -> None:
    # The image's CCH_SERVICE_PORT, standing in for the built-in port the server holds here.
    assert probe("ops", CCH_SERVICE="ops", CCH_SERVICE_PORT=str(healthy_port)) == 0


def test_healthcheck_follows_a_port_the_environment_sets(healthy_port: int) -> None:
    env = {"CCH_SERVICE": "dispatch", "CCH_SERVICE_PORT": str(free_port())}
    assert probe("dispatch", **env, DISPATCH_HTTP_PORT=str(healthy_port)) == 0


def test_healthcheck_fails_when_nothing_answers() -> None:
    assert probe("ops", CCH_SERVICE="ops", CCH_SERVICE_PORT=str(free_port())) != 0
