"""Referral use cases: receive by any route, change status, triage, reverse. The caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from cch_db.driver_pool import DriverPool
from cch_messaging import MessagingUnitOfWork
from referrals.adapters.access_log import Accessor
from referrals.adapters.referral_opening import open_alone
from referrals.adapters.referral_store import ReferralStore
from referrals.domain.amendments import Amendment, revise
from referrals.domain.clock import Clock
from referrals.domain.decisions import ExclusionReason, TriageDecision
from referrals.domain.deduplication import ArrivalOutcome, LinkResult, link_or_create
from referrals.domain.errors import NoDecisionToReverse
from referrals.domain.references import Reference
from referrals.domain.referral_requests import ReferralRequest
from referrals.domain.referrals import Referral
from referrals.domain.triage import exclude, include, reverse
from referrals.domain.vocabulary import Locality, MostPressingNeed, NeedLevel
from referrals.fhir.service_request_json import to_service_request
from referrals.service_layer.publishing import pending_events, publish_pending


class UnknownReferral(LookupError):
    """No referral with that id (404 at the edge)."""

    def __init__(self, referral_id: str) -> None:
        super().__init__(f"referral {referral_id} is not known")
        self.referral_id = referral_id


def new_referral_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Received:
    """Where an arrival ended up, and the resource as stored now."""

    referral: Referral
    outcome: ArrivalOutcome
    resource: dict[str, Any]
    body: str | None = None  # the resource as compact JSON, when already serialised


async def receive_alone(
    pool: DriverPool,
    request: ReferralRequest,
    *,
    clock: Clock,
    accessor: Accessor,
    new_id: Callable[[], str] = new_referral_id,
) -> Received | None:
    """The usual arrival (a patient with no open referral, an identifier never seen) as a
    transaction of its own: the referral, its first version, identifier, audit row and events
    in one statement. None when it is not the usual arrival: nothing was written, and `receive`
    (with `first_tried`) links it under the patient's lock."""
    first = link_or_create(request, existing=(), referral_id=new_id(), received_at=clock.now())
    referral = first.referral
    resource = to_service_request(referral)
    body = orjson.dumps(resource).decode()
    events = pending_events(referral)
    access = _access_row(accessor, first, ArrivalOutcome.CREATED)
    opened = await open_alone(
        pool, referral, resource=resource, resource_text=body, access=access, events=events
    )
    if not opened:
        return None
    return Received(referral, first.outcome, resource, body)


async def receive(
    uow: MessagingUnitOfWork,
    request: ReferralRequest,
    *,
    clock: Clock,
    actor: str,
    accessor: Accessor | None = None,
    new_id: Callable[[], str] = new_referral_id,
    first_tried: bool = False,
) -> Received:
    """One open referral per patient per programme: create, link, or return the one already held.

    The usual arrival (a patient with no open referral, an identifier never seen) is written in
    one statement with no lock (unless `first_tried`: receive_alone found it is not); any other
    takes the patient's lock and applies the rule to what is stored. `accessor` names the caller
    for the audit row of the write (None: a consumer).
    """
    store = ReferralStore(uow.session)
    if not first_tried:
        first = link_or_create(request, existing=(), referral_id=new_id(), received_at=clock.now())
        access = _access_row(accessor, first, ArrivalOutcome.CREATED)
        opened = await store.open_new(first.referral, render=to_service_request, access=access)
        if opened is not None:
            publish_pending(uow, first.referral)
            return Received(first.referral, first.outcome, opened)
    # Someone holds the identifier or the patient's open referral: serialise, then link to it.
    await store.lock_patient(request.patient.patient_key)
    ident = request.referrer_identifier
    held = (ident.system, ident.value) if ident is not None else None
    known = await store.known_for(request.patient.patient_key, request.programme, held)
    result = link_or_create(request, existing=known, referral_id=new_id(), received_at=clock.now())
    access = _access_row(accessor, result, result.outcome)
    if access is not None:
        await store.record_access(access)
    if result.outcome is ArrivalOutcome.ALREADY_RECEIVED:
        resource = await store.resource(result.referral.referral_id)
        assert resource is not None
        return Received(result.referral, result.outcome, resource)
    created = result.outcome is ArrivalOutcome.CREATED
    resource = await store.save(
        result.referral,
        render=to_service_request,
        method="POST" if created else "PUT",
        created=created,
        recorded_by=actor,
    )
    publish_pending(uow, result.referral)
    return Received(result.referral, result.outcome, resource)


def _access_row(
    accessor: Accessor | None, result: LinkResult, outcome: ArrivalOutcome
) -> dict[str, Any] | None:
    if accessor is None:
        return None
    interaction = {
        ArrivalOutcome.CREATED: "create",
        ArrivalOutcome.LINKED: "update",
        ArrivalOutcome.ALREADY_RECEIVED: "read",
    }[outcome]
    return accessor.row(
        interaction=interaction,
        resource_id=result.referral.referral_id,
        patient_key=result.referral.patient.patient_key,
        detail=outcome.value,
    )


async def load(store: ReferralStore, referral_id: str, *, for_update: bool = False) -> Referral:
    found = await store.get(referral_id, for_update=for_update)
    if found is None:
        raise UnknownReferral(referral_id)
    return found


async def update_referral(
    uow: MessagingUnitOfWork,
    referral_id: str,
    amendment: Amendment,
    *,
    status_reason: str,
    expected_version: int | None,
    clock: Clock,
    actor: str,
) -> dict[str, Any]:
    """An EHR's update (FHIR PUT): corrections and status moves, one version per update."""
    store = ReferralStore(uow.session)
    referral = await load(store, referral_id, for_update=True)
    if expected_version is not None:
        referral.expect_version(expected_version)
    changed = revise(referral, amendment, status_reason=status_reason, at=clock.now(), by=actor)
    if not changed:
        resource = await store.resource(referral_id)
        assert resource is not None
        return resource
    resource = await store.save(
        referral, render=to_service_request, method="PUT", created=False, recorded_by=actor
    )
    publish_pending(uow, referral)
    return resource


@dataclass(frozen=True)
class Decided:
    referral: Referral
    decision: TriageDecision


async def decide_include(
    uow: MessagingUnitOfWork,
    referral_id: str,
    *,
    need_level: NeedLevel,
    eligibility_criteria: list[str],
    decided_by: Reference,
    clock: Clock,
    actor: str,
    locality: Locality | None = None,
    most_pressing_need: MostPressingNeed | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Decided:
    store = ReferralStore(uow.session)
    referral = await load(store, referral_id, for_update=True)
    if expected_version is not None:
        referral.expect_version(expected_version)
    decision = include(
        referral,
        need_level=need_level,
        eligibility_criteria=eligibility_criteria,
        decided_by=decided_by,
        clock=clock,
        locality=locality,
        most_pressing_need=most_pressing_need,
        note=note,
    )
    await store.save(
        referral, render=to_service_request, method="PUT", created=False, recorded_by=actor
    )
    publish_pending(uow, referral)
    return Decided(referral, decision)


async def decide_exclude(
    uow: MessagingUnitOfWork,
    referral_id: str,
    *,
    reason: ExclusionReason,
    reason_text: str,
    decided_by: Reference,
    clock: Clock,
    actor: str,
    next_review_on: date | None = None,
    expected_version: int | None = None,
) -> Decided:
    store = ReferralStore(uow.session)
    referral = await load(store, referral_id, for_update=True)
    if expected_version is not None:
        referral.expect_version(expected_version)
    exclusion = exclude(
        referral,
        reason=reason,
        reason_text=reason_text,
        decided_by=decided_by,
        clock=clock,
        next_review_on=next_review_on,
    )
    await store.save(
        referral, render=to_service_request, method="PUT", created=False, recorded_by=actor
    )
    await store.add_exclusion_note(exclusion.note, decision_version=exclusion.decision.version)
    publish_pending(uow, referral)
    return Decided(referral, exclusion.decision)


async def reverse_decision(
    uow: MessagingUnitOfWork,
    referral_id: str,
    version: int,
    *,
    reason: str,
    reversed_by: Reference,
    clock: Clock,
    actor: str,
    then: Replacement | None = None,
) -> Decided:
    """Withdraw decision `version` (it must be the standing one); a reversed exclusion is lifted.

    `then` records the MDT's new decision in the same transaction (the reversal event names it,
    and its own accepted/excluded event goes out too); without it the referral is reopened.
    """
    store = ReferralStore(uow.session)
    referral = await load(store, referral_id, for_update=True)
    await store.lock_patient(referral.patient.patient_key)
    standing = referral.standing_decision
    if standing is None or standing.version != version:
        raise NoDecisionToReverse(
            f"decision {version} of referral {referral_id} is not the standing decision"
        )
    others = await store.open_for(referral.patient.patient_key, referral.programme)
    reversal = reverse(
        referral, reason=reason, reversed_by=reversed_by, clock=clock, open_referrals=others
    )
    await store.lift_exclusion_notes(referral_id, on=reversal.decided_at.date())
    final, exclusion = reversal, None
    if isinstance(then, Inclusion):
        final = include(
            referral,
            need_level=then.need_level,
            eligibility_criteria=then.eligibility_criteria,
            decided_by=reversed_by,
            clock=clock,
            locality=then.locality,
            most_pressing_need=then.most_pressing_need,
            note=then.note,
        )
    elif isinstance(then, Exclusion):
        exclusion = exclude(
            referral,
            reason=then.reason,
            reason_text=then.reason_text,
            decided_by=reversed_by,
            clock=clock,
            next_review_on=then.next_review_on,
        )
        final = exclusion.decision
    await store.save(
        referral, render=to_service_request, method="PUT", created=False, recorded_by=actor
    )
    if exclusion is not None:
        await store.add_exclusion_note(exclusion.note, decision_version=exclusion.decision.version)
    publish_pending(uow, referral)
    return Decided(referral, final)


@dataclass(frozen=True, kw_only=True)
class Inclusion:
    """The MDT's include that replaces a reversed decision."""

    need_level: NeedLevel
    eligibility_criteria: list[str]
    locality: Locality | None = None
    most_pressing_need: MostPressingNeed | None = None
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Exclusion:
    """The MDT's exclude that replaces a reversed decision."""

    reason: ExclusionReason
    reason_text: str = ""
    next_review_on: date | None = None


Replacement = Inclusion | Exclusion
