"""Stratification runs: score the population, tier it, and tell the others only what changed."""

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from cch_contracts import patient_key
from cch_contracts.events.stratification import PatientTierChanged, StratificationRunCompleted
from cch_servicekit import Runtime
from stratification.adapters.population_reader import (
    StoredPopulation,
    read_population,
    snapshot_id,
)
from stratification.adapters.run_tables import current_tier, model_version, run
from stratification.domain.errors import (
    NoPopulation,
    RunAlreadyInProgress,
    UnknownModelVersion,
    UnknownPractice,
)
from stratification.domain.model_metrics import evaluate
from stratification.domain.risk.features import admitted_within_year, build_features
from stratification.domain.risk_model import ModelArtefact, TrainingWindow, train
from stratification.domain.tiers import Tier, TierPolicy, assign_tiers

log = logging.getLogger("stratification.runs")


def _dsn(runtime: Runtime) -> str:
    return runtime.settings.database_url.replace("postgresql+asyncpg://", "postgresql://")


async def start_run(
    runtime: Runtime,
    *,
    practice: str | None,
    requested_by: str,
    model: str | None = None,
) -> dict[str, Any]:
    """Idempotent per (model version, data snapshot, scope): a repeat returns the earlier run.

    Without a model version the run trains a fresh model on the data; with one it scores with
    that stored model, so a commissioner can re-run last month's model on this month's data.
    """
    conn = await asyncpg.connect(_dsn(runtime))
    try:
        if model and not await conn.fetchval(
            "SELECT 1 FROM model_version WHERE version = $1", model
        ):
            raise UnknownModelVersion(f"model version {model!r} does not exist")
        if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM patient)"):
            raise NoPopulation("no population has been loaded yet")
        if practice and not await conn.fetchval("SELECT 1 FROM practice WHERE code = $1", practice):
            raise UnknownPractice(f"practice {practice!r} is not known")
        snapshot = await snapshot_id(conn)
    finally:
        await conn.close()
    async with runtime.engine.begin() as db:
        done = (
            (
                await db.execute(
                    sa.select(run)
                    .where(run.c.snapshot_id == snapshot, run.c.status == "completed")
                    .where(
                        run.c.practice_code.is_(None)
                        if practice is None
                        else run.c.practice_code == practice
                    )
                    .where(run.c.model_version == model if model else sa.true())
                    .order_by(run.c.started_at.desc())
                    .limit(1)
                )
            )
            .mappings()
            .first()
        )
        if done is not None:
            return {**dict(done), "repeat": True}
    run_id = str(uuid.uuid4())
    row = {
        "id": run_id,
        "snapshot_id": snapshot,
        "practice_code": practice,
        "status": "running",
        "requested_by": requested_by,
        "started_at": datetime.now(UTC),
        "progress": "queued",
        "model_version": model,
    }
    try:
        async with runtime.engine.begin() as db:
            await db.execute(sa.insert(run).values(**row))
    except IntegrityError as exc:
        raise RunAlreadyInProgress("a stratification run is already in progress") from exc
    runtime.spawn(
        f"run-{run_id[:8]}", execute_run(runtime, run_id=run_id, practice=practice, model=model)
    )
    return {**row, "repeat": False}


async def _progress(runtime: Runtime, run_id: str, text: str, **values: Any) -> None:
    async with runtime.engine.begin() as db:
        await db.execute(sa.update(run).where(run.c.id == run_id).values(progress=text, **values))


@dataclass(frozen=True)
class Scored:
    model: ModelArtefact
    index_date: date
    probability: np.ndarray
    tiers: np.ndarray
    factors: list[list[str]]
    eligible: np.ndarray

    @property
    def version(self) -> str:
        return self.model.version


def score_population(
    pop: StoredPopulation,
    *,
    policy: TierPolicy,
    snapshot: str,
    model: ModelArtefact | None = None,
) -> Scored:
    """Train on one year, judge on the next (held out), score the coming year. CPU-bound.

    Given a stored model, skip training and score with it (its metrics stay as stored).
    """
    if pop.last_activity is None:
        raise NoPopulation("no activity has been loaded yet")
    index = pop.last_activity + timedelta(days=1)
    if model is not None:
        return _score(pop, model, policy=policy, index=index)
    train_at, test_at = index - timedelta(days=730), index - timedelta(days=365)
    features = {
        d: build_features(pop.events, birth_date=pop.birth_date, male=pop.male, index_date=d)
        for d in (train_at, test_at)
    }
    history = features[train_at]
    old = policy.eligible(history.age)
    model = train(
        history.matrix[old],
        admitted_within_year(pop.events, index_date=train_at)[old],
        window=TrainingWindow(
            features_from=train_at - timedelta(days=365),
            index_date=train_at,
            outcome_until=test_at,
        ),
        trained_at=datetime.now(UTC),
    )
    held_out = features[test_at]
    judged = policy.eligible(held_out.age)
    model = model.with_metrics(
        evaluate(
            admitted_within_year(pop.events, index_date=test_at)[judged],
            model.score(held_out.matrix[judged]),
        )
    )
    return _score(pop, model, policy=policy, index=index)


def _score(
    pop: StoredPopulation, model: ModelArtefact, *, policy: TierPolicy, index: date
) -> Scored:
    now = build_features(pop.events, birth_date=pop.birth_date, male=pop.male, index_date=index)
    eligible = policy.eligible(now.age)
    probability = model.score(now.matrix)
    codes = assign_tiers(probability, eligible, policy).codes
    tiers = np.array(
        [
            Tier.from_code(int(c)).value if ok else None
            for c, ok in zip(codes, eligible, strict=True)
        ],
        dtype=object,
    )
    factors = [[f.description for f in row] for row in model.explain(now.matrix[eligible])]
    return Scored(model, index, probability, tiers, factors, eligible)


async def execute_run(
    runtime: Runtime, *, run_id: str, practice: str | None, model: str | None = None
) -> None:
    try:
        await _execute(runtime, run_id=run_id, practice=practice, model=model)
    except Exception as exc:
        log.exception("run %s failed", run_id)
        await _progress(
            runtime,
            run_id,
            "failed",
            status="failed",
            error=str(exc)[:2000],
            completed_at=datetime.now(UTC),
        )


async def _execute(
    runtime: Runtime, *, run_id: str, practice: str | None, model: str | None
) -> None:
    await _progress(runtime, run_id, "loading population")
    conn = await asyncpg.connect(_dsn(runtime))
    try:
        pop = await read_population(conn)
        snapshot = await snapshot_id(conn)
        previous = dict(await conn.fetch("SELECT patient_id, tier FROM current_tier"))
        stored = (
            await conn.fetchval("SELECT artefact FROM model_version WHERE version = $1", model)
            if model
            else None
        )
    finally:
        await conn.close()
    await _progress(runtime, run_id, f"scoring {pop.size:,} people")
    scored = await asyncio.to_thread(
        score_population,
        pop,
        policy=TierPolicy(),
        snapshot=snapshot,
        model=None if stored is None else ModelArtefact.from_json(stored),
    )
    in_scope = scored.eligible & (pop.practice_code == practice if practice else True)
    rows = np.flatnonzero(in_scope)
    factor_of = dict(zip(np.flatnonzero(scored.eligible).tolist(), scored.factors, strict=True))
    now = datetime.now(UTC)
    await _progress(
        runtime,
        run_id,
        "recording scores",
        model_version=scored.version,
        index_date=scored.index_date,
    )
    artefact = json.loads(json.dumps(scored.model.to_json(), default=str))
    async with runtime.engine.begin() as db:
        await db.execute(
            insert(model_version)
            .values(
                version=scored.version,
                kind=scored.model.kind,
                trained_at=now,
                training_window=artefact["window"],
                features=[f.name for f in scored.model.features],
                artefact=artefact,
                metrics=artefact["metrics"],
            )
            .on_conflict_do_nothing(index_elements=["version"])
        )
    conn = await asyncpg.connect(_dsn(runtime))
    try:
        await conn.copy_records_to_table(
            "patient_score",
            records=[
                (
                    run_id,
                    int(pop.patient_id[i]),
                    float(scored.probability[i]),
                    str(scored.tiers[i]),
                    factor_of[int(i)],
                )
                for i in rows
            ],
            columns=["run_id", "patient_id", "probability", "tier", "factors"],
        )
    finally:
        await conn.close()
    changed = [i for i in rows if previous.get(int(pop.patient_id[i])) != str(scored.tiers[i])]
    counts_by_tier: dict[str, int] = {}
    by_locality: dict[str, dict[str, int]] = {}
    for i in rows:
        tier, loc = str(scored.tiers[i]), str(pop.locality[i])
        counts_by_tier[tier] = counts_by_tier.get(tier, 0) + 1
        by_locality.setdefault(loc, {}).setdefault(tier, 0)
        by_locality[loc][tier] += 1
    async with runtime.uow() as uow:
        tier_rows = []
        for i in changed:
            pid, nhs = int(pop.patient_id[i]), str(pop.nhs_number[i])
            tier = str(scored.tiers[i])
            tier_rows.append(
                {
                    "patient_id": pid,
                    "tier": tier,
                    "previous_tier": previous.get(pid),
                    "probability": float(scored.probability[i]),
                    "run_id": run_id,
                    "changed_at": now,
                }
            )
            key = patient_key(nhs)
            uow.publish(
                PatientTierChanged(
                    patient_key=key,
                    nhs_number=nhs,
                    practice_code=str(pop.practice_code[i]),
                    locality=str(pop.locality[i]),
                    previous_tier=previous.get(pid),
                    tier=tier,
                    probability=float(scored.probability[i]),
                    model_version=scored.version,
                    run_id=run_id,
                    top_factors=factor_of[int(i)],
                    effective_at=now,
                ),
                key=key,
                aggregate_type="patient",
                aggregate_id=key,
            )
        if tier_rows:
            upsert = insert(current_tier)
            await uow.session.execute(
                upsert.on_conflict_do_update(
                    index_elements=["patient_id"],
                    set_={
                        c: upsert.excluded[c]
                        for c in ("tier", "previous_tier", "probability", "run_id", "changed_at")
                    },
                ),
                tier_rows,
            )
        counts = {
            "patients_scored": len(rows),
            "tier_changes": len(changed),
            "by_tier": counts_by_tier,
            "by_locality": by_locality,
        }
        uow.publish(
            StratificationRunCompleted(
                run_id=run_id,
                model_version=scored.version,
                snapshot_id=snapshot,
                practice_code=practice,
                started_at=now,
                completed_at=datetime.now(UTC),
                patients_scored=len(rows),
                tier_changes=len(changed),
                counts_by_tier=counts_by_tier,
                counts_by_locality=by_locality,
            ),
            key=run_id,
            aggregate_type="run",
            aggregate_id=run_id,
        )
        await uow.session.execute(
            sa.update(run)
            .where(run.c.id == run_id)
            .values(
                status="completed",
                progress="completed",
                completed_at=datetime.now(UTC),
                counts=counts,
            )
        )
        await uow.commit()
    log.info("run %s completed: %d scored, %d tier changes", run_id, len(rows), len(changed))
