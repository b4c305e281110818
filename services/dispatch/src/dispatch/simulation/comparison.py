"""The engine and the baselines on the same year of referrals, side by side."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from dispatch.domain.assignment import AssignmentEngine
from dispatch.domain.baselines import ClosestIdle, LeastSlack
from dispatch.domain.compliance import figures
from dispatch.domain.coverage import CoverageOutlook
from dispatch.domain.proposals import Dispatcher
from dispatch.domain.sla import NATIONAL_TARGET
from dispatch.domain.travel import CountyRoadTravel
from dispatch.simulation.county import CountySimulation, SimulationOutcome
from dispatch.simulation.demand import CrisisReferral, DemandModel, generate_referrals
from dispatch.simulation.gazetteer import Gazetteer, shropshire_gazetteer
from dispatch.simulation.roster_plan import COUNTY_ROSTER, RosterPlan


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """One policy's compliance over the simulated period."""

    policy: str
    referrals: int
    counted: int
    pct_within_120: float
    mean_min: float
    median_min: float
    p90_min: float
    breaches: int
    handover_releases: int
    escalated_unreached: int
    decision_p50_ms: float
    decision_p99_ms: float
    decisions: int
    wall_seconds: float


def outlook_for(demand: DemandModel, gazetteer: Gazetteer, points: int = 200) -> CoverageOutlook:
    """What a service would know from history: where people live and the hourly referral rate."""
    rng = np.random.default_rng(20_240_401)  # fixed: the outlook is not this year's referrals
    pick = rng.choice(len(gazetteer), size=min(points, len(gazetteer)), replace=False)
    hourly = [
        60.0 * float(np.mean([demand.rate_per_min(d * 1440.0 + h * 60.0) for d in range(7)]))
        for h in range(24)
    ]
    return CoverageOutlook(
        easting=gazetteer.easting[pick],
        northing=gazetteer.northing[pick],
        weight=np.ones(pick.size, dtype=np.float64),
        hourly_rate=hourly,
    )


def policies(
    travel: CountyRoadTravel | None = None, outlook: CoverageOutlook | None = None
) -> list[Dispatcher]:
    """The engine first, then the two baselines."""
    travel = travel or CountyRoadTravel()
    return [
        AssignmentEngine(travel=travel, coverage=outlook),
        ClosestIdle(travel=travel),
        LeastSlack(travel=travel),
    ]


def summarise(outcome: SimulationOutcome) -> PolicyResult:
    """Turn a run into the compliance row."""
    f = figures(outcome.records(), as_of=outcome.as_of)
    decisions = np.asarray(outcome.decision_seconds, dtype=np.float64) * 1000.0
    return PolicyResult(
        policy=outcome.policy,
        referrals=len(outcome.referrals),
        counted=f.counted,
        pct_within_120=round(f.pct_within or 0.0, 2),
        mean_min=round(f.mean_min or 0.0, 1),
        median_min=round(f.median_min or 0.0, 1),
        p90_min=round(f.p90_min or 0.0, 1),
        breaches=len(f.breaches),
        handover_releases=outcome.released_at_handover,
        escalated_unreached=outcome.escalated,
        decision_p50_ms=round(float(np.percentile(decisions, 50)), 3) if decisions.size else 0.0,
        decision_p99_ms=round(float(np.percentile(decisions, 99)), 3) if decisions.size else 0.0,
        decisions=int(decisions.size),
        wall_seconds=round(outcome.wall_seconds, 2),
    )


def compare(
    *,
    scale: float,
    days: int,
    seed: int,
    roster: RosterPlan = COUNTY_ROSTER,
    gazetteer: Gazetteer | None = None,
    dispatchers: list[Dispatcher] | None = None,
    workers: int = 1,
    progress: Callable[[float], None] | None = None,
) -> list[PolicyResult]:
    """Every policy replays exactly the same referrals (same seed), so differences are policy.

    With `workers` > 1 the policies run in separate processes (each run is independent).
    `progress` (one process only) hears the share of the whole comparison done so far.
    """
    gazetteer = gazetteer or shropshire_gazetteer()
    demand = DemandModel(scale=scale)
    referrals = generate_referrals(demand, gazetteer, days=days, seed=seed)
    chosen = dispatchers or policies()
    if workers <= 1:
        return [
            _run(referrals, roster, policy, days, _share(progress, i, len(chosen)))
            for i, policy in enumerate(chosen)
        ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run, referrals, roster, policy, days) for policy in chosen]
        return [f.result() for f in futures]


def compare_scales(
    *,
    scales: list[float],
    days: int,
    seed: int,
    roster: RosterPlan = COUNTY_ROSTER,
    gazetteer: Gazetteer | None = None,
    workers: int = 1,
) -> dict[float, list[PolicyResult]]:
    """Several demand levels on one roster, every (scale, policy) run sharing one process pool."""
    gazetteer = gazetteer or shropshire_gazetteer()
    streams = {
        s: generate_referrals(DemandModel(scale=s), gazetteer, days=days, seed=seed) for s in scales
    }
    jobs = [(s, policy) for s in scales for policy in policies()]
    if workers <= 1:
        rows = [_run(streams[s], roster, policy, days) for s, policy in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            # Longest first (highest demand, the engine) so the pool finishes together.
            order = sorted(range(len(jobs)), key=lambda i: -jobs[i][0])
            futures = {
                i: pool.submit(_run, streams[jobs[i][0]], roster, jobs[i][1], days) for i in order
            }
            rows = [futures[i].result() for i in range(len(jobs))]
    out: dict[float, list[PolicyResult]] = {s: [] for s in scales}
    for (s, _), row in zip(jobs, rows, strict=True):
        out[s].append(row)
    return out


def _share(
    progress: Callable[[float], None] | None, index: int, total: int
) -> Callable[[float], None] | None:
    """One policy's progress as a share of the whole comparison."""
    if progress is None:
        return None
    report = progress
    return lambda done: report((index + done) / total)


def _run(
    referrals: list[CrisisReferral],
    roster: RosterPlan,
    policy: Dispatcher,
    days: int,
    progress: Callable[[float], None] | None = None,
) -> PolicyResult:
    return summarise(CountySimulation(referrals, roster, policy, days=days).run(progress))


def table(results: list[PolicyResult], *, title: str) -> str:
    """Plain-text table for the terminal."""
    head = (
        f"{'policy':<13}{'referrals':>10}{'% <=120':>9}{'mean':>7}{'median':>8}{'p90':>7}"
        f"{'breaches':>9}{'escal':>7}{'p50 ms':>8}{'p99 ms':>8}{'run s':>7}"
    )
    lines = [title, head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r.policy:<13}{r.referrals:>10}{r.pct_within_120:>9.1f}{r.mean_min:>7.1f}"
            f"{r.median_min:>8.1f}{r.p90_min:>7.1f}{r.breaches:>9}{r.escalated_unreached:>7}"
            f"{r.decision_p50_ms:>8.2f}"
            f"{r.decision_p99_ms:>8.2f}{r.wall_seconds:>7.1f}"
        )
    lines.append(f"(national target >= {NATIONAL_TARGET:.0%}; England 2024-25 ~84.5%; best ~98%)")
    return "\n".join(lines)


def as_dicts(results: list[PolicyResult]) -> list[dict[str, object]]:
    """JSON-ready rows."""
    return [asdict(r) for r in results]
