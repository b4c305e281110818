"""Incoming FHIR R4 ServiceRequest → a ReferralRequest, or every issue found (OperationOutcome).

Shape first: fhir.resources (R4B models, structurally R4 for ServiceRequest) must accept the
body, else 400 issues and nothing more. Then the programme's rules, all reported together (422):
status/intent bindings, exactly one route from our CodeSystem, priority routine|urgent, subject
a Patient by NHS number (Modulus 11) or a reference we can resolve, requester a Practitioner,
PractitionerRole or Organization (or the Patient on a self-referral), reason codings only from
SNOMED CT or ICD-10, authoredOn present and not in the future, a referrer identifier (the key of
conditional create), and crisis details on an urgent referral.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from cch_fhir.errors import IssueCode
from referrals.domain.errors import DomainError
from referrals.domain.patients import PatientIdentity
from referrals.domain.referral_requests import ReferralRequest
from referrals.domain.vocabulary import ReferralStatus
from referrals.fhir.business_rules import ServiceRequestRules
from referrals.fhir.issues import ValidationIssue, http_status_of, malformed
from referrals.fhir.issues import operation_outcome as outcome_json
from referrals.fhir.issues import rule_broken as broken
from referrals.fhir.service_request_json import to_service_request
from referrals.fhir.shape import certainly_well_formed
from referrals.fhir.subject_rules import PatientKeyFor, PatientResolver

__all__ = [
    "ParsedServiceRequest",
    "PatientResolver",
    "parse_service_request",
    "to_service_request",
]

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ParsedServiceRequest:
    """The referral the resource asks for, or the issues that stop it (never both)."""

    request: ReferralRequest | None
    status: ReferralStatus | None
    issues: tuple[ValidationIssue, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.request is not None

    @property
    def http_status(self) -> int:
        return http_status_of(self.issues)

    def operation_outcome(self) -> Json:
        """The issues as an OperationOutcome resource."""
        return outcome_json(self.issues)


def parse_service_request(
    body: object,
    *,
    now: datetime,
    patient_key_for: PatientKeyFor,
    resolve_patient: PatientResolver | None = None,
    require_identifier: bool = True,
    creating: bool = True,
    stored_patient: PatientIdentity | None = None,
) -> ParsedServiceRequest:
    """Check a ServiceRequest and map it to the domain.

    `patient_key_for` turns an NHS number into the opaque patient key (cch_contracts.patient_key);
    `resolve_patient` answers a literal `Patient/<id>` subject (None when unknown);
    `stored_patient` is the referral's patient on an update (a contained Patient without an NHS
    number, as a self-referral shows one, then means that patient).
    """
    if not isinstance(body, dict):
        issue = malformed(IssueCode.STRUCTURE, "ServiceRequest", "The body must be a JSON object")
        return ParsedServiceRequest(None, None, (issue,))
    shape = _shape_issues(body)
    if shape:
        return ParsedServiceRequest(None, None, tuple(shape))
    reader = ServiceRequestRules(
        body,
        now=now,
        patient_key_for=patient_key_for,
        resolve=resolve_patient,
        stored_patient=stored_patient,
    )
    status = reader.status(creating=creating)
    reader.intent()
    route = reader.route()
    priority = reader.priority()
    patient = reader.subject()
    requester = reader.requester(route)
    reasons = reader.reasons()
    authored_on = reader.authored_on()
    identifier = reader.identifier(required=require_identifier)
    crisis = reader.crisis(priority)
    when_to_see = reader.when_to_see()
    practice, locality, tier = reader.practice(), reader.locality(), reader.tier()
    reader.unsupported()
    if (
        reader.errors
        or route is None
        or priority is None
        or patient is None
        or requester is None
        or authored_on is None
    ):
        return ParsedServiceRequest(None, status, tuple(reader.issues))
    try:
        request = ReferralRequest(
            patient=patient,
            route=route,
            requester=requester,
            authored_on=authored_on,
            priority=priority,
            reasons=tuple(reasons),
            practice_code=practice,
            locality=locality,
            referrer_identifier=identifier,
            crisis=crisis,
            tier=tier,
            note="\n".join(reader.notes()),
            when_to_see=when_to_see,
        )
    except DomainError as error:
        issue = broken(IssueCode.BUSINESS_RULE, "ServiceRequest", error.message)
        return ParsedServiceRequest(None, status, (*reader.issues, issue))
    return ParsedServiceRequest(request, status, tuple(reader.issues))


def _shape_issues(body: Json) -> list[ValidationIssue]:
    rtype = body.get("resourceType")
    if rtype != "ServiceRequest":
        return [
            malformed(
                IssueCode.STRUCTURE,
                "resourceType",
                f"Expected resourceType ServiceRequest, got {rtype!r}",
            )
        ]
    if certainly_well_formed(body):
        return []
    try:
        ServiceRequest.model_validate(body)
    except ValidationError as error:
        return [
            malformed(_pydantic_code(e["type"]), _expression(e["loc"]), str(e["msg"]))
            for e in error.errors()
        ]
    return []


def _pydantic_code(kind: str) -> IssueCode:
    if "missing" in kind:
        return IssueCode.REQUIRED
    if kind == "extra_forbidden":
        return IssueCode.NOT_SUPPORTED
    return IssueCode.STRUCTURE


def _expression(loc: tuple[int | str, ...]) -> str:
    path = "ServiceRequest"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{str(part).removesuffix('__ext')}"
    return path
