"""A burst of accepted referrals through the real caseload consumer (real Postgres + broker).

The service runs in-process (API, consumer, relay) on a throwaway Postgres and Tansu started as the
integration tests' `infra` fixture does. It starts from 300 case managers and 10,000 open cases
(the decision benchmark's state), then 5,000 `referral.accepted.v1` CloudEvents go on the topic at
once; the clock stops when every one of them is a stored case (assigned or wait-listed).

Run: uv run --frozen python services/caseload/bench/bench_burst.py \
         --out bench/results/caseload_burst.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_assignment import NEED_MIX, TIER_MIX, Referrals, split_by_share

from caseload.adapters.case_rows import case_values, waiting_values
from caseload.adapters.tables import cases, waiting_list
from caseload.domain.caseloads import Caseloads
from caseload.domain.vocabulary import LOCALITY_SHARE, CaseStatus
from caseload.domain.workforce_sizing import generate_workforce
from caseload.main import create_app
from caseload.service_layer.workforce import seed_workforce
from cch_contracts.clock import SystemClock
from cch_contracts.events.referrals import ReferralAccepted
from cch_contracts.topics import Topic
from cch_devstack.config import StackConfig
from cch_devstack.stack import Stack
from cch_devstack.testing import Infra, cloud_event, service_app

GOAL_EVENTS_PER_S = 250.0  # a whole day's county referrals in well under a minute
PREFIX = "burst-"


async def preload(runtime: Any, *, managers: int, open_cases: int, seed: int) -> dict[str, Any]:
    """The workforce and the open caseload the burst lands on, written in bulk."""
    workforce = generate_workforce(split_by_share(managers), seed=seed)
    caseloads = Caseloads(workforce)
    referrals = Referrals(random.Random(seed))
    now = datetime.now(UTC)
    rows, waiting = [], []
    for i in range(open_cases):
        case, _ = caseloads.assign(referrals(), case_id=f"pre-{i:06d}", now=now)
        case.pull_events()
        rows.append({**case_values(case), "nhs_number": None, "updated_at": now})
        if case.status is CaseStatus.WAITING:
            entry = caseloads.waiting.get(case.case_id)
            assert entry is not None
            waiting.append(waiting_values(entry))
    async with runtime.uow() as uow:
        await seed_workforce(uow, workforce, clock=SystemClock())
        for start in range(0, len(rows), 2_000):
            await uow.session.execute(sa.insert(cases), rows[start : start + 2_000])
        if waiting:
            await uow.session.execute(sa.insert(waiting_list), waiting)
        await uow.commit()
    managers_n = len(workforce.case_managers)
    return {"managers": managers_n, "open_cases": open_cases, "waiting": len(waiting)}


def burst_events(n: int, seed: int, prefix: str = PREFIX) -> list[tuple[bytes, bytes]]:
    """n accepted referrals as the referrals service would publish them (opaque keys)."""
    rng = random.Random(seed + 1)
    out = []
    for i in range(n):
        key = f"{prefix}pk-{i:06d}"
        payload = ReferralAccepted(
            referral_id=f"{prefix}ref-{i:06d}",
            patient_key=key,
            nhs_number=None,
            need_level=rng.choices(["severe", "moderate", "mild"], [0.6, 0.3, 0.1])[0],
            locality=rng.choices(list(LOCALITY_SHARE), list(LOCALITY_SHARE.values()))[0].value,
            practice_code=f"M{rng.randint(80000, 80999)}",
            tier=rng.choices(list(TIER_MIX), list(TIER_MIX.values()))[0].value,
            most_pressing_need=rng.choices(list(NEED_MIX), list(NEED_MIX.values()))[0].value,
            decided_by="mdt-bench",
            decided_at=datetime.now(UTC),
        )
        out.append((cloud_event(payload), key.encode()))
    return out


async def produce_all(bootstrap: str, topic: str, events: list[tuple[bytes, bytes]]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        t0 = time.perf_counter()
        futures = [await producer.send(topic, value, key=key) for value, key in events]
        await producer.flush()
        for f in futures:
            await f
        return time.perf_counter() - t0
    finally:
        await producer.stop()


async def applied(runtime: Any, prefix: str = PREFIX) -> int:
    async with runtime.sessions() as session:
        count = await session.scalar(
            sa.select(sa.func.count()).where(cases.c.referral_id.like(f"{prefix}ref-%"))
        )
        return int(count or 0)


async def run(infra: Infra, *, managers: int, open_cases: int, events: int, seed: int) -> dict:
    async with service_app(
        infra, "caseload", lambda: create_app(SystemClock()), CASELOAD_REVIEW_SCAN_SECONDS="3600"
    ) as client:
        runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
        state = await preload(runtime, managers=managers, open_cases=open_cases, seed=seed)
        # one event first: the consumer has joined its group and is reading when the clock starts
        warm = burst_events(1, seed, prefix="warm-")[0]
        await produce_all(infra.bootstrap, Topic.REFERRALS.value, [warm])
        deadline = time.monotonic() + 60
        while await applied(runtime, "warm-") < 1:
            if time.monotonic() > deadline:
                raise RuntimeError("the consumer did not apply the warm-up event within 60 s")
            await asyncio.sleep(0.1)
        batch = burst_events(events, seed)
        t0 = time.perf_counter()
        publish_s = await produce_all(infra.bootstrap, Topic.REFERRALS.value, batch)
        deadline = time.monotonic() + 150
        done = 0
        while done < events:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
            done = await applied(runtime)
        elapsed = time.perf_counter() - t0
        async with runtime.sessions() as session:
            by_status = dict(
                (
                    await session.execute(
                        sa.select(cases.c.status, sa.func.count())
                        .where(cases.c.referral_id.like(f"{PREFIX}ref-%"))
                        .group_by(cases.c.status)
                    )
                ).all()
            )
    applied_n = done
    return {
        "state_before": state,
        "events": events,
        "applied": applied_n,
        "by_status": by_status,
        "publish_seconds": round(publish_s, 2),
        "seconds_to_apply_all": round(elapsed, 2),
        "events_per_s": round(applied_n / elapsed, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--managers", type=int, default=300)
    parser.add_argument("--open-cases", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20190401)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = parser.parse_args(argv)
    if args.quick or os.environ.get("CCH_BENCH_QUICK") == "1":
        args.managers, args.open_cases, args.events = 60, 2_000, 500
    home = Path(tempfile.mkdtemp(prefix="cch-bench-caseload-"))
    config = StackConfig(home=home).with_free_ports()
    stack = Stack(config)
    t0 = time.monotonic()
    stack.start_infrastructure()
    infra_s = time.monotonic() - t0
    try:
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        results = asyncio.run(
            run(
                Infra(stack),
                managers=args.managers,
                open_cases=args.open_cases,
                events=args.events,
                seed=args.seed,
            )
        )
    finally:
        stack.stop()
    met = results["applied"] == args.events and results["events_per_s"] >= GOAL_EVENTS_PER_S
    report = {
        "name": "caseload_burst",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "infrastructure_seconds": round(infra_s, 1),
        "results": results,
        "goal": f"all {args.events} referrals applied at >= {GOAL_EVENTS_PER_S:.0f} events/s",
        "met": met,
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
