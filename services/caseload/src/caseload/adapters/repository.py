"""Rebuilds the caseload domain from Postgres for one command, and writes its changes back."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from caseload.adapters.case_store import CaseStore
from caseload.adapters.new_cases import StagedCases
from caseload.adapters.workforce_store import WorkforceStore


class CaseloadRepository(WorkforceStore, CaseStore):
    """Postgres-backed persistence of the workforce, cases and waiting list (one transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.nhs_numbers: dict[str, str | None] = {}
        self.staged = StagedCases(session)
