"""The summary table (name, value, unit, goal, met?) and the JSON results files."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Metric:
    """One line of the summary: a measured figure and, where the platform has one, its goal."""

    name: str
    value: float | str | None
    unit: str = ""
    goal: str | None = None  # human-readable, e.g. "≥ 50% of raw"
    met: bool | None = None  # None when there is no goal (or nothing was measured)
    group: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(value: float | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _met(m: Metric) -> str:
    if m.met is None:
        return "" if m.goal is None else "n/a"
    return "yes" if m.met else "NO"


def table(metrics: list[Metric], *, max_value_width: int = 24) -> str:
    """A plain-text table, grouped in the order the metrics were recorded. Long text values
    (errors, CPU breakdowns) are printed after the name without stretching the value column."""
    header = ("benchmark", "value", "unit", "goal", "met?")
    rows = [(m.name, _fmt(m.value), m.unit, m.goal or "", _met(m)) for m in metrics]
    fits = [r for r in rows if len(r[1]) <= max_value_width]
    widths = [max(len(r[i]) for r in [header, *fits]) for i in range(5)]

    def line(r: tuple[str, ...]) -> str:
        if len(r[1]) > max_value_width:
            return f"{r[0].ljust(widths[0])}  {r[1]} {r[2]}".rstrip()
        cells = [c.rjust(widths[i]) if i == 1 else c.ljust(widths[i]) for i, c in enumerate(r)]
        return "  ".join(cells).rstrip()

    out = [line(header), line(tuple("-" * w for w in widths))]
    group = None
    for m, r in zip(metrics, rows, strict=True):
        if group is not None and m.group != group:
            out.append("")
        group = m.group
        out.append(line(r))
    return "\n".join(out)


def utc_stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | tuple):
        return list(obj)
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    return repr(obj)


def write_results(results: dict[str, Any], *, directory: Path = RESULTS_DIR) -> Path:
    """bench/results/<UTC timestamp>.json and a copy as latest.json; returns the first."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, default=_default, ensure_ascii=False) + "\n"
    path = directory / f"{results.get('run_id') or utc_stamp()}.json"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path
