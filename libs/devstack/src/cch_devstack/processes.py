"""Service processes: start with the right environment, wait for /readyz, stop cleanly."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from cch_devstack.errors import StackError


@dataclass
class ServiceProcess:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_file: Path

    @classmethod
    def start(cls, name: str, *, url: str, env: dict[str, str], log_file: Path) -> "ServiceProcess":
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log = log_file.open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", name, "serve"],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return cls(name, url, process, log_file)

    def wait_ready(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = " | ".join(
                    self.log_file.read_text(errors="replace").strip().splitlines()[-3:]
                )
                raise StackError(f"{self.name} exited during start-up: {tail[-600:]}")
            try:
                response = httpx.get(f"{self.url}/readyz", timeout=2)
                if response.status_code == 200:
                    return
                last = response.text[:200]
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.3)
        raise StackError(
            f"{self.name} not ready after {timeout:.0f}s ({last}); see {self.log_file}"
        )

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = 15) -> None:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
