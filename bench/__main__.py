"""`make bench`: start the embedded infrastructure once, run every benchmark, write the results.

    uv run --frozen python -m bench [--quick] [--only pipeline,startup,services]

Results: bench/results/<UTC timestamp>.json and bench/results/latest.json; a summary table is
printed at the end. Per-service scripts (services/*/bench/bench_*.py) each run as a subprocess
with the workspace Python and `--out PATH` (plus `--quick` under --quick, if they declare it),
with CCH_BENCH_QUICK=1 under --quick and CCH_BENCH_DATABASE_URL / CCH_BENCH_KAFKA_BOOTSTRAP_SERVERS
pointing at the embedded infrastructure; one failing or timing out never stops the others.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import Metric, table, utc_stamp, write_results

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = ("pipeline", "startup", "services")
log = logging.getLogger("bench")


class Infrastructure:
    """The embedded Postgres and Tansu broker, on free ports in a temporary folder."""

    def __init__(self) -> None:
        from cch_devstack.config import StackConfig
        from cch_devstack.stack import Stack

        self.home = Path(tempfile.mkdtemp(prefix="cch-bench-"))
        self.stack = Stack(StackConfig(home=self.home).with_free_ports())
        self.started = False

    def start(self) -> float:
        t0 = time.perf_counter()
        self.started = True  # so stop() cleans up even after a partial start
        self.stack.start_infrastructure()
        return time.perf_counter() - t0

    @property
    def admin_url(self) -> str:
        return self.stack.config.admin_database_url

    @property
    def bootstrap(self) -> str:
        return self.stack.config.bootstrap_servers

    def pids(self) -> dict[str, int]:
        """Postmaster and broker process ids, for CPU accounting."""
        pids: dict[str, int] = {}
        pg, broker = self.stack.postgres, self.stack.broker
        if pg is not None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                pids["postgres"] = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
        if broker is not None and broker.process is not None:
            pids["broker"] = broker.process.pid
        return pids

    def stop(self) -> None:
        import shutil

        if self.started:
            self.stack.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def discover_service_scripts() -> list[Path]:
    return sorted(REPO.glob("services/*/bench/bench_*.py"))


def run_service_scripts(
    *, quick: bool, timeout_s: float, infra: Infrastructure | None
) -> list[dict[str, Any]]:
    results = []
    scripts = discover_service_scripts()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if quick:
        env["CCH_BENCH_QUICK"] = "1"  # scripts may use it to shrink their runs
    if infra is not None and infra.started:  # for scripts that want the real infrastructure
        env["CCH_BENCH_DATABASE_URL"] = infra.admin_url
        env["CCH_BENCH_KAFKA_BOOTSTRAP_SERVERS"] = infra.bootstrap
    with tempfile.TemporaryDirectory(prefix="cch-bench-svc-") as tmp:
        for script in scripts:
            rel = script.relative_to(REPO)
            name = f"{rel.parts[1]}/{script.stem}"
            out_path = Path(tmp) / f"{rel.parts[1]}-{script.stem}.json"
            entry: dict[str, Any] = {"name": name, "script": str(rel)}
            print(f"  services: {name} ...", flush=True)
            t0 = time.perf_counter()
            try:
                cmd = [sys.executable, str(script), "--out", str(out_path)]
                if quick and _accepts_quick(script):
                    cmd.append("--quick")
                entry["command"] = " ".join([Path(sys.executable).name, *cmd[1:]])
                proc = subprocess.run(
                    cmd,
                    cwd=REPO,
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=timeout_s,
                    check=False,
                )
                entry["exit_code"] = proc.returncode
                if proc.returncode != 0:
                    entry["error"] = _tail(proc.stderr or proc.stdout)
            except subprocess.TimeoutExpired as exc:
                entry["exit_code"] = None
                entry["error"] = f"timed out after {timeout_s:.0f}s"
                entry["output_tail"] = _tail(_text(exc.stdout) + _text(exc.stderr))
            except OSError as exc:
                entry["exit_code"] = None
                entry["error"] = f"could not start: {exc}"
            entry["seconds"] = round(time.perf_counter() - t0, 2)
            if entry.get("exit_code") == 0:
                try:
                    entry["result"] = json.loads(out_path.read_text())
                except (OSError, ValueError) as exc:
                    entry["error"] = f"exited 0 but wrote no valid JSON to --out: {exc}"
            entry["ok"] = "error" not in entry
            results.append(entry)
    return results


def _accepts_quick(script: Path) -> bool:
    """Scripts that declare a --quick option get it under --quick (all get CCH_BENCH_QUICK=1)."""
    try:
        return '"--quick"' in script.read_text()
    except OSError:
        return False


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


HEADLINE_KEYS = ("ratio", "speedup", "per_s", "p99", "pct_within_120")


def _is_headline(key: str) -> bool:
    words = f"_{key.replace(' ', '_')}_"
    return any(f"_{h}_" in words or words.endswith(f"_{h}_") for h in HEADLINE_KEYS) or any(
        f"_{h}" in words for h in ("p99_", "per_s_", "speedup_")
    )


def _headlines(prefix: str, node: Any, depth: int = 0) -> list[tuple[str, float]]:
    """The figures a reader looks for first (ratios, rates, p99s, compliance) in a result."""
    found: list[tuple[str, float]] = []
    if isinstance(node, dict) and depth < 6:
        label = node.get("policy")
        for key, value in node.items():
            name = f"{prefix}{label or ''} {key}".strip() if label else f"{prefix}{key}"
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float) and _is_headline(key):
                found.append((name, float(value)))
            elif isinstance(value, dict | list):
                found += _headlines(f"{prefix}{key}: " if not label else prefix, value, depth + 1)
    elif isinstance(node, list) and depth < 6:
        for item in node:
            scale = item.get("scale") if isinstance(item, dict) else None
            found += _headlines(f"{prefix}{scale}x " if scale else prefix, item, depth + 1)
    return found


def service_metrics(entries: list[dict[str, Any]]) -> list[Metric]:
    g = "service scripts"
    if not entries:
        return [Metric("services/*/bench/bench_*.py", "none found", group=g)]
    metrics: list[Metric] = []
    for e in entries:
        result = e.get("result") or {}
        metrics.append(
            Metric(
                f"{e['name']} "
                f"({'ok' if e['ok'] else 'FAILED: ' + e['error'].splitlines()[-1][:60]})",
                e["seconds"],
                "s",
                goal=str(result["goal"])[:60] if result.get("goal") else None,
                met=result.get("met") if isinstance(result.get("met"), bool) else None,
                group=g,
            )
        )
        body = {k: v for k, v in result.items() if k not in ("goal", "met", "name", "results")}
        body.update(result.get("results") if isinstance(result.get("results"), dict) else {})
        metrics += [
            Metric(f"  {name}"[:64], round(value, 3), group=g)
            for name, value in _headlines("", body)[:14]
        ]
    return metrics


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return None
    commit = out.stdout.strip() or None
    return f"{commit}+dirty" if commit and dirty.stdout.strip() else commit


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated subset of {','.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument(
        "--service-timeout", type=float, default=600, help="seconds per service script"
    )
    parser.add_argument(
        "--startup-timeout", type=float, default=900, help="seconds per cch-stack run"
    )
    parser.add_argument(
        "--seed-population",
        type=int,
        default=None,
        help="CCH_SEED_POPULATION for the start-up runs (default: make run's own; --quick: 20,000)",
    )
    parser.add_argument("--results-dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    chosen = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
    args.only = [b for b in BENCHMARKS if b in chosen]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("bench").setLevel(logging.INFO)
    started = datetime.now(UTC)
    t_start = time.perf_counter()
    results: dict[str, Any] = {
        "run_id": utc_stamp(started),
        "started_at": started.isoformat(),
        "quick": args.quick,
        "benchmarks": args.only,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_start": [round(x, 2) for x in os.getloadavg()],
        },
        "commit": _git_commit(),
        "errors": {},
    }
    metrics: list[Metric] = []
    infra: Infrastructure | None = None

    def attempt(name: str, body: Callable[[], list[Metric]]) -> None:
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            metrics.extend(body())
        except Exception as exc:  # one benchmark failing never stops the others
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
            results.setdefault("tracebacks", {})[name] = traceback.format_exc()
            metrics.append(
                Metric(f"{name}: FAILED ({type(exc).__name__})", str(exc)[:60], group=name)
            )
            print(traceback.format_exc(), file=sys.stderr, flush=True)
        results.setdefault("durations_s", {})[name] = round(time.perf_counter() - t0, 1)

    try:
        if "pipeline" in args.only or "services" in args.only:
            infra = Infrastructure()
            print(f"== infrastructure (embedded Postgres + Tansu) in {infra.home}", flush=True)
            try:
                results["infrastructure_start_s"] = round(infra.start(), 2)
                results["infrastructure"] = {
                    "postgres": infra.admin_url,
                    "kafka": infra.bootstrap,
                    "timings_s": {k: round(v, 2) for k, v in infra.stack.timings.items()},
                }
            except Exception as exc:
                results["errors"]["infrastructure"] = f"{type(exc).__name__}: {exc}"
                print(traceback.format_exc(), file=sys.stderr, flush=True)

        if "pipeline" in args.only:
            from bench import pipeline

            def do_pipeline() -> list[Metric]:
                if infra is None or "infrastructure" in results["errors"]:
                    raise RuntimeError("no infrastructure")
                results["pipeline"] = pipeline.run(
                    infra.admin_url, infra.bootstrap, quick=args.quick, pids=infra.pids()
                )
                for key, error in (results["pipeline"].get("errors") or {}).items():
                    results["errors"][f"pipeline.{key}"] = error
                return pipeline.metrics(results["pipeline"])

            attempt("pipeline", do_pipeline)

        if "services" in args.only:

            def do_services() -> list[Metric]:
                results["services"] = run_service_scripts(
                    quick=args.quick, timeout_s=args.service_timeout, infra=infra
                )
                return service_metrics(results["services"])

            attempt("services", do_services)

        if infra is not None:  # the start-up runs bring their own infrastructure: free the CPU
            infra.stop()
            infra = None

        if "startup" in args.only:
            from bench import startup

            def do_startup() -> list[Metric]:
                results["startup"] = startup.run(
                    quick=args.quick,
                    timeout_s=args.startup_timeout,
                    seed_population=args.seed_population,
                )
                for key in ("cold", "warm"):
                    r = results["startup"].get(key) or {}
                    if "error" in r:
                        results["errors"][f"startup.{key}"] = r["error"]
                return startup.metrics(results["startup"])

            attempt("startup", do_startup)
    finally:
        if infra is not None:
            infra.stop()
        results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        results["finished_at"] = datetime.now(UTC).isoformat()
        results["duration_s"] = round(time.perf_counter() - t_start, 1)
        results["metrics"] = [m.as_dict() for m in metrics]
        path = write_results(
            results, **({"directory": args.results_dir} if args.results_dir else {})
        )

    print()
    print(table(metrics))
    print()
    cpus = os.cpu_count()
    load = results["machine"]
    start, end = load["load_average_start"][0], load["load_average_end"][0]
    print(
        f"{cpus} CPU cores, shared by everything these benchmarks start and whatever else the "
        f"machine runs; load average {start} at start, {end} at end. "
        f"Total {results['duration_s']:.0f}s."
    )
    if results["errors"]:
        print(
            "errors: "
            + "; ".join(f"{k}: {v.splitlines()[-1][:120]}" for k, v in results["errors"].items())
        )
    print(f"results: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
