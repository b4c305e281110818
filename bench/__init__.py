"""Benchmarks behind `make bench`: pipeline throughput and latency, start-up, per-service scripts.

Run `uv run --frozen python -m bench [--quick] [--only pipeline,startup,services]`; results go to
bench/results/<UTC timestamp>.json and bench/results/latest.json.
"""
