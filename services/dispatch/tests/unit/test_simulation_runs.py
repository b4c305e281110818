"""A simulation asked for over the API gives the same figures as the CLI, with progress."""

from __future__ import annotations

import multiprocessing

import pytest

from dispatch.simulation.comparison import as_dicts, compare
from dispatch.simulation.roster_plan import COUNTY_ROSTER
from dispatch.simulation.runs import POLICY_NAMES, SimulationSpec, run_in_child, simulate


def test_day_by_day_with_progress_gives_exactly_the_figures_of_one_run():
    heard: list[float] = []
    stepped = compare(scale=3, days=3, seed=11, progress=heard.append)
    whole = compare(scale=3, days=3, seed=11)
    strip = ("wall_seconds", "decision_p50_ms", "decision_p99_ms")
    assert [{k: v for k, v in r.items() if k not in strip} for r in as_dicts(stepped)] == [
        {k: v for k, v in r.items() if k not in strip} for r in as_dicts(whole)
    ]
    assert heard == sorted(heard) and heard[0] > 0 and heard[-1] == pytest.approx(1.0)


def test_a_spec_runs_the_policies_asked_for_in_that_order():
    spec = SimulationSpec(
        scale=2, days=2, seed=4, roster=COUNTY_ROSTER.name, policies=("least-slack", "engine")
    )
    out = simulate(spec)
    assert [r["policy"] for r in out["results"]] == ["least-slack", "engine"]
    assert "least-slack" in out["table"] and out["seconds"] >= 0


@pytest.mark.parametrize(
    "bad",
    [
        {"roster": "nowhere"},
        {"policies": ()},
        {"policies": ("engine", "coin-toss")},
    ],
)
def test_a_spec_with_an_unknown_roster_or_policy_is_refused(bad):
    with pytest.raises(ValueError, match=r"roster|policies"):
        SimulationSpec(**{"scale": 1, "days": 1, "seed": 1, "roster": COUNTY_ROSTER.name, **bad})


def test_the_child_process_sends_progress_then_the_result():
    receive, send = multiprocessing.Pipe(duplex=False)
    spec = SimulationSpec(scale=1, days=1, seed=2, roster=COUNTY_ROSTER.name)
    run_in_child(spec.as_json(), send)
    messages = []
    while receive.poll():
        try:
            messages.append(receive.recv())
        except EOFError:  # the child closes its end once it has said how it ended
            break
    assert messages[-1][0] == "done"
    assert [r["policy"] for r in messages[-1][1]["results"]] == list(POLICY_NAMES)
    assert all(kind == "progress" for kind, _ in messages[:-1])
