"""P1: generate, load (COPY into a real Postgres), read back, index, score and tier a population.

    uv run python services/stratification/bench/bench_population.py --out PATH [--quick] [--size N]

Full run: 1,000,000 people; --quick: 100,000. In the same run the index stage is compared with
pycomorb computing HFRS + Charlson on every person's rows (not a sample), and with a plain
dense-matrix numpy pass of the same arithmetic; pycomorb's results must equal ours person by
person. pycomorb is also timed on smaller random subsets to show how its cost grows with size.
What each timing includes is written into the report (p1_comparisons.TIMINGS_INCLUDE).
"met" needs identical results, ours >= 20x faster than pycomorb with neither side's input
preparation counted (ours still selects the date windows pycomorb is handed), and ours, layout
included, <= 3x the numpy pass; the end-to-end ratio from the same event table (pycomorb's input
preparation and our layout both counted) and CPU-second ratios are reported beside it.
Peak memory is the process's maximum resident set size after each stage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from p1_comparisons import (
    TIMINGS_INCLUDE,
    layout,
    numpy_baseline,
    pycomorb_agrees,
    pycomorb_frames,
    run_pycomorb,
)

from stratification.adapters.population_reader import read_population
from stratification.adapters.population_store import load_synthetic
from stratification.domain.indices import compute_indices
from stratification.domain.indices.code_lookup import code_lookup
from stratification.domain.risk.features import admitted_within_year, build_features
from stratification.domain.risk_model import TrainingWindow, train
from stratification.domain.tiers import TierPolicy, assign_tiers

# The machine is shared: in-memory comparisons report the best of a few runs (all three alike).
REPEAT = 3
PYCOMORB_REPEAT = 3
SCALING_SHARES = (0.1,)
GOAL = (
    "index >= 20x faster than pycomorb (HFRS + Charlson) on every person's rows, each from its "
    "prepared input, with identical results; <= 3x slower than a plain numpy pass (ours counted "
    "with its layout)"
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Stages:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}

    def timed(self, name: str, fn: Any, *args: Any, repeat: int = 1, **kwargs: Any) -> Any:
        """Wall time of a stage; repeatable in-memory stages report the best of `repeat` runs."""
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            result = fn(*args, **kwargs)
            best = min(best, time.perf_counter() - started)
        self.record(name, best)
        return result

    def record(self, name: str, seconds: float) -> None:
        self.seconds[name] = round(seconds, 4)
        self.peak_mb[name] = round(peak_mb(), 1)
        print(f"  {name:<28} {seconds:8.3f} s   peak RSS {self.peak_mb[name]:,.0f} MB", flush=True)


_T0 = time.perf_counter()


def _stamped(line: str) -> None:
    print(f"    [{time.perf_counter() - _T0:6.1f}s] {line}", flush=True)


def score_and_tier(pop: Any) -> tuple[Any, Any, np.ndarray]:
    """As a run does: train on one year, score everyone at the index date."""
    assert pop.last_activity is not None
    index = pop.last_activity + timedelta(days=1)
    train_at = index - timedelta(days=730)
    policy = TierPolicy()
    history = build_features(
        pop.events, birth_date=pop.birth_date, male=pop.male, index_date=train_at
    )
    old = policy.eligible(history.age)
    model = train(
        history.matrix[old],
        admitted_within_year(pop.events, index_date=train_at)[old],
        window=TrainingWindow(
            features_from=train_at - timedelta(days=365),
            index_date=train_at,
            outcome_until=train_at + timedelta(days=365),
        ),
        trained_at=datetime.now(UTC),
    )
    now = build_features(pop.events, birth_date=pop.birth_date, male=pop.male, index_date=index)
    return model, now, policy.eligible(now.age)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="100,000 people instead of 1,000,000")
    parser.add_argument("--size", type=int, default=None, help="override the population size")
    parser.add_argument("--seed", type=int, default=20180815)
    args = parser.parse_args(argv)
    size = args.size or (100_000 if args.quick else 1_000_000)

    from cch_devstack.config import StackConfig
    from cch_devstack.provision import service_database_url
    from cch_devstack.stack import Stack
    from stratification.domain.population import generate_population

    started = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    config = StackConfig(
        home=Path(tempfile.mkdtemp(prefix="cch-bench-p1-")),
        external_database_url=os.environ.get("CCH_TEST_DATABASE_URL"),
        external_kafka=os.environ.get("CCH_TEST_KAFKA_BOOTSTRAP_SERVERS"),
    ).with_free_ports()
    stack = Stack(config)
    print(f"P1: {size:,} people; starting Postgres ...", flush=True)
    stack.start_infrastructure()
    stages = Stages()
    try:
        dsn = service_database_url(config.admin_database_url, "stratification")
        population = stages.timed("generate", generate_population, size=size, seed=args.seed)
        rows = len(population.events)
        stages.timed(
            "load (COPY)",
            asyncio.run,
            load_synthetic(dsn, population, seed=args.seed, progress=_stamped),
        )
        del population

        async def read_back() -> Any:
            import asyncpg

            conn = await asyncpg.connect(dsn)
            try:
                return await read_population(conn)
            finally:
                await conn.close()

        pop = stages.timed("read back (COPY out)", asyncio.run, read_back())
    finally:
        stack.stop()

    assert pop.last_activity is not None
    index_date = pop.last_activity + timedelta(days=1)
    model, now, eligible = stages.timed("score (train + features)", score_and_tier, pop)
    probability = stages.timed("score (apply)", model.score, now.matrix)
    tiers = stages.timed("tier", assign_tiers, probability, eligible, TierPolicy())

    comparison = compare_indices(pop, index_date, stages)
    seconds = stages.seconds
    ours_from_table = seconds["index layout (at load)"] + seconds["index"]
    ratios = {
        # Both from their prepared input, neither counting the preparation.
        "index_speedup_vs_pycomorb": seconds["pycomorb"] / seconds["index"],
        # Both from the same EventTable, everything counted on both sides.
        "index_speedup_vs_pycomorb_end_to_end": (
            seconds["pycomorb input preparation"] + seconds["pycomorb"]
        )
        / ours_from_table,
        # Ours with its layout against pycomorb without its input preparation (the harshest).
        "index_speedup_vs_pycomorb_ours_incl_layout": seconds["pycomorb"] / ours_from_table,
        "index_slowdown_vs_numpy": seconds["index"] / seconds["index (numpy baseline)"],
        "index_slowdown_vs_numpy_incl_layout": ours_from_table / seconds["index (numpy baseline)"],
    }
    results = {
        "people": size,
        "activity_rows": rows,
        "seconds": seconds,
        "peak_rss_mb_after_stage": stages.peak_mb,
        "peak_rss_mb": round(peak_mb(), 1),
        **{name: round(value, 2) for name, value in ratios.items()},
        "index_comparison": comparison,
        "tier_counts": {tier.value: n for tier, n in tiers.counts.items()},
        "load_average_1_5_15min": {
            "start": load_at_start,
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "cpus": os.cpu_count(),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    goals = {
        "pycomorb_agrees_on_every_person": comparison["pycomorb_agrees_on_every_person"],
        # The like-with-like ratio: neither side's input preparation (flattening, code format)
        # is counted, and ours still selects the windows that pycomorb gets done for it.
        "speedup_vs_pycomorb_at_least_20": ratios["index_speedup_vs_pycomorb"] >= 20,
        "slowdown_vs_numpy_incl_layout_at_most_3": (
            ratios["index_slowdown_vs_numpy_incl_layout"] <= 3
        ),
        # Reported, not required: the end-to-end figure depends on how pycomorb's input is built.
        "end_to_end_speedup_vs_pycomorb_at_least_20 (not required)": (
            ratios["index_speedup_vs_pycomorb_end_to_end"] >= 20
        ),
    }
    results["goals"] = goals
    met = all(value for name, value in goals.items() if "not required" not in name)
    report = {"name": "stratification_population_p1", "results": results, "goal": GOAL, "met": met}
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
    return 0


def compare_indices(pop: Any, index_date: date, stages: Stages) -> dict[str, Any]:
    """Ours, the numpy pass and pycomorb on every person's rows, repeats interleaved."""
    events, birth = pop.events, pop.birth_date
    code_lookup(events.codes)  # built once per vocabulary; read by ours and the numpy pass
    started, cpu_started = time.perf_counter(), time.process_time()
    frames = pycomorb_frames(events, index_date, birth, np.arange(pop.size))
    stages.record("pycomorb input preparation", time.perf_counter() - started)
    preparation_cpu = time.process_time() - cpu_started
    contenders: dict[str, tuple[Any, int]] = {
        "index layout (at load)": (lambda: layout(events), REPEAT),
        "index": (
            lambda: compute_indices(events, index_date=index_date, birth_date=birth),
            REPEAT,
        ),
        "index (numpy baseline)": (lambda: numpy_baseline(events, index_date, birth), REPEAT),
        "pycomorb": (lambda: run_pycomorb(*frames), PYCOMORB_REPEAT),
    }
    # Round-robin, so a burst of load on the shared machine hits every contender alike.
    best = dict.fromkeys(contenders, float("inf"))
    best_cpu = dict.fromkeys(contenders, float("inf"))
    outputs: dict[str, Any] = {}
    for round_ in range(REPEAT):
        for name, (run, repeat) in contenders.items():
            if round_ < repeat:
                t0, cpu0 = time.perf_counter(), time.process_time()
                outputs[name] = run()
                best[name] = min(best[name], time.perf_counter() - t0)
                best_cpu[name] = min(best_cpu[name], time.process_time() - cpu0)
    for name, seconds in best.items():
        stages.record(name, seconds)
    ours, baseline = outputs["index"], outputs["index (numpy baseline)"]
    assert np.allclose(baseline[0], ours.hfrs) and np.array_equal(baseline[1], ours.charlson)
    assert ours.charlson_age_adjusted is not None
    agrees = pycomorb_agrees(
        outputs["pycomorb"],
        hfrs=ours.hfrs,
        charlson=ours.charlson,
        adjusted=ours.charlson_age_adjusted,
    )
    input_rows = {
        "events": len(events),
        "ours_admission_diagnoses_all_dates": len(events.diagnoses.admissions.code),
        "ours_register_codes_all_dates": len(events.diagnoses.registers.code),
        "pycomorb_hfrs_frame": frames[0].height,
        "pycomorb_charlson_frame": frames[1].height,
        "note": "each pycomorb frame also holds one null-code row per person",
    }
    return {
        "timings_include": TIMINGS_INCLUDE,
        "input_rows": input_rows,
        "repeats": (
            f"best of {REPEAT} for ours and the numpy pass, best of {PYCOMORB_REPEAT} for "
            "pycomorb, interleaved round-robin in the same process, after the pipeline stages"
        ),
        "threads": "ours and the numpy pass use one core; pycomorb (polars) may use every core",
        "cpu_seconds_best": {
            "pycomorb input preparation (once)": round(preparation_cpu, 4),
            **{name: round(value, 4) for name, value in best_cpu.items()},
        },
        # CPU seconds count the work on every core, so they shift less with the machine's load.
        "cpu_speedup_vs_pycomorb": round(best_cpu["pycomorb"] / best_cpu["index"], 1),
        "cpu_speedup_vs_pycomorb_end_to_end": round(
            (preparation_cpu + best_cpu["pycomorb"])
            / (best_cpu["index layout (at load)"] + best_cpu["index"]),
            1,
        ),
        "pycomorb_agrees_on_every_person": agrees,
        "pycomorb_scaling": pycomorb_scaling(pop, index_date),
    }


def pycomorb_scaling(pop: Any, index_date: date) -> list[dict[str, float]]:
    """pycomorb on random subsets: seconds per million people at each size, to show the trend."""
    rows = []
    for share in SCALING_SHARES:
        n = max(1, int(pop.size * share))
        people = np.sort(np.random.default_rng(1).choice(pop.size, size=n, replace=False))
        frames = pycomorb_frames(pop.events, index_date, pop.birth_date, people)
        best = float("inf")
        for _ in range(PYCOMORB_REPEAT):
            t0 = time.perf_counter()
            run_pycomorb(*frames)
            best = min(best, time.perf_counter() - t0)
        rows.append(
            {
                "people": n,
                "seconds": round(best, 3),
                "seconds_per_million_people": round(best * 1_000_000 / n, 2),
            }
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
