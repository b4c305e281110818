"""`python -m stratification.entrypoints.modelling [--synthetic N]`: print the modelling tables."""

import argparse
import json

from stratification.domain.population import generate_population
from stratification.service_layer.modelling import as_json, population_model, seed_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--synthetic",
        type=int,
        default=0,
        help="model a synthetic county of this size instead of the seed inputs",
    )
    parser.add_argument("--seed", type=int, default=20180815)
    args = parser.parse_args(argv)
    model = (
        population_model(generate_population(size=args.synthetic, seed=args.seed))
        if args.synthetic
        else seed_model()
    )
    print(json.dumps(as_json(model), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
