"""P4: FHIR ServiceRequest create (validated, stored, outbox row, audit row) against a plain
asyncpg INSERT of the same referral row, both with concurrent clients on the same Postgres.

* service: the referrals app in-process, consumer off and, by default, relay off so only the
  create is timed (commits wake a stand-in for the in-process relay, as deployed, rather than
  NOTIFY one elsewhere, which would serialise them): JWT check, body parse, structural check
  and programme rules, then one statement committed on its own (one round trip, no
  BEGIN/COMMIT) writing the referral, its first version, the referrer identifier, the access
  audit row and the outbox row (the usual arrival: a new patient, a new identifier; others take
  the locked path). Each request is a new
  patient (a 201). The driver pool is sized to the clients (DB_POOL_SIZE).
  The client (`--client asgi`, the default) calls the app as an ASGI server does once it has
  parsed a request, so the figure is the server's work alone, as a load generator in another
  process would see it; `--client httpx` goes through httpx's ASGI transport instead and so
  adds that client library's own work to every request.
* baseline: asyncpg pool, the same number of concurrent clients, one INSERT per request of the
  referral row the service stored (same columns, same JSON state and resource), new ids.
* both run on uvloop, the event loop uvicorn uses when deployed.
* the two alternate in rounds in one process, so load from neighbours on a shared machine falls
  on both alike. Reported for each: requests/s, p50/p99 latency, this process's CPU per request
  (`healthz_same_client` is the client+app floor with no work), and the service's database
  round trips per create (statements on the engine and on the driver pool, BEGINs, COMMITs).
Goal: service requests/s >= 30% of the baseline's.

    uv run python services/referrals/bench/bench_create.py --out /tmp/p4.json [--quick] [--relay]

Uses the infrastructure `make bench` started (CCH_BENCH_DATABASE_URL / _KAFKA_BOOTSTRAP_SERVERS)
or starts its own embedded Postgres and broker in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvloop
from in_process import AsgiClient, StatementCounter
from timing import Phase, drive

GOAL_RATIO = 0.30
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ROUTE = "https://cch.example.nhs.uk/CodeSystem/referral-route"


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [9, *(rng.randint(0, 9) for _ in range(8))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def service_request(nhs: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "identifier": [
            {"system": "https://gp.example.nhs.uk/Id/referral", "value": uuid.uuid4().hex}
        ],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": ROUTE, "code": "gp"}]}],
        "priority": "routine",
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "authoredOn": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "requester": {"reference": "Practitioner/gp-bench"},
        "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}],
        "extension": [
            {
                "url": "https://cch.example.nhs.uk/StructureDefinition/locality",
                "valueCode": "north",
            }
        ],
    }


async def bench_both(
    env: dict[str, str],
    token: str,
    *,
    n: int,
    warmup: int,
    concurrency: int,
    rounds: int,
    seed: int,
    relay: bool,
    client_kind: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Service creates and plain inserts in alternating rounds, so a neighbour's load on this
    shared machine falls on both alike; (service result, plain insert result)."""
    # The service's pool holds one connection per client, as the baseline's asyncpg pool does:
    # with fewer, SQLAlchemy opens and closes overflow connections (and re-prepares) per request.
    os.environ.update(
        {
            **env,
            "RUN_RELAY": "true" if relay else "false",
            "RUN_CONSUMER": "false",
            "LOG_LEVEL": "WARNING",
            "DB_POOL_SIZE": str(concurrency),
        }
    )
    from cch_messaging.relay_wake import listen_locally, notify_channel
    from referrals.adapters.tables import outbox
    from referrals.main import create_app

    rng = random.Random(seed)
    app = create_app()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/fhir+json"}
    patients: set[str] = set()
    while len(patients) < n + warmup:  # distinct patients: every create opens a new referral
        patients.add(nhs_number(rng))
    bodies = [json.dumps(service_request(nhs)).encode() for nhs in sorted(patients)]
    created: list[str] = []
    failures: list[str] = []
    per_round = max(1, n // rounds)
    service, plain, floor = Phase(concurrency), Phase(concurrency), Phase(concurrency)
    # Deployed, the relay runs in the service's process and a commit wakes it directly. With
    # the relay off here (only the create is timed), stand in for its wake-up so commits do
    # not NOTIFY a relay elsewhere: a NOTIFY serialises commits, which deployment never does.
    stop_listening = (
        (lambda: None)
        if relay
        else listen_locally(notify_channel(outbox.schema or "public"), lambda: None)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        asgi = AsgiClient(app, headers)
        async with httpx.AsyncClient(transport=transport, base_url="http://referrals") as client:

            async def post(path: str, body: bytes) -> tuple[int, bytes]:
                if client_kind == "asgi":
                    return await asgi.request("POST", path, body)
                r = await client.post(path, content=body, headers=headers)
                return r.status_code, r.content

            async def get(path: str) -> int:
                if client_kind == "asgi":
                    return (await asgi.request("GET", path))[0]
                return (await client.get(path)).status_code

            async def create(i: int) -> None:
                status, body = await post("/fhir/ServiceRequest", bodies[i])
                if status == 201:
                    created.append(json.loads(body)["id"])
                else:
                    failures.append(f"{status} {body[:200]!r}")

            await drive(warmup, concurrency, create)
            if failures:
                raise SystemExit(f"{len(failures)} creates failed, e.g. {failures[0]}")

            async def timed(i: int) -> None:
                await create(warmup + i)

            async def alive(i: int) -> None:
                assert await get("/healthz") == 200

            insert, close = await plain_insert(env["DATABASE_URL"], created[0], concurrency)
            counter = StatementCounter(app.state.runtime)
            try:
                await drive(warmup, concurrency, insert)
                for _ in range(rounds):
                    counter.engine_on = True
                    await service.round(per_round, timed)
                    counter.engine_on = False
                    await plain.round(per_round, insert)
                    # the floor under any endpoint here: same client, app, middleware, no work
                    await floor.round(per_round, alive)
            finally:
                counter.close()
                await close()
    stop_listening()
    if failures:
        raise SystemExit(f"{len(failures)} creates failed, e.g. {failures[0]}")
    result = service.result()
    result["db_round_trips_per_create"] = round(counter.count / service.n, 2)
    result["relay_in_process"] = relay
    floor_result = floor.result()
    result["healthz_same_client"] = {
        k: floor_result[k] for k in ("requests_per_s", "cpu_ms_per_request", "p50_ms")
    }
    return result, plain.result()


async def plain_insert(
    dsn: str, template_id: str, concurrency: int
) -> tuple[Callable[[int], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """One asyncpg INSERT of the row the service stored (new ids), on a pool of `concurrency`."""
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    assert pool is not None
    row = await pool.fetchrow("SELECT * FROM referral WHERE id = $1", template_id)
    assert row is not None
    columns = list(row.keys())
    placeholders = ", ".join(f"${i + 1}" for i in range(len(columns)))
    sql = f"INSERT INTO referral ({', '.join(columns)}) VALUES ({placeholders})"
    values = dict(row)

    async def insert(i: int) -> None:
        fresh = {**values, "id": str(uuid.uuid4()), "patient_key": f"pk-bench-{uuid.uuid4().hex}"}
        await pool.execute(sql, *(fresh[c] for c in columns))

    return insert, pool.close


def start_stack() -> tuple[Any, Path, bool]:
    from cch_devstack.config import StackConfig
    from cch_devstack.stack import Stack

    home = Path(tempfile.mkdtemp(prefix="cch-bench-referrals-"))
    db, kafka = (
        os.environ.get("CCH_BENCH_DATABASE_URL"),
        os.environ.get("CCH_BENCH_KAFKA_BOOTSTRAP_SERVERS"),
    )
    config = StackConfig(home=home, external_database_url=db, external_kafka=kafka)
    config = config.with_free_ports()
    stack = Stack(config)
    stack.start_infrastructure()
    return stack, home, db is None


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from cch_auth.tokens import mint

    stack, home, own = await asyncio.to_thread(start_stack)
    try:
        env = stack.service_env("referrals")
        token = mint(
            stack.config.key_dir / "dev-issuer.pem",
            subject="bench-ehr",
            roles=["ehr-system"],
            scopes=["system/ServiceRequest.cruds"],
        )
        n = 300 if args.quick else 2000
        warmup = 30 if args.quick else 100
        service, plain = await bench_both(
            env,
            token,
            n=n,
            warmup=warmup,
            concurrency=args.concurrency,
            rounds=3 if args.quick else 5,
            seed=args.seed,
            relay=args.relay,
            client_kind=args.client,
        )
    finally:
        if own:
            await asyncio.to_thread(stack.stop)
        shutil.rmtree(home, ignore_errors=True)
    ratio = service["requests_per_s"] / plain["requests_per_s"]
    return {
        "name": "referrals/P4 ServiceRequest create vs plain asyncpg insert",
        "results": {
            "service_create": service,
            "plain_insert": plain,
            "ratio": round(ratio, 3),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        },
        "goal": f"service create requests/s >= {GOAL_RATIO:.0%} of a plain asyncpg insert",
        "met": ratio >= GOAL_RATIO,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--relay",
        action="store_true",
        help="run the outbox relay in the service process, as deployed (default: off, so only "
        "the create is timed; commits wake a stand-in for it, as they wake the relay deployed)",
    )
    parser.add_argument(
        "--client",
        choices=("asgi", "httpx"),
        default="asgi",
        help="asgi: call the app as a server does (the server's cost alone); httpx: through "
        "httpx's ASGI transport (adds the client library's own work to every request)",
    )
    args = parser.parse_args()
    args.quick = args.quick or os.environ.get("CCH_BENCH_QUICK") == "1"
    # the event loop the service runs on when deployed (uvicorn picks uvloop, which
    # uvicorn[standard] installs); both sides of the comparison run on it
    result = uvloop.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
