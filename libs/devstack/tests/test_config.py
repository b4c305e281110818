"""The runner explains configuration mistakes in one line instead of a traceback."""

import socket
import subprocess
import sys

import pytest

from cch_devstack.config import StackConfig, ensure_port_free
from cch_devstack.errors import StackError


def test_bad_urls_and_ports_are_one_line_errors(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    with pytest.raises(StackError, match="postgresql://"):
        StackConfig.from_env()
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost")
    with pytest.raises(StackError, match="host:port"):
        StackConfig.from_env()
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS")
    monkeypatch.setenv("CCH_PG_PORT", "99999")
    with pytest.raises(StackError, match="not a valid TCP port"):
        StackConfig.from_env()


def test_a_port_in_use_is_reported_by_name():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        with pytest.raises(StackError, match=f"port {port} for Postgres is already in use"):
            ensure_port_free("127.0.0.1", port, "Postgres")


def test_the_cli_prints_a_single_error_line_and_exits_1(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CCH_HOME": str(tmp_path), "DATABASE_URL": "nonsense://x"}
    result = subprocess.run(
        [sys.executable, "-m", "cch_devstack", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: DATABASE_URL must look like")
    assert "Traceback" not in result.stderr
