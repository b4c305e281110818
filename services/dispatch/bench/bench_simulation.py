"""P6: 2-hour compliance, engine vs closest-idle vs least-slack, 1x and 5x demand, same roster.

Run: PYTHONPATH=services/dispatch/src python services/dispatch/bench/bench_simulation.py \\
         --out bench/results/dispatch_simulation.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from dispatch.simulation.comparison import as_dicts, compare, table
from dispatch.simulation.gazetteer import shropshire_gazetteer
from dispatch.simulation.roster_plan import DEFAULT_ROSTER, TIGHT_ROSTER


def main(argv: list[str] | None = None) -> int:
    """Run each scale on the default roster (and 1x on the tight one); print and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--no-tight", action="store_true", help="skip the tight-roster run")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    gazetteer = shropshire_gazetteer()
    runs: list[dict[str, Any]] = []
    plan = [(DEFAULT_ROSTER, s) for s in args.scales]
    if not args.no_tight:
        plan.append((TIGHT_ROSTER, 1.0))
    for roster, scale in plan:
        started = time.perf_counter()
        results = compare(
            scale=scale, days=args.days, seed=args.seed, roster=roster, gazetteer=gazetteer
        )
        seconds = time.perf_counter() - started
        print(
            table(
                results,
                title=f"{roster.name}, {scale:g}x demand, {args.days} days, "
                f"seed {args.seed} ({seconds:.1f} s)",
            )
        )
        print()
        runs.append(
            {
                "roster": roster.name,
                "roster_shifts": roster.describe(),
                "scale": scale,
                "days": args.days,
                "seed": args.seed,
                "seconds": round(seconds, 2),
                "results": as_dicts(results),
            }
        )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {"benchmark": "dispatch.simulation", "postcodes": gazetteer.source, "runs": runs},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
