"""`cch-stack run|stop|status|token`: the commands behind `make run` and `make stop`."""

import argparse
import signal
import sys
import threading
import time
from types import FrameType

from cch_devstack.config import SERVICES, StackConfig
from cch_devstack.errors import StackError
from cch_devstack.stack import Stack, read_state, stop_recorded


def _table(stack: Stack) -> str:
    cfg = stack.config
    rows = [("service", "API docs", "health", "FHIR base")]
    fhir = {
        "gateway": "/fhir",
        "careplans": "/fhir",
        "referrals": "/fhir",
        "stratification": "/fhir",
    }
    for svc in stack.services:
        url = cfg.service_url(svc)
        rows.append(
            (svc, f"{url}/docs", f"{url}/readyz", f"{url}{fhir[svc]}" if svc in fhir else "-")
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = StackConfig.from_env()
    stack = Stack(config)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.monotonic()
    print(f"starting Care Closer to Home in {config.home} ...", flush=True)
    stack.start()
    total = time.monotonic() - started
    print()
    print(_table(stack))
    print()
    gateway = config.service_url("gateway")
    print(
        f"Board      {gateway}/api/dispatch/board/live"
        "    (paste a token: uv run cch-token --role coordinator)"
    )
    print(f"Ops        {gateway}/api/ops/streams    (token: --role ops)")
    print(f"Postgres   {config.admin_database_url}")
    print(f"Kafka      {config.bootstrap_servers}")
    print(f"Logs       {config.log_dir}")
    print(
        "Token      uv run cch-token --role ehr-system --org cch-platform    (roles: ehr-system, "
        "case-manager, team-lead, clinician, coordinator, rapid-response, ops, admin, commissioner)"
    )
    print(f"Ready in {total:.1f}s  " + "  ".join(f"{k}={v:.1f}s" for k, v in stack.timings.items()))
    print(
        "Ctrl-C or `make stop` stops everything; data stays in .cch/ until `make clean`.",
        flush=True,
    )
    if args.exit_when_ready:
        stack.stop()
        return 0
    try:
        while not stopping.is_set():
            for name, proc in stack.processes.items():
                if proc.process.poll() is not None:
                    print(f"{name} exited (code {proc.process.returncode}); see {proc.log_file}")
                    stopping.set()
            stopping.wait(1.0)
    finally:
        print("stopping ...", flush=True)
        stack.stop()
        print("stopped.")
    return 0


def stop(args: argparse.Namespace) -> int:
    config = StackConfig.from_env()
    print("stopped." if stop_recorded(config) else "nothing was running.")
    return 0


def status(args: argparse.Namespace) -> int:
    config = StackConfig.from_env()
    state = read_state(config.run_dir / "stack.json")
    if not state:
        print("not running")
        return 1
    for name, url in state["urls"].items():
        print(f"{name:15} {url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cch-stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="start everything and wait for Ctrl-C")
    p_run.add_argument("--exit-when-ready", action="store_true", help="start, report, stop")
    sub.add_parser("stop", help="stop a running stack")
    sub.add_parser("status", help="show what is running")
    args = parser.parse_args(argv)
    try:
        return {"run": run, "stop": stop, "status": status}[args.command](args)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

__all__ = ["SERVICES", "main"]
