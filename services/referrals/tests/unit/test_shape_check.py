"""The quick structural check never accepts what fhir.resources would refuse, and it does accept
the ServiceRequests EHRs usually send (so creates skip the full model)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from referrals.fhir import extensions as ext
from referrals.fhir.service_request import to_service_request
from referrals.fhir.shape import certainly_well_formed

from .conftest import MakeReferral
from .fhir_bodies import body

BAD_VALUES: list[Any] = [
    None,
    "",
    " ",
    " lead",
    "two  spaces",
    "tab\there",
    "nul\x00",
    5,
    1.5,
    True,
    [],
    {},
    [None],
    {"unknown": "x"},
    "2024-02-30",
    "2024-13-01",
    "2024-03-28T25:00:00Z",
    "2024-03-28T10:15:00",
    "0000-01-01",
]


def _accepted_by_fhir_resources(resource: dict[str, Any]) -> bool:
    try:
        ServiceRequest.model_validate(resource)
    except ValidationError:
        return False
    return True


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _mutants(resource: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in _paths(resource):
        if not path:
            continue
        for bad in BAD_VALUES:
            mutant = copy.deepcopy(resource)
            parent = mutant
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = copy.deepcopy(bad)
            yield mutant
        mutant = copy.deepcopy(resource)
        parent = mutant
        for step in path:
            parent = parent[step]
        if isinstance(parent, dict):
            parent["unexpected"] = "x"
            yield mutant
        mutant = copy.deepcopy(resource)
        parent = mutant
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]  # every element and list item left out in turn
        yield mutant


def _resources(referral_for: MakeReferral) -> list[dict[str, Any]]:
    gp = body(
        occurrencePeriod={"start": "2027-03-01", "end": "2027-03-14T17:00:00+01:00"},
        extension=[
            {"url": ext.LOCALITY, "valueCode": "north"},
            {
                "url": ext.GP_PRACTICE,
                "valueIdentifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": "M85011",
                },
            },
        ],
        note=[{"text": "Lives alone"}],
    )
    return [gp, to_service_request(referral_for())]


def test_usual_ehr_referrals_skip_the_full_model(referral_for: MakeReferral) -> None:
    for resource in _resources(referral_for):
        assert certainly_well_formed(resource), resource
        assert _accepted_by_fhir_resources(resource)


def test_quick_check_never_accepts_what_the_full_model_refuses(
    referral_for: MakeReferral,
) -> None:
    checked = 0
    for resource in _resources(referral_for):
        for mutant in _mutants(resource):
            if certainly_well_formed(mutant):
                assert _accepted_by_fhir_resources(mutant), mutant
            checked += 1
    assert checked > 500


def test_one_occurrence_at_most() -> None:
    both = body(occurrenceDateTime="2027-03-01", occurrencePeriod={"start": "2027-03-01"})
    assert not _accepted_by_fhir_resources(both)
    assert not certainly_well_formed(both)


@pytest.mark.parametrize("element", ["bodySite", "_status", "contained", "specimen"])
def test_other_elements_go_to_the_full_model(element: str) -> None:
    assert not certainly_well_formed(body(**{element: [{"text": "x"}]}))


def test_a_huge_value_is_checked_in_one_pass() -> None:
    """A pattern that backtracks would take hours on these (bodies may be a megabyte)."""
    huge_bad = "a" * 500_000 + "\x01"
    assert not certainly_well_formed(body(note=[{"text": huge_bad}]))
    assert not certainly_well_formed(body(status="a" * 500_000 + " "))
    assert certainly_well_formed(body(note=[{"text": "a" * 500_000}]))
