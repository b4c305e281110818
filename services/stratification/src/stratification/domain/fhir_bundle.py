"""FHIR R4 transaction/batch Bundles of Patient, Condition and Encounter, read as ingest rows.

Each resource becomes the same row the bulk files carry, so one set of checks (ingest_validation)
applies to every route in. Faults point at the entry and FHIRPath the sender has to fix.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import DomainError
from .ingest_validation import (
    ActivityRecord,
    RegistryRecord,
    RowError,
    validate_activity_rows,
    validate_registry_rows,
)
from .patient_activity import EventKind

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ICD10_SYSTEMS = frozenset(
    {
        "http://hl7.org/fhir/sid/icd-10",
        "http://hl7.org/fhir/sid/icd-10-uk",  # NHS ICD-10 5th edition
    }
)
BUNDLE_TYPES = frozenset({"transaction", "batch"})
RESOURCE_TYPES = frozenset({"Patient", "Condition", "Encounter"})
# Encounter.class (v3 ActCode) to the activity the risk model reads.
ENCOUNTER_CLASSES: Mapping[str, EventKind] = {
    "AMB": EventKind.GP,
    "EMER": EventKind.AE,
    "IMP": EventKind.NEL,
}
NOT_ACTIVITY_STATUSES = frozenset({"cancelled", "entered-in-error", "planned"})
_HINTS = {
    "icd10_primary": "an ICD-10 coding (system http://hl7.org/fhir/sid/icd-10 or icd-10-uk)",
    "practice_code": "the registered GP practice's ODS code",
}


@dataclass(frozen=True, slots=True)
class BundleIssue:
    """One fault: which entry, where in it, what was there and why it is refused."""

    entry: int | None
    expression: str
    value: str
    reason: str


class BundleRejected(DomainError):
    """A Bundle with any bad entry is refused whole so the store never holds half of it."""

    code = "bundle-rejected"

    def __init__(self, issues: list[BundleIssue]) -> None:
        super().__init__(f"bundle rejected: {len(issues)} problem(s); nothing was stored")
        self.issues = issues


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """What one accepted entry became, for the response Bundle."""

    entry: int
    resource_type: str
    nhs_number: str


@dataclass
class BundleContents:
    """Accepted rows, and what names their entries in later faults (e.g. stored duplicates)."""

    bundle_type: str
    registry: list[RegistryRecord] = field(default_factory=list)
    registry_entries: list[int] = field(default_factory=list)
    activity: list[ActivityRecord] = field(default_factory=list)
    activity_entries: list[int] = field(default_factory=list)
    outcomes: list[EntryOutcome] = field(default_factory=list)
    paths: dict[int, dict[str, str]] = field(default_factory=dict)

    def issue_for(self, error: RowError) -> BundleIssue:
        """Say where a row fault sits in the Bundle the sender posted."""
        base = f"Bundle.entry[{error.line}].resource"
        where = self.paths.get(error.line, {}).get(error.field)
        reason = error.reason
        if reason == "missing" and error.field in _HINTS:
            reason = f"missing: {_HINTS[error.field]} is required"
        return BundleIssue(error.line, f"{base}.{where}" if where else base, error.value, reason)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _day(value: str | None) -> str | None:
    """FHIR dateTime to its calendar day ('2024-11-02T10:00:00Z' -> '2024-11-02')."""
    if value is not None and len(value) > 10 and value[10] == "T":
        return value[:10]
    return value


def _icd10_codes(concepts: Sequence[Any]) -> list[str]:
    return [
        str(coding["code"])
        for concept in concepts
        for coding in _list(_dict(concept).get("coding"))
        if _dict(coding).get("system") in ICD10_SYSTEMS and _text(_dict(coding).get("code"))
    ]


def _identifier(values: Any, system: str) -> str | None:
    for ident in _list(values):
        if _dict(ident).get("system") == system:
            return _text(ident.get("value")) or ""
    return None


class _Reader:
    """Turns entries into rows, collecting every structural fault on the way."""

    def __init__(
        self,
        bundle_type: str,
        *,
        known_practices: Collection[str],
        registered: Mapping[str, str],
        today: date,
    ) -> None:
        self.contents = BundleContents(bundle_type)
        self.issues: list[BundleIssue] = []
        self.known_practices = known_practices
        self.registered = registered
        self.today = today
        self.patient_of_url: dict[str, str] = {}
        self.practice_of: dict[str, str] = {}
        self.condition_codes: dict[str, list[str]] = {}
        self.seen_patients: dict[str, int] = {}
        self.seen_activity: dict[tuple[object, ...], int] = {}

    def fail(self, entry: int, where: str, value: str, reason: str) -> None:
        self.issues.append(BundleIssue(entry, f"Bundle.entry[{entry}].{where}", value, reason))

    def row_errors(self, errors: list[RowError]) -> None:
        self.issues.extend(self.contents.issue_for(e) for e in errors)

    def patient(self, i: int, url: str | None, res: dict[str, Any]) -> None:
        nhs = _identifier(res.get("identifier"), NHS_NUMBER_SYSTEM)
        gp = next(
            (
                code
                for ref in _list(res.get("generalPractitioner"))
                if (code := _identifier([_dict(ref).get("identifier")], ODS_SYSTEM)) is not None
            ),
            None,
        )
        postcode = next(
            (p for a in _list(res.get("address")) if (p := _text(_dict(a).get("postalCode")))),
            None,
        )
        self.contents.paths[i] = {
            "nhs_number": f"identifier.where(system='{NHS_NUMBER_SYSTEM}').value",
            "sex": "gender",
            "birth_date": "birthDate",
            "practice_code": f"generalPractitioner.identifier.where(system='{ODS_SYSTEM}').value",
            "postcode": "address.postalCode",
        }
        row = {
            "nhs_number": nhs,
            "sex": _text(res.get("gender")),
            "birth_date": _text(res.get("birthDate")),
            "practice_code": gp,
            "postcode": postcode,
        }
        records, errors = validate_registry_rows(
            [row], known_practices=self.known_practices, today=self.today, first_line=i
        )
        self.row_errors(errors)
        for record in records:
            if record.nhs_number in self.seen_patients:
                first = self.seen_patients[record.nhs_number]
                self.row_errors(
                    [RowError(i, "nhs_number", nhs or "", f"same patient as entry {first}")]
                )
                continue
            self.seen_patients[record.nhs_number] = i
            self.practice_of[record.nhs_number] = record.practice_code
            for ref in (url, f"Patient/{res['id']}" if _text(res.get("id")) else None):
                if ref:
                    self.patient_of_url[ref] = record.nhs_number
            self.contents.registry.append(record)
            self.contents.registry_entries.append(i)
            self.contents.outcomes.append(EntryOutcome(i, "Patient", record.nhs_number))

    def subject(self, i: int, res: dict[str, Any]) -> tuple[str | None, str | None]:
        """The patient's NHS number and practice, from this Bundle or the stored registry."""
        subject = _dict(res.get("subject"))
        ref = _text(subject.get("reference"))
        if ref is not None and ref in self.patient_of_url:
            nhs = self.patient_of_url[ref]
            return nhs, self.practice_of[nhs]
        ident = _dict(subject.get("identifier"))
        if ident.get("system") == NHS_NUMBER_SYSTEM and _text(ident.get("value")):
            nhs = str(ident["value"]).replace(" ", "")
            practice = self.practice_of.get(nhs) or self.registered.get(nhs)
            if practice is None:
                self.fail(i, "resource.subject.identifier.value", nhs, "not on the registry")
            return nhs, practice
        self.fail(
            i,
            "resource.subject",
            ref or "",
            "must reference a Patient in this Bundle or identify one by NHS number",
        )
        return None, None

    def activity(
        self, i: int, kind: EventKind, row: dict[str, str | None], paths: dict[str, str]
    ) -> None:
        self.contents.paths[i] = paths
        records, errors = validate_activity_rows(
            [row], known_practices=self.known_practices, today=self.today, first_line=i
        )
        self.row_errors(errors)
        for r in records:
            key = (r.nhs_number, r.date, r.kind, r.icd10_primary, tuple(sorted(r.icd10_secondary)))
            if key in self.seen_activity:
                first = self.seen_activity[key]
                self.row_errors([RowError(i, "row", r.nhs_number, f"duplicate of entry {first}")])
                continue
            self.seen_activity[key] = i
            self.contents.activity.append(r)
            self.contents.activity_entries.append(i)
            self.contents.outcomes.append(EntryOutcome(i, kind.name.capitalize(), r.nhs_number))

    def condition(self, i: int, res: dict[str, Any], *, as_diagnosis: bool) -> None:
        nhs, practice = self.subject(i, res)
        onset = _text(res.get("onsetDateTime"))
        codes = _icd10_codes([res.get("code")])
        if as_diagnosis or nhs is None or practice is None:
            return  # an Encounter's diagnosis is stored with that Encounter
        self.activity(
            i,
            EventKind.CONDITION,
            {
                "nhs_number": nhs,
                "practice_code": practice,
                "date": _day(onset if onset is not None else _text(res.get("recordedDate"))),
                "kind": EventKind.CONDITION.label,
                "icd10_primary": codes[0] if codes else None,
                "icd10_secondary": None,
            },
            {
                "nhs_number": "subject",
                "date": "onsetDateTime" if onset is not None else "recordedDate",
                "icd10_primary": "code.coding.code",
                "icd10_secondary": "code.coding",
            },
        )

    def encounter(self, i: int, res: dict[str, Any]) -> None:
        nhs, practice = self.subject(i, res)
        status = _text(res.get("status")) or ""
        if status in NOT_ACTIVITY_STATUSES:
            reason = "a cancelled, planned or entered-in-error Encounter is not activity"
            self.fail(i, "resource.status", status, reason)
        klass = _text(_dict(res.get("class")).get("code")) or ""
        kind = ENCOUNTER_CLASSES.get(klass)
        if kind is None:
            self.fail(i, "resource.class.code", klass, f"not one of {sorted(ENCOUNTER_CLASSES)}")
        elif kind is EventKind.NEL and not any(
            _dict(c).get("code") == "EM" for c in _list(_dict(res.get("priority")).get("coding"))
        ):
            reason = "only emergency inpatient stays (priority EM) are non-elective admissions"
            self.fail(i, "resource.priority", klass, reason)
        ranked = sorted(
            _list(res.get("diagnosis")),
            key=lambda d: d.get("rank", 1_000) if isinstance(d.get("rank"), int) else 1_000,
        )
        diagnosed = [
            code
            for d in ranked
            for code in self.condition_codes.get(
                _text(_dict(_dict(d).get("condition")).get("reference")) or "", []
            )[:1]
        ]
        codes = diagnosed + _icd10_codes(_list(res.get("reasonCode")))
        if kind is None or nhs is None or practice is None:
            return
        self.activity(
            i,
            kind,
            {
                "nhs_number": nhs,
                "practice_code": practice,
                "date": _day(_text(_dict(res.get("period")).get("start"))),
                "kind": kind.label,
                "icd10_primary": codes[0] if codes else None,
                "icd10_secondary": ";".join(codes[1:]),
            },
            {
                "nhs_number": "subject",
                "date": "period.start",
                "icd10_primary": "diagnosis.condition | reasonCode.coding",
                "icd10_secondary": "diagnosis.condition | reasonCode.coding",
            },
        )


def read_bundle(
    bundle: Mapping[str, Any],
    *,
    known_practices: Collection[str],
    registered: Mapping[str, str],
    today: date,
) -> BundleContents:
    """All entries or none: raise BundleRejected naming every bad entry.

    `registered` maps stored NHS numbers to their practice, for resources that identify a patient
    already on the registry instead of one in the Bundle.
    """
    if bundle.get("resourceType") != "Bundle":
        raise BundleRejected(
            [BundleIssue(None, "resourceType", str(bundle.get("resourceType")), "must be Bundle")]
        )
    bundle_type = _text(bundle.get("type")) or ""
    entries = bundle.get("entry")
    problems = []
    if bundle_type not in BUNDLE_TYPES:
        problems.append(
            BundleIssue(None, "Bundle.type", bundle_type, "must be transaction or batch")
        )
    if not isinstance(entries, list) or not entries:
        problems.append(BundleIssue(None, "Bundle.entry", "", "the Bundle has no entries"))
    if problems:
        raise BundleRejected(problems)
    assert isinstance(entries, list)
    reader = _Reader(
        bundle_type, known_practices=known_practices, registered=registered, today=today
    )
    resources: list[tuple[int, dict[str, Any]]] = []
    for i, entry in enumerate(entries):
        res = _dict(_dict(entry).get("resource"))
        kind = _text(res.get("resourceType")) or ""
        method = _text(_dict(_dict(entry).get("request")).get("method"))
        if kind not in RESOURCE_TYPES:
            reader.fail(i, "resource.resourceType", kind, f"not one of {sorted(RESOURCE_TYPES)}")
        elif method is not None and method not in ("POST", "PUT"):
            reader.fail(i, "request.method", method, "only POST or PUT can load data")
        elif kind == "Patient":
            reader.patient(i, _text(_dict(entry).get("fullUrl")), res)
        else:
            resources.append((i, res))
        if kind == "Condition":
            url = _text(_dict(entry).get("fullUrl"))
            codes = _icd10_codes([res.get("code")])
            for ref in (url, f"Condition/{res['id']}" if _text(res.get("id")) else None):
                if ref:
                    reader.condition_codes[ref] = codes
    diagnoses = {
        _text(_dict(d.get("condition")).get("reference"))
        for _, res in resources
        if res.get("resourceType") == "Encounter"
        for d in _list(res.get("diagnosis"))
        if isinstance(d, dict)
    }
    urls = {i: _text(_dict(e).get("fullUrl")) for i, e in enumerate(entries)}
    for i, res in resources:
        if res.get("resourceType") == "Condition":
            own = {urls[i], f"Condition/{res.get('id')}"}
            reader.condition(i, res, as_diagnosis=bool(own & diagnoses))
        elif res.get("resourceType") == "Encounter":
            reader.encounter(i, res)
    if reader.issues:
        raise BundleRejected(sorted(reader.issues, key=lambda x: (x.entry or -1, x.expression)))
    return reader.contents
