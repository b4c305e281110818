"""The rows `python -m bench` prints for P3."""

from __future__ import annotations

from typing import Any

from bench.pipeline.options import (
    LATENCY_GOAL_S,
    RATIO_GOAL,
    THROUGHPUT_RUNS,
)
from bench.report import Metric


def _cpu(r: dict[str, Any]) -> str:
    """Cores busy while the figure was timed, where the run says; else over the whole run."""
    cpu = r.get("cpu_cores_used_timed") or r.get("cpu_cores_used") or {}
    names = {"bench_python": "python", "postgres": "pg", "broker": "broker", "other": "other"}
    return " ".join(f"{names.get(k, k)} {v:.2f}" for k, v in cpu.items())


def _best_of(r: dict[str, Any]) -> str:
    rounds = r.get("rounds_events_per_s") or []
    return f", best of {len(rounds)}" if len(rounds) > 1 else ""


def _cpu_rows(r: dict[str, Any], g: str) -> list[Metric]:
    rows = []
    if "python_cpu_us_per_event" in r:
        rows.append(Metric("  python CPU per event", r["python_cpu_us_per_event"], "us", group=g))
    rows.append(Metric("  CPU cores used", _cpu(r), "cores", group=g))
    return rows


def metrics(result: dict[str, Any]) -> list[Metric]:
    g = "pipeline (P3)"
    goal_ratio = f">= {RATIO_GOAL:.0%} of raw"
    goal_p99 = f"< {LATENCY_GOAL_S:g} s"
    out: list[Metric] = []
    for key, error in (result.get("errors") or {}).items():
        out.append(Metric(f"{key}: FAILED", error.splitlines()[0][:70], group=g))
    raw = result.get("raw")
    if raw:
        out.append(
            Metric(
                f"raw aiokafka produce+consume ({raw['events']:,} ev{_best_of(raw)})",
                raw["events_per_s"],
                "events/s",
                group=g,
            )
        )
        out += _cpu_rows(raw, g)
    for key in THROUGHPUT_RUNS:
        r = result.get(key)
        if not r:
            continue
        per_txn = r["events_per_transaction"]
        writers = r["concurrent_writers"]
        who = f"{writers} writer{'s' if writers > 1 else ''}"
        handler = r.get("consumer_handler", "per-event")
        label = r.get("label") or f"pipeline, {per_txn} ev/txn, {who}, {handler} handler"
        out.append(
            Metric(
                f"{label} ({r['events']:,} ev{_best_of(r)})",
                r["events_per_s"],
                "events/s",
                group=g,
            )
        )
        if "ratio_to_raw" in r:
            out.append(
                Metric(
                    f"  ratio pipeline/raw ({key.removeprefix('pipeline_')})",
                    round(r["ratio_to_raw"] * 100, 1),
                    "%",
                    goal_ratio,
                    r["ratio_to_raw"] >= RATIO_GOAL,
                    group=g,
                )
            )
        out += _cpu_rows(r, g)
    lat = result.get("latency")
    if lat:
        e2e = lat["end_to_end_s"]
        out += [
            Metric(
                f"latency run: achieved rate (target {lat['target_events_per_s']:,.0f}/s, "
                f"{lat['target_seconds']:g} s, 1 ev/txn)",
                lat["achieved_events_per_s"],
                "events/s",
                f">= {lat['target_events_per_s'] * 0.95:,.0f}/s",
                lat["achieved_events_per_s"] >= lat["target_events_per_s"] * 0.95,
                group=g,
            ),
            Metric("  end-to-end latency p50", e2e["p50"] * 1000, "ms", group=g),
            Metric("  end-to-end latency p95", e2e["p95"] * 1000, "ms", group=g),
            Metric(
                "  end-to-end latency p99",
                e2e["p99"] * 1000,
                "ms",
                goal_p99,
                e2e["p99"] < LATENCY_GOAL_S,
                group=g,
            ),
            Metric("  end-to-end latency max", e2e["max"] * 1000, "ms", group=g),
            Metric(
                "  of which commit -> published p99",
                lat["sent_to_published_s"]["p99"] * 1000,
                "ms",
                group=g,
            ),
            Metric(
                "  of which published -> applied p99",
                lat["published_to_applied_s"]["p99"] * 1000,
                "ms",
                group=g,
            ),
            Metric("  CPU cores used", _cpu(lat), "cores", group=g),
        ]
    low = result.get("latency_low_rate")
    if low:
        e2e = low["end_to_end_s"]
        out += [
            Metric(
                f"latency run at {low['target_events_per_s']:,.0f}/s ({low['target_seconds']:g} s):"
                " achieved",
                low["achieved_events_per_s"],
                "events/s",
                group=g,
            ),
            Metric("  end-to-end latency p50", e2e["p50"] * 1000, "ms", group=g),
            Metric(
                "  end-to-end latency p99",
                e2e["p99"] * 1000,
                "ms",
                goal_p99,
                e2e["p99"] < LATENCY_GOAL_S,
                group=g,
            ),
            Metric("  end-to-end latency max", e2e["max"] * 1000, "ms", group=g),
            Metric(
                "  of which published -> applied p50",
                low["published_to_applied_s"]["p50"] * 1000,
                "ms",
                group=g,
            ),
        ]
    spo = result.get("sporadic")
    if spo:
        out += [
            Metric(
                f"sporadic pairs ({spo['pairs']} pairs, 0-14 ms apart): end-to-end max",
                spo["end_to_end_s"]["max"] * 1000,
                "ms",
                goal_p99,
                spo["end_to_end_s"]["max"] < LATENCY_GOAL_S,
                group=g,
            ),
            Metric(
                "  events that waited >= 500 ms for the relay",
                f"{spo['events_published_after_500ms']} of {spo['events']}",
                group=g,
            ),
        ]
    return out
