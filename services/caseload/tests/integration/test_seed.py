"""The default workforce `make run` seeds: sized to the modelled caseloads, loaded once."""

import pytest
import sqlalchemy as sa

from caseload.adapters import tables
from caseload.domain.workforce_sizing import default_workforce
from caseload.service_layer.workforce import seed_workforce
from cch_contracts.clock import SystemClock

pytestmark = pytest.mark.integration


async def test_default_workforce_is_seeded_once(caseload, lead):
    async with caseload() as client:
        runtime = client._transport.app.state.runtime
        async with runtime.uow() as uow:  # never committed: the shared schema is left as it was
            for table in (
                "review_outcomes",
                "waiting_list",
                "cases",
                "case_managers",
                "teams",
                "practices",
            ):
                await uow.session.execute(sa.delete(metadata_table(table)))
            assert await seed_workforce(uow, default_workforce(), clock=SystemClock()) is True
            managers = await uow.session.scalar(
                sa.select(sa.func.count()).select_from(tables.case_managers)
            )
            capacity = await uow.session.scalar(
                sa.select(sa.func.sum(tables.case_managers.c.capacity_points))
            )
            assert 200 < managers < 300
            assert capacity >= 8793 * 2.5 * 1.15  # every modelled patient, with headroom
            assert await seed_workforce(uow, default_workforce(), clock=SystemClock()) is False


def metadata_table(name: str) -> sa.Table:
    return tables.metadata.tables[f"{tables.SCHEMA}.{name}"]
