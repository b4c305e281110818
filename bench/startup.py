"""`make run` cold and warm: `cch-stack run --exit-when-ready` twice on the same fresh CCH_HOME.

Cold: an empty data folder, so initdb, provisioning, every migration from scratch and the seed.
Warm: the same folder again, so Postgres data, migrations and seeded data are already there.
Each run gets its own free ports through the environment and exits by itself once ready (the
runner stops everything it started); afterwards the ports are checked to be free again.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import Metric
from cch_devstack.config import SERVICES, free_port

REPO = Path(__file__).resolve().parent.parent
READY = re.compile(r"Ready in ([\d.]+)s(.*)$", re.MULTILINE)
PHASE = re.compile(r"(\w+)=([\d.]+)s")
QUICK_SEED_POPULATION = 20_000


def uv_binary() -> str:
    for candidate in (os.environ.get("UV"), shutil.which("uv"), str(Path.home() / ".local/bin/uv")):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("uv not found (set UV=/path/to/uv)")


def _ports() -> dict[str, str]:
    env = {"CCH_PG_PORT": str(free_port()), "CCH_KAFKA_PORT": str(free_port())}
    for svc in SERVICES:
        env[f"{svc.upper()}_HTTP_PORT"] = str(free_port())
    return env


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop_leftovers(env: dict[str, str]) -> str:
    """`cch-stack stop` for this CCH_HOME: only used when a run did not stop by itself."""
    with contextlib.suppress(Exception):
        result = subprocess.run(
            [uv_binary(), "run", "--frozen", "cch-stack", "stop"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return result.stdout.strip()
    return "cch-stack stop failed"


def run_once(
    home: Path, *, label: str, timeout_s: float, seed_population: int | None
) -> dict[str, Any]:
    ports = _ports()
    env = {**os.environ, "CCH_HOME": str(home), **ports}
    for var in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):  # always the embedded ones
        env.pop(var, None)
    if seed_population is not None:
        env["CCH_SEED_POPULATION"] = str(seed_population)
    cmd = [uv_binary(), "run", "--frozen", "cch-stack", "run", "--exit-when-ready"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    timed_out = False
    try:
        output, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGTERM)  # the runner's own handler stops the stack
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    wall = time.perf_counter() - t0
    result: dict[str, Any] = {
        "label": label,
        "cch_home": str(home),
        "exit_code": proc.returncode,
        "timed_out": timed_out,
        "wall_seconds": round(wall, 2),
        "seed_population": seed_population or int(os.environ.get("CCH_SEED_POPULATION", 310_000)),
    }
    match = READY.search(output or "")
    if match:
        result["ready_in_seconds"] = float(match.group(1))
        result["phases_seconds"] = {k: float(v) for k, v in PHASE.findall(match.group(2))}
    # everything must be down again: the runner stops what it started on --exit-when-ready
    time.sleep(0.5)
    still = {name: int(p) for name, p in ports.items() if _listening(int(p))}
    if still:
        result["cleanup"] = _stop_leftovers(env)
        time.sleep(1)
        still = {name: int(p) for name, p in ports.items() if _listening(int(p))}
    result["left_listening"] = still
    lines = (output or "").splitlines()
    head = list(itertools.takewhile(lambda ln: not ln.startswith("service "), lines))
    result["runner_output"] = [  # what the runner and the seeds said, without warnings
        ln for ln in head if ln.strip() and not ln.startswith(" ") and "Warning" not in ln
    ][:40]
    if proc.returncode != 0 or not match:
        result["error"] = "\n".join((output or "").strip().splitlines()[-15:])
    return result


def run(
    *, quick: bool, timeout_s: float = 900, seed_population: int | None = None
) -> dict[str, Any]:
    """Cold then warm start on one fresh CCH_HOME; the folder is removed afterwards."""
    if quick and seed_population is None and "CCH_SEED_POPULATION" not in os.environ:
        seed_population = QUICK_SEED_POPULATION
    home = Path(tempfile.mkdtemp(prefix="cch-bench-startup-"))
    out: dict[str, Any] = {
        "command": "uv run --frozen cch-stack run --exit-when-ready",
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        out["cold"] = run_once(
            home, label="cold", timeout_s=timeout_s, seed_population=seed_population
        )
        # even after a failed cold start: whatever it got done (initdb, migrations) is reused
        out["warm"] = run_once(
            home, label="warm", timeout_s=timeout_s, seed_population=seed_population
        )
    finally:
        out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        shutil.rmtree(home, ignore_errors=True)
    return out


def metrics(result: dict[str, Any]) -> list[Metric]:
    g = "startup (make run)"
    out: list[Metric] = []
    for key in ("cold", "warm"):
        r = result.get(key) or {}
        ok = r.get("exit_code") == 0 and "ready_in_seconds" in r and not r.get("left_listening")
        seed = r.get("seed_population")
        note = f", seed {seed:,}" if isinstance(seed, int) else ""
        wall = r.get("wall_seconds")
        out.append(
            Metric(
                f"{key} start, wall (cch-stack run --exit-when-ready{note})",
                wall if ok else f"FAILED after {wall}s",
                "s",
                group=g,
            )
        )
        for phase, seconds in (r.get("phases_seconds") or {}).items():
            out.append(Metric(f"  {key}: {phase}", seconds, "s", group=g))
        if r.get("error"):
            last = r["error"].strip().splitlines()[-1] if r["error"].strip() else "?"
            out.append(Metric(f"  {key}: error", last[:90], group=g))
        if r.get("left_listening"):
            out.append(Metric(f"  {key}: ports still listening", str(r["left_listening"]), group=g))
    return out
