"""The assignment benchmark still runs (tiny sizes), so it cannot rot unnoticed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_assignment.py"


def test_assignment_benchmark_reports_percentiles_as_json(tmp_path):
    spec = importlib.util.spec_from_file_location("caseload_bench_assignment", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    assert (
        bench.main(
            ["--managers", "30", "--open-cases", "300", "--decisions", "50", "--out", str(out)]
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert report["state"]["managers"] == 30 and report["state"]["open_cases"] == 300
    assert report["results"]["decide"]["p99_us"] >= report["results"]["decide"]["p50_us"] > 0
