"""FHIR Bundles read as ingest rows: file checks apply; faults named by entry and FHIRPath."""

from datetime import date

import pytest

from stratification.domain.fhir_bundle import BundleRejected, read_bundle
from stratification.domain.patient_activity import EventKind

TODAY = date(2026, 11, 23)
PRACTICES = {"M82001", "M82002"}
NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def patient(nhs="9434765919", *, practice="M82001", born="1938-05-04", gender="female"):
    return {
        "fullUrl": f"urn:uuid:patient-{nhs}",
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": NHS, "value": nhs}],
            "birthDate": born,
            "gender": gender,
            "generalPractitioner": [{"identifier": {"system": ODS, "value": practice}}],
            "address": [{"postalCode": "SY1 1AA"}],
        },
        "request": {"method": "POST", "url": "Patient"},
    }


def condition(code="I50.0", *, subject="urn:uuid:patient-9434765919", onset="2024-03-01", url=None):
    return {
        "fullUrl": url or f"urn:uuid:condition-{code}-{onset}",
        "resource": {
            "resourceType": "Condition",
            "subject": {"reference": subject},
            "code": {"coding": [{"system": ICD10, "code": code}]},
            "onsetDateTime": onset,
        },
        "request": {"method": "POST", "url": "Condition"},
    }


def encounter(klass, *, start="2024-11-02T10:15:00Z", reasons=("J44.1",), priority=None, **extra):
    resource = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"code": klass},
        "subject": {"reference": "urn:uuid:patient-9434765919"},
        "period": {"start": start},
        "reasonCode": [{"coding": [{"system": ICD10, "code": c}]} for c in reasons],
        **extra,
    }
    if priority:
        resource["priority"] = {"coding": [{"code": priority}]}
    return {"resource": resource, "request": {"method": "POST", "url": "Encounter"}}


def bundle(*entries, kind="transaction"):
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def read(b, registered=None):
    return read_bundle(b, known_practices=PRACTICES, registered=registered or {}, today=TODAY)


def test_patient_conditions_and_encounters_become_registry_and_activity_rows():
    contents = read(
        bundle(
            patient(),
            condition("E11.9"),
            condition("I21.0", url="urn:uuid:mi"),
            encounter("AMB", reasons=("E11.9",)),
            encounter("EMER", reasons=("R07.4",)),
            encounter(
                "IMP",
                priority="EM",
                reasons=("R06.0",),
                diagnosis=[{"condition": {"reference": "urn:uuid:mi"}, "rank": 1}],
            ),
        )
    )
    (registered,) = contents.registry
    assert (registered.nhs_number, registered.practice_code, registered.sex) == (
        "9434765919",
        "M82001",
        "female",
    )
    rows = [(r.kind, r.date, r.icd10_primary, r.icd10_secondary) for r in contents.activity]
    assert rows == [
        (EventKind.CONDITION, date(2024, 3, 1), "E119", ()),
        (EventKind.GP, date(2024, 11, 2), "E119", ()),
        (EventKind.AE, date(2024, 11, 2), "R074", ()),
        # the ranked diagnosis is the admission's primary; the MI is not also a register entry
        (EventKind.NEL, date(2024, 11, 2), "I210", ("R060",)),
    ]
    assert contents.activity_entries == [1, 3, 4, 5]


def test_activity_for_a_registered_patient_can_name_them_by_nhs_number():
    entry = encounter("EMER", reasons=("S72.0",))
    entry["resource"]["subject"] = {"identifier": {"system": NHS, "value": "943 476 5803"}}
    contents = read(bundle(entry, kind="batch"), registered={"9434765803": "M82002"})
    (row,) = contents.activity
    assert (row.nhs_number, row.practice_code, row.kind) == ("9434765803", "M82002", EventKind.AE)


def test_every_bad_entry_is_named_with_its_fhirpath_and_reason():
    bad_patient = patient("1234567890", practice="Z99999", born="2999-01-01")
    elective = encounter("IMP", reasons=("K80.2",))
    stranger = encounter("EMER")
    stranger["resource"]["subject"] = {"identifier": {"system": NHS, "value": "9434765811"}}
    with pytest.raises(BundleRejected) as caught:
        read(
            bundle(
                bad_patient,
                {"resource": {"resourceType": "Observation"}},
                patient(),
                condition("not-a-code"),
                condition("I10", onset="2027-01-01"),
                elective,
                stranger,
                encounter("AMB", reasons=()),
            )
        )
    found = {
        (i.entry, i.expression.split(".resource", 1)[-1], i.reason) for i in caught.value.issues
    }
    assert {
        (0, ".identifier.where(system='https://fhir.nhs.uk/Id/nhs-number').value",
         "not a valid NHS number (Modulus 11)"),
        (0, ".birthDate", "in the future"),
        (0, f".generalPractitioner.identifier.where(system='{ODS}').value", "unknown practice"),
        (1, ".resourceType", "not one of ['Condition', 'Encounter', 'Patient']"),
        (3, ".code.coding.code", "not an ICD-10 code"),
        (4, ".onsetDateTime", "in the future"),
        (5, ".priority",
         "only emergency inpatient stays (priority EM) are non-elective admissions"),
        (6, ".subject.identifier.value", "not on the registry"),
    } <= found  # fmt: skip
    missing_code = [i for i in caught.value.issues if i.entry == 7]
    assert missing_code and "ICD-10 coding" in missing_code[0].reason


def test_repeated_entries_are_duplicates_and_wrong_bundle_types_are_refused():
    with pytest.raises(BundleRejected) as caught:
        read(bundle(patient(), patient(), encounter("AMB"), encounter("AMB")))
    reasons = {(i.entry, i.reason) for i in caught.value.issues}
    assert reasons == {(1, "same patient as entry 0"), (3, "duplicate of entry 2")}
    with pytest.raises(BundleRejected) as wrong:
        read(bundle(patient(), kind="collection"))
    assert [(i.entry, i.expression) for i in wrong.value.issues] == [(None, "Bundle.type")]
    with pytest.raises(BundleRejected):
        read({"resourceType": "Bundle", "type": "transaction", "entry": []})
