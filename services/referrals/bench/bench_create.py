"""P4: FHIR ServiceRequest create (validated, stored, outbox row, audit row) against a plain
asyncpg INSERT of the same referral row, both with concurrent clients on the same Postgres.

* service: the referrals app in-process (httpx ASGI transport, no socket), relay and consumer off
  so only the create path is timed: JWT check, body parse, fhir.resources + programme rules,
  de-duplication lookups under a per-patient advisory lock, referral + version + identifier +
  outbox + audit rows in one transaction. Each request is a new patient (a 201).
  The service's database pool is sized to the clients (DB_POOL_SIZE), like the baseline's.
* baseline: asyncpg pool, the same number of concurrent clients, one INSERT per request of the
  referral row the service stored (same columns, same JSON state and resource), new ids.
Goal: service requests/s >= 30% of the baseline's. p50/p99 latency in ms for both.

    uv run python services/referrals/bench/bench_create.py --out /tmp/p4.json [--quick]

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
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

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


def latency_stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)

    def pick(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))] * 1000

    return {
        "n": len(s),
        "p50_ms": round(pick(0.50), 2),
        "p99_ms": round(pick(0.99), 2),
        "mean_ms": round(statistics.fmean(s) * 1000, 2),
    }


async def drive(
    n: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run `one(i)` for i in range(n) from `concurrency` workers; (elapsed s, latencies s)."""
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            t = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0, latencies


async def bench_service(
    env: dict[str, str], token: str, *, n: int, warmup: int, concurrency: int, seed: int
) -> tuple[dict[str, Any], str]:
    # The service's pool holds one connection per client, as the baseline's asyncpg pool does:
    # with fewer, SQLAlchemy opens and closes overflow connections (and re-prepares) per request.
    os.environ.update(
        {
            **env,
            "RUN_RELAY": "false",
            "RUN_CONSUMER": "false",
            "LOG_LEVEL": "WARNING",
            "DB_POOL_SIZE": str(concurrency),
        }
    )
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
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://referrals") as client:

            async def create(i: int) -> None:
                r = await client.post("/fhir/ServiceRequest", content=bodies[i], headers=headers)
                if r.status_code == 201:
                    created.append(r.json()["id"])
                else:
                    failures.append(f"{r.status_code} {r.text[:200]}")

            await drive(warmup, concurrency, create)
            offset = warmup

            async def timed(i: int) -> None:
                await create(offset + i)

            elapsed, latencies = await drive(n, concurrency, timed)
    if failures:
        raise SystemExit(f"{len(failures)} creates failed, e.g. {failures[0]}")
    return {
        "requests": n,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(n / elapsed, 1),
        **latency_stats(latencies),
    }, created[0]


async def bench_plain_insert(
    dsn: str, template_id: str, *, n: int, warmup: int, concurrency: int
) -> dict[str, Any]:
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    assert pool is not None
    try:
        row = await pool.fetchrow("SELECT * FROM referral WHERE id = $1", template_id)
        assert row is not None
        columns = list(row.keys())
        placeholders = ", ".join(f"${i + 1}" for i in range(len(columns)))
        sql = f"INSERT INTO referral ({', '.join(columns)}) VALUES ({placeholders})"
        values = dict(row)

        async def insert(i: int) -> None:
            fresh = {
                **values,
                "id": str(uuid.uuid4()),
                "patient_key": f"pk-bench-{uuid.uuid4().hex}",
            }
            await pool.execute(sql, *(fresh[c] for c in columns))

        await drive(warmup, concurrency, insert)
        elapsed, latencies = await drive(n, concurrency, insert)
    finally:
        await pool.close()
    return {
        "requests": n,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(n / elapsed, 1),
        **latency_stats(latencies),
    }


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
        service, template = await bench_service(
            env, token, n=n, warmup=warmup, concurrency=args.concurrency, seed=args.seed
        )
        plain = await bench_plain_insert(
            env["DATABASE_URL"], template, n=n, warmup=warmup, concurrency=args.concurrency
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
    args = parser.parse_args()
    args.quick = args.quick or os.environ.get("CCH_BENCH_QUICK") == "1"
    result = asyncio.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
