"""The caseload domain for one transaction, rebuilt after taking the locality locks it needs.

Within one transaction (an API command, or a consumer batch) the rebuilt domain is kept and
reused while no new locality needs locking: everything this transaction changes goes through it,
and no one else can change a locked locality until the transaction ends.

A transaction that locks every locality at once (the consumer) may also reuse the domain the
previous such transaction in this process left behind, but only when the stored generation stamp
(migration 0003: the id of the last transaction that wrote any table the domain is built from)
is that transaction's own id: it committed, and nothing has been written since. Anything else —
a rollback, an API command, another process, a workforce edit — means a fresh load.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from caseload.adapters.repository import CaseloadRepository
from caseload.domain.caseloads import Caseloads
from caseload.domain.vocabulary import Locality
from cch_messaging import MessagingUnitOfWork

_ATTR = "_caseload_state"
ALL_LOCALITIES = frozenset(Locality)


@dataclass
class _State:
    repo: CaseloadRepository
    locked: set[Locality] = field(default_factory=set)
    caseloads: Caseloads | None = None


@dataclass
class _Carried:
    """A domain a committed all-localities transaction left, valid while the stamp is its id."""

    valid_for: int
    caseloads: Caseloads


_carried: dict[str, _Carried] = {}  # per database


def _state(uow: MessagingUnitOfWork) -> _State:
    state: _State | None = getattr(uow, _ATTR, None)
    if state is None or state.repo.session is not uow.session:
        state = _State(CaseloadRepository(uow.session))
        setattr(uow, _ATTR, state)
    return state


def repository(uow: MessagingUnitOfWork) -> CaseloadRepository:
    """The transaction's repository (shared, so it remembers NHS numbers of loaded cases)."""
    return _state(uow).repo


def _database(uow: MessagingUnitOfWork) -> str:
    bind = uow.session.bind
    engine = bind.engine if isinstance(bind, AsyncConnection) else bind
    return engine.url.render_as_string(hide_password=True) if engine is not None else ""


async def locked_caseloads(uow: MessagingUnitOfWork, localities: Iterable[Locality]) -> Caseloads:
    """The domain with these localities locked until commit; reloaded when a lock is new."""
    state = _state(uow)
    wanted = set(localities)
    if state.caseloads is not None and wanted <= state.locked:
        return state.caseloads
    carry = not state.locked and wanted == ALL_LOCALITIES
    if not wanted <= state.locked:
        await state.repo.lock_localities(wanted - state.locked)
    state.locked |= wanted
    if state.locked != ALL_LOCALITIES:
        state.caseloads = await _load(state.repo)
        return state.caseloads
    stamp, own = await state.repo.generation()
    carried = _carried.get(_database(uow)) if carry else None
    if carried is not None and carried.valid_for == stamp and state.caseloads is None:
        state.caseloads = carried.caseloads
    else:
        state.caseloads = await _load(state.repo)
    # valid for the next transaction only if this one commits a write (which stamps `own`)
    _carried[_database(uow)] = _Carried(own, state.caseloads)
    return state.caseloads


async def _load(repo: CaseloadRepository) -> Caseloads:
    return await repo.caseloads(await repo.workforce())


async def read_caseloads(uow: MessagingUnitOfWork) -> Caseloads:
    """The domain for reading only (reports): no locks."""
    state = _state(uow)
    if state.caseloads is not None:
        return state.caseloads
    return await _load(state.repo)
