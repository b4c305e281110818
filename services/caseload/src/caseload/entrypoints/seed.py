"""`cch-caseload seed`: the default workforce, sized to the seed's modelled caseloads, once."""

import asyncio

from caseload.adapters.tables import metadata
from caseload.config import Settings
from caseload.domain.workforce_sizing import default_workforce
from caseload.service_layer.workforce import seed_workforce
from cch_contracts.clock import SystemClock
from cch_db import create_engine, session_factory
from cch_messaging import MessagingUnitOfWork
from cch_servicekit import ServiceSettings


async def _seed(settings: ServiceSettings, scale: float) -> bool:
    engine = create_engine(settings.database_url, schema="caseload", pool_size=1)
    try:
        uow = MessagingUnitOfWork(
            session_factory(engine),
            outbox=metadata.tables["caseload.outbox"],
            inbox=metadata.tables["caseload.inbox"],
        )
        async with uow:
            loaded = await seed_workforce(uow, default_workforce(scale=scale), clock=SystemClock())
            await uow.commit()
        return loaded
    finally:
        await engine.dispose()


def seed_default_workforce(settings: ServiceSettings, population: int) -> int:
    scale = settings.modelled_scale if isinstance(settings, Settings) else 1.0
    loaded = asyncio.run(_seed(settings, scale))
    print(
        "caseload: default workforce loaded" if loaded else "caseload: workforce already present",
        flush=True,
    )
    return 0
