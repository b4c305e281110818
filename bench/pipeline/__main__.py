"""`python -m bench.pipeline [--quick]`: P3 alone, on its own embedded infrastructure."""

import sys

from bench.__main__ import main

if __name__ == "__main__":
    raise SystemExit(main(["--only", "pipeline", *sys.argv[1:]]))
