"""P5: assignment decision time with 200 open requests and 100 clinicians (domain only, no I/O).

Run: PYTHONPATH=services/dispatch/src python services/dispatch/bench/bench_assignment.py \\
         --out bench/results/dispatch_assignment.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.domain.assignment import AssignmentEngine
from dispatch.domain.availability import ClinicianAvailability, OpenRequest
from dispatch.domain.baselines import ClosestIdle, LeastSlack
from dispatch.domain.geography import GridPoint
from dispatch.domain.proposals import Dispatcher

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
SKILLS = ("prescribing", "catheter", "iv", "wound-care")


def state(
    requests: int, clinicians: int, seed: int
) -> tuple[list[OpenRequest], list[ClinicianAvailability]]:
    """A busy county: requests waiting 0-110 min, a third of clinicians busy for up to 90 min."""
    rng = np.random.default_rng(seed)

    def point() -> GridPoint:
        return GridPoint(float(rng.uniform(325_000, 380_000)), float(rng.uniform(272_000, 340_000)))

    open_requests = []
    for i in range(requests):
        received = NOW - timedelta(minutes=float(rng.uniform(0, 110)))
        needs = frozenset(
            s for s, p in zip(SKILLS, (0.65, 0.12, 0.08, 0.12), strict=True) if rng.uniform() < p
        )
        open_requests.append(
            OpenRequest(
                f"R{i}",
                received,
                received + timedelta(minutes=120),
                int(rng.integers(1, 4)),
                needs,
                point(),
            )
        )
    staff = []
    for i in range(clinicians):
        skills = frozenset(s for s in SKILLS if s == "prescribing" or rng.uniform() < 0.6)
        busy = float(rng.uniform(0, 90)) if rng.uniform() < 0.35 else 0.0
        staff.append(
            ClinicianAvailability(
                f"C{i}",
                skills,
                NOW + timedelta(minutes=busy),
                point(),
                NOW + timedelta(hours=float(rng.uniform(1, 12))),
            )
        )
    return open_requests, staff


def measure(
    policy: Dispatcher,
    requests: list[OpenRequest],
    staff: list[ClinicianAvailability],
    decisions: int,
) -> dict[str, float]:
    """Percentiles of wall time per decision (after one warm-up)."""
    policy.propose(NOW, requests, staff)
    times = []
    for i in range(decisions):
        now = NOW + timedelta(seconds=i)
        started = time.perf_counter()
        policy.propose(now, requests, staff)
        times.append(time.perf_counter() - started)
    ms = np.asarray(times) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
        "decisions": decisions,
    }


def main(argv: list[str] | None = None) -> int:
    """Print a table and optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clinicians", type=int, default=100)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    requests, staff = state(args.requests, args.clinicians, args.seed)
    results: dict[str, Any] = {}
    for policy in (AssignmentEngine(), ClosestIdle(), LeastSlack()):
        results[policy.name] = measure(policy, requests, staff, args.decisions)
    print(f"P5 decision time, {args.requests} open requests x {args.clinicians} clinicians")
    print(f"{'policy':<14}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, r in results.items():
        print(f"{name:<14}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['max_ms']:>9.2f}")
    target = results["engine"]["p99_ms"] < 50.0
    print(f"engine p99 < 50 ms: {'yes' if target else 'NO'}")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "benchmark": "dispatch.assignment",
                    "python": sys.version.split()[0],
                    "machine": platform.machine(),
                    "state": {"open_requests": args.requests, "clinicians": args.clinicians},
                    "results": results,
                    "engine_p99_under_50ms": target,
                    "goal": "P5: engine decision p99 < 50 ms (200 open requests, 100 clinicians)",
                    "met": target,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
