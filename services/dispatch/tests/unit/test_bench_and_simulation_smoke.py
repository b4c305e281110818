"""Benchmarks and the county simulation still run at tiny sizes, so they cannot rot unnoticed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"dispatch_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_assignment_benchmark_reports_percentiles_as_json(tmp_path):
    out = tmp_path / "p5.json"
    bench = load("bench_assignment")
    assert (
        bench.main(
            ["--requests", "20", "--clinicians", "10", "--decisions", "5", "--out", str(out)]
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert report["state"] == {"open_requests": 20, "clinicians": 10}
    assert report["results"]["engine"]["p99_ms"] >= report["results"]["engine"]["p50_ms"] > 0


def test_every_policy_replays_the_same_referrals_and_meets_most_within_two_hours():
    pytest.importorskip("simpy")
    from dispatch.simulation.comparison import compare, table
    from dispatch.simulation.gazetteer import synthetic_gazetteer

    results = compare(scale=1, days=14, seed=3, gazetteer=synthetic_gazetteer(2_000))
    assert [r.policy for r in results] == ["engine", "closest-idle", "least-slack"]
    assert len({r.referrals for r in results}) == 1 and results[0].referrals > 50
    assert all(r.pct_within_120 > 70 for r in results)
    assert "engine" in table(results, title="smoke")


def test_referrals_follow_the_diurnal_profile_and_the_annual_rate():
    from dispatch.simulation.demand import DemandModel, generate_referrals
    from dispatch.simulation.gazetteer import synthetic_gazetteer

    referrals = generate_referrals(
        DemandModel(scale=2), synthetic_gazetteer(1_000), days=91, seed=5
    )
    expected = 2_845 * 2 * 91 / 365
    assert abs(len(referrals) - expected) < 4 * expected**0.5
    hours = [int(r.received_min // 60) % 24 for r in referrals]
    day = sum(1 for h in hours if 9 <= h < 17)
    night = sum(1 for h in hours if h < 6)
    assert day > 5 * night


def test_simulation_benchmark_writes_the_side_by_side_table_and_the_goal(tmp_path):
    pytest.importorskip("simpy")
    out = tmp_path / "p6.json"
    bench = load("bench_simulation")
    assert bench.main(["--days", "4", "--scales", "1", "--workers", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["runs"][0]["roster"] == "county-localities-10"
    assert [r["policy"] for r in report["runs"][0]["results"]] == [
        "engine",
        "closest-idle",
        "least-slack",
    ]
    assert report["met"] is False  # one scale alone cannot meet a goal that compares 1x and 5x
