"""An EHR's unmodified third-party FHIR client (SMART on FHIR `fhirclient`, R4 4.0.1 models)
against the gateway's one FHIR base: create, read, search with paging and includes, version-aware
update with a lost-update conflict, vread and history."""

import contextlib
import random
import uuid
from collections.abc import Iterator

import pytest
import requests
from fhirclient import client
from fhirclient.models.bundle import Bundle
from fhirclient.models.careplan import CarePlan
from fhirclient.models.careteam import CareTeam
from fhirclient.models.operationoutcome import OperationOutcome
from fhirclient.models.patient import Patient
from fhirclient.server import (
    FHIRPermissionDeniedException,
    FHIRServer,
    FHIRUnauthorizedException,
)

pytestmark = pytest.mark.e2e
NHS = "https://fhir.nhs.uk/Id/nhs-number"
KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
EHR_ORG = "M85003"  # the GP practice (ODS code) whose EHR system holds the token


def _nhs_number() -> str:
    while True:
        digits = [9, 4, *(random.randint(0, 9) for _ in range(7))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def _ehr(base: str, token: str | None) -> FHIRServer:
    """fhirclient as an EHR configures it; the bearer token goes on its requests session."""
    smart = client.FHIRClient(settings={"app_id": "cch-e2e-ehr", "api_base": base})
    if token:
        smart.server.session.headers["Authorization"] = f"Bearer {token}"
    return smart.server


@pytest.fixture
def fhir_base(stack) -> str:
    return stack.config.service_url("gateway") + "/fhir"


@pytest.fixture
def ehr(fhir_base, token_for) -> FHIRServer:
    return _ehr(fhir_base, token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG))


@contextlib.contextmanager
def if_match(server: FHIRServer, version: str) -> Iterator[None]:
    """fhirclient's update() sends no If-Match; the EHR pins the version it read on the session."""
    server.session.headers["If-Match"] = f'W/"{version}"'
    try:
        yield
    finally:
        del server.session.headers["If-Match"]


def _patient(server: FHIRServer) -> Patient:
    patient = Patient({"identifier": [{"system": NHS, "value": _nhs_number()}]})
    created = Patient(patient.create(server))
    created.origin_server = server
    return created


def _team(server: FHIRServer, patient_id: str) -> CareTeam:
    team = CareTeam(
        {
            "status": "active",
            "subject": {"reference": f"Patient/{patient_id}"},
            "participant": [
                {
                    "member": {"reference": f"Practitioner/pr-{uuid.uuid4().hex[:8]}"},
                    "onBehalfOf": {"reference": f"Organization/{EHR_ORG}"},
                }
            ],
            "managingOrganization": [{"reference": f"Organization/{EHR_ORG}"}],
        }
    )
    return CareTeam(team.create(server))


def _plan(patient_id: str, team_id: str, title: str) -> CarePlan:
    return CarePlan(
        {
            "status": "active",
            "intent": "plan",
            "title": title,
            "category": [{"coding": [{"system": KIND, "code": "integrated"}]}],
            "subject": {"reference": f"Patient/{patient_id}"},
            "careTeam": [{"reference": f"CareTeam/{team_id}"}],
        }
    )


def test_ehr_creates_reads_and_pages_through_a_patients_plans(ehr):
    patient = _patient(ehr)
    team = _team(ehr, patient.id)
    created = [CarePlan(_plan(patient.id, team.id, f"plan {n}").create(ehr)) for n in range(5)]
    assert all(p.meta.versionId == "1" for p in created)

    read = CarePlan.read(created[0].id, ehr)
    assert read.title == "plan 0"
    assert read.subject.reference == f"Patient/{patient.id}"
    assert read.careTeam[0].reference == f"CareTeam/{team.id}"

    search = CarePlan.where({"subject": f"Patient/{patient.id}", "_count": "2"})
    pages = list(search.include("subject").perform_iter(ehr))
    assert len(pages) == 3  # 2 + 2 + 1, reached by following each page's next link
    assert pages[0].total == 5
    plans = [e.resource for page in pages for e in page.entry or [] if e.search.mode == "match"]
    assert sorted(p.id for p in plans) == sorted(p.id for p in created)
    included = [
        e.resource for page in pages for e in page.entry or [] if e.search.mode == "include"
    ]
    assert {r.resource_type for r in included} == {"Patient"}
    assert {r.id for r in included} == {patient.id}


def test_ehr_searches_by_nhs_number_identifier(ehr):
    patient = _patient(ehr)
    team = _team(ehr, patient.id)
    plan = CarePlan(_plan(patient.id, team.id, "found by NHS number").create(ehr))
    nhs = patient.identifier[0].value
    found = list(CarePlan.where({"subject:identifier": f"{NHS}|{nhs}"}).perform_resources_iter(ehr))
    assert [p.id for p in found] == [plan.id]
    patients = list(Patient.where({"identifier": f"{NHS}|{nhs}"}).perform_resources_iter(ehr))
    assert [p.id for p in patients] == [patient.id]


def test_second_ehr_with_a_stale_version_gets_412_and_no_update_is_lost(ehr, fhir_base, token_for):
    patient = _patient(ehr)
    team = _team(ehr, patient.id)
    plan = CarePlan(_plan(patient.id, team.id, "draft").create(ehr))
    other = _ehr(fhir_base, token_for("ehr-system", scopes="system/*.cruds", organisation=EHR_ORG))
    theirs = CarePlan.read(plan.id, other)  # both EHRs hold version 1

    mine = CarePlan.read(plan.id, ehr)
    mine.title = "agreed by the MDT"
    with if_match(ehr, mine.meta.versionId):
        updated = CarePlan(mine.update())
    assert updated.meta.versionId == "2"

    theirs.title = "lost update"
    with if_match(other, theirs.meta.versionId), pytest.raises(requests.HTTPError) as conflict:
        theirs.update()
    assert conflict.value.response.status_code == 412
    outcome = OperationOutcome(conflict.value.response.json())
    assert outcome.issue and outcome.issue[0].severity == "error"
    assert CarePlan.read(plan.id, ehr).title == "agreed by the MDT"


def test_ehr_reads_history_and_an_earlier_version(ehr):
    patient = _patient(ehr)
    team = _team(ehr, patient.id)
    plan = CarePlan(_plan(patient.id, team.id, "v1").create(ehr))
    for version, title in (("1", "v2"), ("2", "v3")):
        current = CarePlan.read(plan.id, ehr)
        current.title = title
        with if_match(ehr, version):
            current.update()

    history = Bundle(ehr.request_json(f"CarePlan/{plan.id}/_history"))
    assert history.type == "history"
    assert [e.resource.meta.versionId for e in history.entry] == ["3", "2", "1"]
    assert [e.resource.title for e in history.entry] == ["v3", "v2", "v1"]
    first = CarePlan.read_from(f"CarePlan/{plan.id}/_history/1", ehr)
    assert first.title == "v1" and first.meta.versionId == "1"

    type_history = Bundle(ehr.request_json("CareTeam/_history?_count=50"))
    assert team.id in {e.resource.id for e in type_history.entry}


def test_unknown_plan_and_missing_token_surface_as_fhirclient_exceptions(ehr, fhir_base, token_for):
    """Need-to-know: an EHR learns no more about a plan that does not exist than about one on
    another organisation's patient (both 403); without a token it is 401."""
    patient = _patient(ehr)
    plan = CarePlan(_plan(patient.id, _team(ehr, patient.id).id, "private").create(ehr))
    stranger = _ehr(fhir_base, token_for("ehr-system", scopes="system/*.cruds", organisation="RXX"))
    with pytest.raises(FHIRPermissionDeniedException) as unknown:
        CarePlan.read(f"no-such-{uuid.uuid4().hex[:8]}", stranger)
    with pytest.raises(FHIRPermissionDeniedException) as hidden:
        CarePlan.read(plan.id, stranger)
    said = [OperationOutcome(e.value.response.json()).issue[0] for e in (unknown, hidden)]
    assert said[0].code == said[1].code == "forbidden"
    assert said[0].diagnostics == said[1].diagnostics
    with pytest.raises(FHIRUnauthorizedException):
        CarePlan.read(plan.id, _ehr(fhir_base, None))


def test_ehr_deletes_a_plan_entered_in_error_and_it_then_reads_as_gone(ehr):
    patient = _patient(ehr)
    plan = CarePlan(_plan(patient.id, _team(ehr, patient.id).id, "wrong patient").create(ehr))
    plan.delete(ehr)
    with pytest.raises(requests.HTTPError) as gone:
        CarePlan.read(plan.id, ehr)
    assert gone.value.response.status_code == 410
    history = Bundle(ehr.request_json(f"CarePlan/{plan.id}/_history"))
    assert [e.resource.meta.versionId for e in history.entry][-1] == "1"
    assert CarePlan.read_from(f"CarePlan/{plan.id}/_history/1", ehr).title == "wrong patient"
