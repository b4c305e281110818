"""Merging one patient's duplicate records: the oldest survives and the links say so."""

from datetime import UTC, datetime

import pytest

from careplans.domain.patient_merge import (
    HeldPatient,
    absorbing,
    merge_of,
    replaced_by,
    repointed,
    retired,
)

NHS = "https://fhir.nhs.uk/Id/nhs-number"


def held(rid: str, day: int, **content) -> HeldPatient:
    body = {"resourceType": "Patient", "id": rid, **content}
    return HeldPatient(rid, datetime(2026, 1, day, tzinfo=UTC), body)


def test_the_first_registered_record_survives_whatever_order_they_are_found_in():
    merge = merge_of([held("b", 5), held("c", 2), held("a", 9)])
    assert merge.survivor.id == "c"
    assert merge.merged_ids == {"a", "b"}


def test_records_registered_at_the_same_moment_are_decided_by_id():
    assert merge_of([held("z", 3), held("m", 3)]).survivor.id == "m"


def test_one_record_is_not_a_merge():
    with pytest.raises(ValueError, match="at least two"):
        merge_of([held("a", 1)])


def test_merged_record_is_inactive_and_replaced_by_the_survivor_keeping_its_content():
    merged = held("b", 5, name=[{"family": "Mensah"}], active=True).content
    out = retired(merged, survivor_id="a")
    assert out["active"] is False and out["name"] == [{"family": "Mensah"}]
    assert out["link"] == [{"other": {"reference": "Patient/a"}, "type": "replaced-by"}]
    assert replaced_by(out) == "a" and replaced_by(merged) is None


def test_survivor_replaces_each_merged_record_and_keeps_identifiers_only_they_held():
    survivor = held("a", 1, identifier=[{"system": NHS, "value": "9434765919"}]).content
    mrn = {"system": "https://acute.example/mrn", "value": "K1"}
    others = [
        held("b", 2, identifier=[{"system": NHS, "value": "9434765919"}, mrn]).content,
        held("c", 3, identifier=[mrn]).content,
    ]
    out = absorbing(survivor, others)
    assert [link["other"]["reference"] for link in out["link"]] == ["Patient/b", "Patient/c"]
    assert {link["type"] for link in out["link"]} == {"replaces"}
    assert out["identifier"] == [
        {"system": NHS, "value": "9434765919"},
        {**mrn, "use": "old"},
    ]


def test_references_to_a_merged_patient_name_the_survivor_in_every_form():
    plan = {
        "resourceType": "CarePlan",
        "subject": {"reference": "Patient/b", "display": "Ms Mensah"},
        "author": {"reference": "https://ehr.example.nhs.uk/fhir/Patient/b/_history/3"},
        "contributor": [{"reference": "Patient/x"}, {"reference": "Practitioner/b"}],
        "careTeam": [{"reference": "CareTeam/b"}],
    }
    out = repointed(plan, merged_ids=frozenset({"b"}), survivor_id="a")
    assert out["subject"] == {"reference": "Patient/a", "display": "Ms Mensah"}
    assert out["author"] == {"reference": "https://ehr.example.nhs.uk/fhir/Patient/a"}
    assert out["contributor"] == plan["contributor"]  # another patient; not a patient at all
    assert out["careTeam"] == plan["careTeam"]
    assert plan["subject"]["reference"] == "Patient/b"  # the stored version is not changed
