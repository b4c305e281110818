"""One county simulation asked for over the API, run in a child process of its own.

The simulation is CPU-bound for seconds to minutes; a separate process keeps the service's event
loop (and the board) responsive, and the parent can stop it outright.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from typing import Any

from dispatch.domain.baselines import CLOSEST_IDLE, LEAST_SLACK
from dispatch.domain.proposals import Dispatcher
from dispatch.simulation.comparison import as_dicts, compare, policies, table
from dispatch.simulation.gazetteer import shropshire_gazetteer
from dispatch.simulation.roster_plan import ROSTERS

ENGINE = "engine"
POLICY_NAMES: tuple[str, ...] = (ENGINE, CLOSEST_IDLE, LEAST_SLACK)
# Progress messages at most this often: enough for a progress bar, not a flood.
PROGRESS_EVERY_S = 0.25


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """What to simulate: demand multiple, period, seed, rota and the policies to compare."""

    scale: float
    days: int
    seed: int
    roster: str
    policies: tuple[str, ...] = POLICY_NAMES

    def __post_init__(self) -> None:
        if self.roster not in ROSTERS:
            raise ValueError(f"unknown roster {self.roster}")
        unknown = set(self.policies) - set(POLICY_NAMES)
        if unknown or not self.policies:
            raise ValueError(f"policies must be among {', '.join(POLICY_NAMES)}")

    def as_json(self) -> dict[str, Any]:
        """For the child process and the stored row."""
        return {**asdict(self), "policies": list(self.policies)}

    @classmethod
    def of(cls, data: dict[str, Any]) -> SimulationSpec:
        """Back from `as_json`."""
        return cls(**{**data, "policies": tuple(data["policies"])})


def dispatchers_for(names: tuple[str, ...]) -> list[Dispatcher]:
    """The named policies, in the order asked for."""
    by_name = {p.name: p for p in policies()}
    return [by_name[n] for n in names]


def simulate(spec: SimulationSpec, progress: Any = None) -> dict[str, Any]:
    """The same comparison the CLI prints, as JSON: one row per policy and the table text."""
    started = time.perf_counter()
    roster = ROSTERS[spec.roster]
    results = compare(
        scale=spec.scale,
        days=spec.days,
        seed=spec.seed,
        roster=roster,
        gazetteer=shropshire_gazetteer(),
        dispatchers=dispatchers_for(spec.policies),
        progress=progress,
    )
    elapsed = time.perf_counter() - started
    title = f"scale {spec.scale:g}x, {spec.days} days, seed {spec.seed} ({elapsed:.1f} s)"
    return {
        "results": as_dicts(results),
        "table": table(results, title=title),
        "roster": roster.describe(),
        "seconds": round(elapsed, 2),
    }


def run_in_child(spec_json: dict[str, Any], conn: Connection) -> None:
    """Child process entry: ("progress", share)... then ("done", result) or ("failed", why)."""
    last = 0.0

    def progress(done: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            conn.send(("progress", round(done, 4)))

    try:
        conn.send(("done", simulate(SimulationSpec.of(spec_json), progress)))
    except Exception as exc:  # the parent records why; the process ends either way
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
