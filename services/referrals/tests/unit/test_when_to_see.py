"""When the referrer wants the patient seen: one moment or a window, as written, never reversed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cch_contracts.events import referrals as contract
from cch_fhir.schema import schema_errors
from referrals.adapters.referral_state import from_state, to_state
from referrals.domain.amendments import revise
from referrals.domain.clock import FakeClock
from referrals.domain.deduplication import link_or_create
from referrals.domain.errors import InvalidReferral, ReferralClosed
from referrals.domain.occurrence import SeenWhen, WhenToSee
from referrals.domain.references import practitioner
from referrals.domain.triage import include
from referrals.domain.vocabulary import NeedLevel, ReferralRoute, ReferralStatus
from referrals.fhir.service_request import parse_service_request, to_service_request
from referrals.service_layer.publishing import to_payload

from .conftest import MakeReferral, MakeRequest
from .fhir_bodies import NOW, body, key_for
from .test_amendments import as_stored


def test_a_date_covers_the_whole_day_and_a_moment_only_itself() -> None:
    day = SeenWhen("2027-03-01")
    assert day.earliest == datetime(2027, 3, 1, tzinfo=UTC)
    assert day.latest.date() == day.earliest.date() and day.latest > day.earliest
    moment = SeenWhen("2027-03-01T09:30:00+01:00")
    assert moment.earliest == moment.latest == datetime(2027, 3, 1, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2027-03", "2027", "2027-03-01T09:30:00", "soon"])
def test_a_time_to_see_needs_a_full_date_or_a_zoned_moment(text: str) -> None:
    with pytest.raises(InvalidReferral):
        SeenWhen(text)


def test_a_window_may_be_open_at_one_end_but_never_end_before_it_starts() -> None:
    assert WhenToSee(start=SeenWhen("2027-03-01")).latest is None
    assert WhenToSee(end=SeenWhen("2027-03-01")).earliest is None
    assert WhenToSee(start=SeenWhen("2027-03-01"), end=SeenWhen("2027-03-01")).is_window
    with pytest.raises(InvalidReferral, match="ends"):
        WhenToSee(start=SeenWhen("2027-03-02"), end=SeenWhen("2027-03-01"))
    with pytest.raises(InvalidReferral):
        WhenToSee()
    with pytest.raises(InvalidReferral):
        WhenToSee(at=SeenWhen("2027-03-01"), end=SeenWhen("2027-03-02"))


def test_occurrence_round_trips_through_fhir_and_the_stored_state() -> None:
    window = {"start": "2027-03-01", "end": "2027-03-14T17:00:00Z"}
    parsed = parse_service_request(body(occurrencePeriod=window), now=NOW, patient_key_for=key_for)
    assert parsed.request is not None, parsed.issues
    wanted = parsed.request.when_to_see
    assert wanted == WhenToSee(start=SeenWhen("2027-03-01"), end=SeenWhen("2027-03-14T17:00:00Z"))
    referral = link_or_create(parsed.request, existing=(), referral_id="r-1", received_at=NOW)
    resource = to_service_request(referral.referral)
    assert resource["occurrencePeriod"] == window
    assert schema_errors(resource) == []
    assert from_state(to_state(referral.referral)).when_to_see == wanted


def test_period_ending_before_it_starts_is_a_rule_named_by_its_element() -> None:
    parsed = parse_service_request(
        body(occurrencePeriod={"start": "2027-03-14", "end": "2027-03-01"}),
        now=NOW,
        patient_key_for=key_for,
    )
    assert parsed.request is None and parsed.http_status == 422
    assert [i.expression for i in parsed.issues] == ["ServiceRequest.occurrencePeriod"]


def test_open_referral_takes_a_new_time_to_see_and_a_closed_one_refuses_it(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    referral = referral_for()
    wanted = WhenToSee(at=SeenWhen("2027-05-01"))
    changed = revise(
        referral,
        replace(as_stored(referral), when_to_see=wanted),
        status_reason="",
        at=clock.now(),
        by="ehr",
    )
    assert changed == ["occurrence"] and referral.when_to_see == wanted
    assert referral.version == 2
    referral.revoke("withdrawn", at=clock.now(), by="ehr")
    assert referral.status is ReferralStatus.REVOKED
    with pytest.raises(ReferralClosed):
        revise(
            referral,
            replace(as_stored(referral), when_to_see=None),
            status_reason="",
            at=clock.now(),
            by="ehr",
        )


def test_received_and_accepted_events_say_when_to_see_the_patient(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    undated = referral_for()
    [received] = [to_payload(e) for e in undated.pull_events()]
    assert isinstance(received, contract.ReferralReceived)
    assert (received.see_from, received.see_by) == (None, None)

    window = WhenToSee(start=SeenWhen("2027-03-01"), end=SeenWhen("2027-03-14"))
    linked = link_or_create(
        request_for(route=ReferralRoute.AE_FIT, when_to_see=window),
        existing=[undated],
        referral_id="unused",
        received_at=clock.now(),
    )
    [received] = [to_payload(e) for e in linked.referral.pull_events()]
    assert isinstance(received, contract.ReferralReceived) and received.linked_to_open_referral
    assert received.see_from == datetime(2027, 3, 1, tzinfo=UTC)
    assert received.see_by == datetime(2027, 3, 14, 23, 59, 59, 999999, tzinfo=UTC)

    include(
        undated,
        need_level=NeedLevel.SEVERE,
        eligibility_criteria=["consent", "risk-tier-high"],
        decided_by=practitioner("cm-1"),
        clock=clock,
    )
    [accepted] = [to_payload(e) for e in undated.pull_events()]
    assert isinstance(accepted, contract.ReferralAccepted)
    assert (accepted.see_from, accepted.see_by) == (received.see_from, received.see_by)
    wire = contract.ReferralAccepted.model_validate_json(accepted.model_dump_json())
    assert wire.see_by == received.see_by


def test_a_moment_to_see_is_both_ends_of_the_event_window(referral_for: MakeReferral) -> None:
    referral = referral_for(when_to_see=WhenToSee(at=SeenWhen("2027-03-01T09:30:00+01:00")))
    [received] = [to_payload(e) for e in referral.pull_events()]
    assert isinstance(received, contract.ReferralReceived)
    assert received.see_from == received.see_by == datetime(2027, 3, 1, 8, 30, tzinfo=UTC)
