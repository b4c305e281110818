"""Assignment decision time with 300 case managers and 10,000 open cases (domain only, no I/O).

Run: PYTHONPATH=services/caseload/src python services/caseload/bench/bench_assignment.py \
         --out bench/results/caseload_assignment.json
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from caseload.domain.caseloads import Caseloads
from caseload.domain.cases import AcceptedReferral, Case
from caseload.domain.mdt_review import MdtReview
from caseload.domain.review_schedule import announce_due_reviews
from caseload.domain.vocabulary import (
    LOCALITY_SHARE,
    CaseStatus,
    DischargeReason,
    Locality,
    MostPressingNeed,
    NeedLevel,
    ReviewOutcome,
    Tier,
)
from caseload.domain.workforce_sizing import generate_workforce
from cch_contracts.clock import FakeClock

GOAL_P99_US = 10_000.0  # well under one database round trip of the consumer path
TIER_MIX = {Tier.HIGHEST: 0.40, Tier.HIGH: 0.45, Tier.MEDIUM: 0.10, Tier.LOW: 0.05}
NEED_MIX = {
    MostPressingNeed.NURSING: 0.40,
    MostPressingNeed.END_OF_LIFE: 0.10,
    MostPressingNeed.SOCIAL: 0.20,
    MostPressingNeed.MENTAL_HEALTH: 0.12,
    MostPressingNeed.THERAPY: 0.10,
    MostPressingNeed.MEDICINES: 0.08,
}


def split_by_share(total: int) -> dict[Locality, int]:
    """Managers per locality by population share, summing exactly to total."""
    raw = {loc: total * share for loc, share in LOCALITY_SHARE.items()}
    out = {loc: int(v) for loc, v in raw.items()}
    for loc in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[
        : total - sum(out.values())
    ]:
        out[loc] += 1
    return out


class Referrals:
    """A deterministic stream of severe-need accepted referrals."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = 0

    def __call__(self) -> AcceptedReferral:
        self.n += 1
        r = self.rng
        return AcceptedReferral(
            patient_key=f"p{self.n:07d}",
            need_level=NeedLevel.SEVERE,
            locality=r.choices(list(LOCALITY_SHARE), list(LOCALITY_SHARE.values()))[0],
            most_pressing_need=r.choices(list(NEED_MIX), list(NEED_MIX.values()))[0],
            tier=r.choices(list(TIER_MIX), list(TIER_MIX.values()))[0],
            referral_id=f"r{self.n:07d}",
        )


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    """p50/p99/mean/max in microseconds."""
    s = sorted(samples_ns)

    def pick(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))] / 1000

    return {
        "n": len(s),
        "p50_us": round(pick(0.50), 2),
        "p99_us": round(pick(0.99), 2),
        "mean_us": round(statistics.fmean(s) / 1000, 2),
        "max_us": round(s[-1] / 1000, 2),
    }


def run(managers: int, open_cases: int, decisions: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    clock = FakeClock(datetime(2024, 4, 1, 9, tzinfo=UTC))
    t0 = time.perf_counter()
    caseloads = Caseloads(generate_workforce(split_by_share(managers), seed=seed))
    referrals = Referrals(rng)
    cases: dict[str, Case] = {}
    next_id = 0

    def open_one() -> Case:
        nonlocal next_id
        next_id += 1
        case, _ = caseloads.assign(referrals(), case_id=f"c{next_id:07d}", now=clock.now())
        case.pull_events()
        cases[case.case_id] = case
        return case

    for _ in range(open_cases):
        open_one()
    setup_s = time.perf_counter() - t0
    active = [c for c in cases.values() if c.status is CaseStatus.ACTIVE]
    capacity = sum(m.capacity_points for m in caseloads.workforce.case_managers)
    load = sum(
        caseloads.ledger.load_of(m.manager_id).points for m in caseloads.workforce.case_managers
    )
    state = {
        "managers": len(caseloads.workforce.case_managers),
        "open_cases": caseloads.ledger.open_cases(),
        "active_with_case_manager": len(active),
        "waiting": len(caseloads.waiting),
        "capacity_points": capacity,
        "load_points": load,
        "utilisation": round(load / capacity, 3),
    }

    clock_ns = time.perf_counter_ns
    decide_ns: list[int] = []
    for _ in range(decisions):
        referral = referrals()
        t = clock_ns()
        caseloads.decide(referral)
        decide_ns.append(clock_ns() - t)

    assign_ns: list[int] = []
    discharge_ns: list[int] = []
    waiting_ns: list[int] = []
    open_ids = [c.case_id for c in active]
    for _ in range(decisions):
        clock.advance(timedelta(minutes=5))
        t = clock_ns()
        case = open_one()
        assign_ns.append(clock_ns() - t)
        if case.status is CaseStatus.ACTIVE:
            open_ids.append(case.case_id)
        # Keep the open caseload steady: one discharge per new case.
        victim = cases[open_ids.pop(rng.randrange(len(open_ids)))]
        review = MdtReview(
            outcome=ReviewOutcome.DISCHARGE,
            decided_by="mdt",
            reviewed_at=clock.now(),
            discharge_reason=DischargeReason.DIED,
        )
        t = clock_ns()
        caseloads.record_review(victim, review)
        discharge_ns.append(clock_ns() - t)
        waiting_cases = {e.case_id: cases[e.case_id] for e in caseloads.waiting.ordered()}
        t = clock_ns()
        placed = caseloads.assign_from_waiting_list(waiting_cases, now=clock.now())
        waiting_ns.append(clock_ns() - t)
        open_ids.extend(c.case_id for c, _ in placed)

    clock.advance(timedelta(days=30))
    open_now = [c for c in cases.values() if not c.is_closed]
    t = clock_ns()
    announced = announce_due_reviews(open_now, clock.now())
    scan_ns = clock_ns() - t
    return {
        "benchmark": "caseload assignment decision (domain only)",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "seed": seed,
        "setup_seconds": round(setup_s, 2),
        "state": state,
        "results": {
            "decide": percentiles(decide_ns),
            "assign (decide + open case + ledger)": percentiles(assign_ns),
            "discharge (MDT review + release)": percentiles(discharge_ns),
            "assign_from_waiting_list": percentiles(waiting_ns),
        },
        "review_due_scan_ms": {
            "cases": len(open_now),
            "announced": len(announced),
            "ms": round(scan_ns / 1e6, 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=300)
    parser.add_argument("--open-cases", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20190401)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.managers, args.open_cases, args.decisions = 60, 2_000, 500
    report = run(args.managers, args.open_cases, args.decisions, args.seed)
    p99 = report["results"]["decide"]["p99_us"]
    report = {
        "name": "caseload_assignment",
        **report,
        "goal": f"decide p99 under {GOAL_P99_US / 1000:.0f} ms (300 managers, 10,000 open cases)",
        "met": p99 < GOAL_P99_US,
    }
    state = report["state"]
    print(f"caseload assignment: {state}")
    print(f"{'operation':42} {'n':>6} {'p50 µs':>9} {'p99 µs':>9} {'mean µs':>9} {'max µs':>9}")
    for name, r in report["results"].items():
        print(
            f"{name:42} {r['n']:>6} {r['p50_us']:>9} {r['p99_us']:>9} "
            f"{r['mean_us']:>9} {r['max_us']:>9}"
        )
    scan = report["review_due_scan_ms"]
    print(f"review.due scan over {scan['cases']} open cases: {scan['ms']} ms")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
