"""P2: careplans FHIR REST under concurrent clients — CarePlan read by id against a bare FastAPI +
asyncpg endpoint returning the same stored JSON by primary key, search with `_include`, and
version-aware update.

* service:  careplans as `make run` starts it (`python -m careplans serve`, uvicorn, one process),
            relay and consumer off so only the HTTP path is timed; a system bearer token.
* baseline: services/careplans/bench/baseline_app.py under uvicorn the same way (one process);
            one `SELECT content ... WHERE id = $1` and the jsonb text as the body, over a copy of
            the CarePlans the service returned when read.
* pools:    both servers get one database connection per client (DB_POOL_SIZE=concurrency).
* clients:  aiohttp (so the load generator is not the bottleneck), `--concurrency` keep-alive
            connections, closed loop, time-boxed phases. Read phases alternate baseline/service
            twice so machine noise hits both alike.
* seeded:   through the API: patients, one CareTeam each, 22 CarePlans each (care-team, activities).
* search:   `CarePlan?patient=Patient/<id>&_include=CarePlan:care-team&_count=20` (20 plans + team).
* update:   PUT with `If-Match: W/"<version>"`, each client updating its own plans (all 200).
Goal: service CarePlan read requests/s >= 50% of the baseline's.

    uv run --frozen python services/careplans/bench/bench_fhir.py --out /tmp/p2.json [--quick]

Uses the infrastructure `make bench` started (CCH_BENCH_DATABASE_URL / _KAFKA_BOOTSTRAP_SERVERS)
or starts its own embedded Postgres and broker in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from load import Run, client_session, drive
from profiling import record, summarise
from seed import Seeded, seed_plans

GOAL_RATIO = 0.50
EHR_ORG = "M85001"  # the GP practice (ODS code) whose EHR reads and writes the plans
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_stack() -> tuple[Any, Path, bool]:
    from cch_devstack.config import StackConfig
    from cch_devstack.stack import Stack

    home = Path(tempfile.mkdtemp(prefix="cch-bench-careplans-"))
    db, kafka = (
        os.environ.get("CCH_BENCH_DATABASE_URL"),
        os.environ.get("CCH_BENCH_KAFKA_BOOTSTRAP_SERVERS"),
    )
    config = StackConfig(home=home, external_database_url=db, external_kafka=kafka)
    stack = Stack(config.with_free_ports())
    stack.start_infrastructure()
    return stack, home, db is None


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as s:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{url} exited at start-up; see {log}")
            try:
                async with s.get(f"{url}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} not ready within 60 s; see {log}")


async def copy_to_baseline(dsn: str, plans: dict[str, str]) -> None:
    """The baseline's table: the CarePlan JSON exactly as the service returned it, keyed by id."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE SCHEMA IF NOT EXISTS bench_careplans")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_careplans.careplan "
            "(id text PRIMARY KEY, content jsonb NOT NULL)"
        )
        await conn.executemany(
            "INSERT INTO bench_careplans.careplan VALUES ($1, $2::jsonb) "
            "ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content",
            list(plans.items()),
        )
    finally:
        await conn.close()


def reader(base: str, ids: list[str], headers: dict[str, str]) -> Any:
    async def one(s: aiohttp.ClientSession, w: int, i: int) -> str | None:
        rid = ids[(w * 7919 + i * 31) % len(ids)]
        async with s.get(f"{base}/fhir/CarePlan/{rid}", headers=headers) as r:
            await r.read()
            return None if r.status == 200 else f"read {r.status}"

    return one


def searcher(base: str, seeded: Seeded, headers: dict[str, str]) -> Any:
    async def one(s: aiohttp.ClientSession, w: int, i: int) -> str | None:
        pid = seeded.patients[(w * 13 + i) % len(seeded.patients)]
        params = {"patient": f"Patient/{pid}", "_include": "CarePlan:care-team", "_count": "20"}
        async with s.get(f"{base}/fhir/CarePlan", params=params, headers=headers) as r:
            await r.read()
            return None if r.status == 200 else f"search {r.status}"

    return one


def updater(base: str, seeded: Seeded, headers: dict[str, str], concurrency: int) -> Any:
    """Each client owns every `concurrency`-th plan, so its If-Match names the current version."""
    versions = {rid: 1 for rid in seeded.plan_ids}
    owned = [seeded.plan_ids[w::concurrency] for w in range(concurrency)]

    async def one(s: aiohttp.ClientSession, w: int, i: int) -> str | None:
        rid = owned[w][i % len(owned[w])]
        body = {**seeded.bodies[rid], "id": rid, "description": f"reviewed {uuid.uuid4().hex}"}
        h = {**headers, "content-type": "application/fhir+json", "if-match": f'W/"{versions[rid]}"'}
        async with s.put(f"{base}/fhir/CarePlan/{rid}", data=json.dumps(body), headers=h) as r:
            await r.read()
            if r.status != 200:
                return f"update {r.status}"
            versions[rid] = int(r.headers["ETag"].split('"')[1])
            return None

    return one


async def check_search_shape(base: str, seeded: Seeded, headers: dict[str, str]) -> None:
    params = {"patient": f"Patient/{seeded.patients[0]}", "_include": "CarePlan:care-team"}
    async with aiohttp.ClientSession() as s:
        url = f"{base}/fhir/CarePlan"
        async with s.get(url, params={**params, "_count": "20"}, headers=headers) as r:
            bundle = await r.json(content_type=None)
    kinds = [e["resource"]["resourceType"] for e in bundle.get("entry", [])]
    if kinds.count("CarePlan") != 20 or kinds.count("CareTeam") != 1:
        raise RuntimeError(f"search did not return 20 plans and their team: {kinds}")


async def measure(args: argparse.Namespace, service: str, baseline: str, token: str) -> dict:
    auth = {"authorization": f"Bearer {token}", "accept": "application/fhir+json"}
    c = args.concurrency
    phase = 4.0 if args.quick else 12.0
    warm = 1.0 if args.quick else 2.0
    seeded = await seed_plans(
        service, auth, organisation=EHR_ORG, patients=8 if args.quick else 24, per_patient=22
    )
    await copy_to_baseline(args.dsn, seeded.read_back)
    await check_search_shape(service, seeded, auth)
    svc_read, base_read = Run(), Run()
    async with client_session(c) as s:
        read_svc = reader(service, seeded.plan_ids, auth)
        read_base = reader(baseline, seeded.plan_ids, {})
        await drive(s, read_base, seconds=warm, concurrency=c)
        await drive(s, read_svc, seconds=warm, concurrency=c)
        for _ in range(2):
            base_read.add(await drive(s, read_base, seconds=phase / 2, concurrency=c))
            svc_read.add(await drive(s, read_svc, seconds=phase / 2, concurrency=c))
        search = await drive(s, searcher(service, seeded, auth), seconds=phase, concurrency=c)
        update = await drive(s, updater(service, seeded, auth, c), seconds=phase, concurrency=c)
        profile = await profile_reads(args, s, read_svc) if args.profile else None
    runs = {"read": svc_read, "baseline_read": base_read, "search": search, "update": update}
    for name, run in runs.items():
        if run.failures:
            raise RuntimeError(f"{name}: {len(run.failures)} failed, e.g. {run.failures[0]}")
    return {
        **({"read_profile": profile} if profile else {}),
        "seeded": {"patients": len(seeded.patients), "careplans": len(seeded.plan_ids)},
        "careplan_read": svc_read.summary(concurrency=c),
        "baseline_read": base_read.summary(concurrency=c),
        "search_20_include_care_team": search.summary(concurrency=c),
        "update_if_match": update.summary(concurrency=c),
    }


async def profile_reads(args: argparse.Namespace, s: aiohttp.ClientSession, read: Any) -> dict:
    """A further read phase with py-spy sampling the service; the folded stacks go to --profile."""
    seconds = 10.0
    spy = await record(args.service_pid, seconds=seconds, out=args.profile)
    await drive(s, read, seconds=seconds + 1, concurrency=args.concurrency)
    _, err = await spy.communicate()
    if spy.returncode != 0 or not args.profile.exists():
        return {"error": f"py-spy failed: {err.decode()[-300:]}"}
    return summarise(args.profile)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from cch_auth.tokens import mint

    stack, home, own = await asyncio.to_thread(start_stack)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        env = {
            **stack.service_env("careplans"),
            "RUN_RELAY": "false",
            "RUN_CONSUMER": "false",
            "LOG_LEVEL": "WARNING",
            # one pooled connection per client for both servers: SQLAlchemy's default 10 + 10
            # overflow would open and close a connection per request above 10 in flight
            "DB_POOL_SIZE": str(args.concurrency),
        }
        args.dsn = stack.config.admin_database_url  # the baseline's own schema
        service = stack.config.service_url("careplans")
        baseline = f"http://127.0.0.1:{free_port()}"
        logs = home / "logs"
        logs.mkdir(exist_ok=True)
        svc_cmd = [sys.executable, "-m", "careplans", "serve", "--port", service.rsplit(":", 1)[1]]
        procs.append(spawn(svc_cmd, env, logs / "careplans.log"))
        base_env = {"BENCH_BASELINE_DSN": args.dsn, "BENCH_BASELINE_POOL": str(args.concurrency)}
        base_cmd = [
            *(sys.executable, "-m", "uvicorn", "baseline_app:app", "--app-dir", str(HERE)),
            *("--port", baseline.rsplit(":", 1)[1], "--no-access-log", "--log-level", "warning"),
        ]
        procs.append(spawn(base_cmd, base_env, logs / "baseline.log"))
        await wait_ready(service, procs[0], logs / "careplans.log")
        await wait_ready(baseline, procs[1], logs / "baseline.log")
        args.service_pid = procs[0].pid
        token = mint(
            stack.config.key_dir / "dev-issuer.pem",
            subject="bench-ehr",
            roles=["ehr-system"],
            scopes=["system/*.cruds"],
            organisation=EHR_ORG,
        )
        results = await measure(args, service, baseline, token)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        if own:
            await asyncio.to_thread(stack.stop)
        shutil.rmtree(home, ignore_errors=True)
    ratio = results["careplan_read"]["requests_per_s"] / results["baseline_read"]["requests_per_s"]
    results["read_ratio"] = round(ratio, 3)
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        # other work on the machine skews both servers; the ratio is the figure to compare
        "load_average_1_5_15m": [round(x, 2) for x in os.getloadavg()],
    }
    return {
        "name": "careplans/P2 FHIR CarePlan read vs bare FastAPI+asyncpg; search; update",
        "results": results,
        "goal": f"CarePlan read requests/s >= {GOAL_RATIO:.0%} of a bare FastAPI + asyncpg read",
        "met": ratio >= GOAL_RATIO,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument(
        "--profile", type=Path, help="also sample the service under read load (py-spy folded)"
    )
    args = parser.parse_args()
    args.quick = args.quick or os.environ.get("CCH_BENCH_QUICK") == "1"
    result = asyncio.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
