"""The caseload domain for one transaction, rebuilt after taking the locality locks it needs.

Within one transaction (an API command, or a consumer batch) the rebuilt domain is kept and
reused while no new locality needs locking: everything this transaction changes goes through it,
and no one else can change a locked locality until the transaction ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from caseload.adapters.repository import CaseloadRepository
from caseload.domain.caseloads import Caseloads
from caseload.domain.vocabulary import Locality
from cch_messaging import MessagingUnitOfWork

_ATTR = "_caseload_state"


@dataclass
class _State:
    repo: CaseloadRepository
    locked: set[Locality] = field(default_factory=set)
    caseloads: Caseloads | None = None


def _state(uow: MessagingUnitOfWork) -> _State:
    state: _State | None = getattr(uow, _ATTR, None)
    if state is None or state.repo.session is not uow.session:
        state = _State(CaseloadRepository(uow.session))
        setattr(uow, _ATTR, state)
    return state


def repository(uow: MessagingUnitOfWork) -> CaseloadRepository:
    """The transaction's repository (shared, so it remembers NHS numbers of loaded cases)."""
    return _state(uow).repo


async def locked_caseloads(uow: MessagingUnitOfWork, localities: Iterable[Locality]) -> Caseloads:
    """The domain with these localities locked until commit; reloaded when a lock is new."""
    state = _state(uow)
    wanted = set(localities)
    if state.caseloads is not None and wanted <= state.locked:
        return state.caseloads
    await state.repo.lock_localities(wanted - state.locked)
    state.locked |= wanted
    state.caseloads = await state.repo.caseloads(await state.repo.workforce())
    return state.caseloads


async def read_caseloads(uow: MessagingUnitOfWork) -> Caseloads:
    """The domain for reading only (reports): no locks."""
    state = _state(uow)
    if state.caseloads is not None:
        return state.caseloads
    return await state.repo.caseloads(await state.repo.workforce())
