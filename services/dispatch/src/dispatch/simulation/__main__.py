"""`python -m dispatch.simulation --scale 1 --days 365 --seed 1`: compliance table per policy."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from dispatch.simulation.comparison import as_dicts, compare, table
from dispatch.simulation.gazetteer import shropshire_gazetteer
from dispatch.simulation.roster_plan import COUNTY_ROSTER, ROSTERS


def main(argv: list[str] | None = None) -> int:
    """Parse, simulate, print; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="demand x 2,845 referrals/year")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--roster", choices=sorted(ROSTERS), default=COUNTY_ROSTER.name)
    parser.add_argument("--out", type=Path, default=None, help="write results as JSON here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    gazetteer = shropshire_gazetteer()
    roster = ROSTERS[args.roster]
    results = compare(
        scale=args.scale, days=args.days, seed=args.seed, roster=roster, gazetteer=gazetteer
    )
    elapsed = time.perf_counter() - started
    print(f"roster {roster.name}: {roster.describe()}")
    print(f"homes: {len(gazetteer)} postcodes from {gazetteer.source}")
    title = f"scale {args.scale:g}x, {args.days} days, seed {args.seed} ({elapsed:.1f} s)"
    print(table(results, title=title))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "scale": args.scale,
            "days": args.days,
            "seed": args.seed,
            "seconds": round(elapsed, 2),
            "results": as_dicts(results),
        }
        args.out.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
