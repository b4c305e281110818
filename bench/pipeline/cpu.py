"""Who used the cores: this process, Postgres and the broker."""

from __future__ import annotations

import contextlib
import math
import time

import psutil


class CpuMeter:
    """CPU time of this process, Postgres (postmaster, backends, including exited ones) and the
    broker, so each run can say which of them used the two cores."""

    def __init__(self, pids: dict[str, int] | None = None) -> None:
        self._pids = dict(pids or {})

    def _seconds(self, pid: int) -> float:
        try:
            proc = psutil.Process(pid)
            t = proc.cpu_times()
            total = float(t.user + t.system + t.children_user + t.children_system)
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    ct = child.cpu_times()
                    total += ct.user + ct.system
            return total
        except psutil.Error:
            return math.nan

    def snapshot(self) -> dict[str, float]:
        snap = {"wall": time.perf_counter(), "bench_python": time.process_time()}
        snap |= {name: self._seconds(pid) for name, pid in self._pids.items()}
        t = psutil.cpu_times()
        snap["machine"] = sum(t) - t.idle - getattr(t, "iowait", 0.0)
        return snap

    @staticmethod
    def cores_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Cores busy on average: this process, Postgres, the broker, everything else."""
        wall = after["wall"] - before["wall"]
        if wall <= 0:
            return {}
        used = {k: (after[k] - before[k]) / wall for k in before if k != "wall"}
        machine = used.pop("machine")
        used["other"] = max(0.0, machine - sum(used.values()))
        return {k: round(v, 2) for k, v in used.items()}
