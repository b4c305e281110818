"""ServiceRequest.subject and .requester: whom the referral is for and who sent it, or the issues.

The patient is named by NHS number (Modulus 11 checked), by this programme's opaque patient key,
by a `Patient/<id>` reference the caller can resolve, or by a contained Patient carrying an NHS
number (a self-referral without one is known by the referral it already belongs to).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cch_fhir.errors import IssueCode
from referrals.domain.errors import DomainError
from referrals.domain.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from referrals.domain.patients import PatientIdentity
from referrals.domain.references import REQUESTER_KINDS, Reference, ReferenceKind
from referrals.domain.vocabulary import PATIENT_KEY_SYSTEM, ReferralRoute

Json = dict[str, Any]
Fail = Callable[[IssueCode, str, str], None]
PatientResolver = Callable[[str], PatientIdentity | None]
PatientKeyFor = Callable[[str], str]


class SubjectRules:
    """Reads the subject and requester of one ServiceRequest, reporting through `fail`."""

    def __init__(
        self,
        body: Json,
        fail: Fail,
        *,
        patient_key_for: PatientKeyFor,
        resolve: PatientResolver | None,
        stored_patient: PatientIdentity | None = None,
    ) -> None:
        self.body = body
        self.fail = fail
        self.patient_key_for = patient_key_for
        self.resolve = resolve
        self.stored_patient = stored_patient

    def subject(self) -> PatientIdentity | None:
        subject: Json = self.body.get("subject") or {}
        if subject.get("type") not in (None, "Patient"):
            self.fail(IssueCode.VALUE, "ServiceRequest.subject.type", "The subject is a Patient")
            return None
        identifier = subject.get("identifier")
        if identifier is not None:
            return self._patient_by_identifier(identifier, "ServiceRequest.subject.identifier")
        reference = subject.get("reference")
        if not isinstance(reference, str):
            self.fail(
                IssueCode.REQUIRED,
                "ServiceRequest.subject",
                f"Name the patient by NHS number identifier ({NHS_NUMBER_SYSTEM}) "
                "or a Patient reference",
            )
            return None
        if reference.startswith("#"):
            return self._contained_patient(reference[1:])
        kind, _, ident = reference.partition("/")
        if kind != "Patient" or not ident or "/" in ident:
            self.fail(
                IssueCode.VALUE,
                "ServiceRequest.subject.reference",
                f"{reference!r} is not a Patient reference (Patient/<id>)",
            )
            return None
        resolved = self.resolve(ident) if self.resolve else None
        if resolved is None:
            self.fail(
                IssueCode.NOT_FOUND,
                "ServiceRequest.subject.reference",
                f"{reference} is not known here: identify the patient by NHS number",
            )
        return resolved

    def _patient_by_identifier(self, identifier: Json, expression: str) -> PatientIdentity | None:
        system, value = identifier.get("system"), identifier.get("value")
        if system == NHS_NUMBER_SYSTEM:
            if not isinstance(value, str) or not is_valid_nhs_number(value):
                self.fail(
                    IssueCode.VALUE,
                    f"{expression}.value",
                    f"{value!r} is not a valid NHS number (10 digits, Modulus 11 check digit)",
                )
                return None
            return PatientIdentity(self.patient_key_for(value), value)
        if system == PATIENT_KEY_SYSTEM and isinstance(value, str) and value.strip():
            return PatientIdentity(value.strip())
        self.fail(
            IssueCode.VALUE,
            f"{expression}.system",
            f"A patient identifier must be an NHS number ({NHS_NUMBER_SYSTEM}), not {system!r}",
        )
        return None

    def _contained_patient(self, local_id: str) -> PatientIdentity | None:
        for i, resource in enumerate(self.body.get("contained") or []):
            if resource.get("resourceType") == "Patient" and resource.get("id") == local_id:
                for j, identifier in enumerate(resource.get("identifier") or []):
                    if identifier.get("system") == NHS_NUMBER_SYSTEM:
                        return self._patient_by_identifier(
                            identifier, f"ServiceRequest.contained[{i}].identifier[{j}]"
                        )
                if self.stored_patient is not None and self.stored_patient.nhs_number is None:
                    # an update of a self-referral made without an NHS number: the referral's
                    # logical id already names the patient (who cannot change)
                    return self.stored_patient
                self.fail(
                    IssueCode.REQUIRED,
                    f"ServiceRequest.contained[{i}].identifier",
                    "The contained Patient needs an NHS number identifier",
                )
                return None
        self.fail(
            IssueCode.NOT_FOUND,
            "ServiceRequest.subject.reference",
            f"No contained Patient with id {local_id!r}",
        )
        return None

    def requester(self, route: ReferralRoute | None) -> Reference | None:
        requester: Json | None = self.body.get("requester")
        allowed = REQUESTER_KINDS | (
            {ReferenceKind.PATIENT} if route is ReferralRoute.SELF else set()
        )
        names = ", ".join(sorted(k.value for k in allowed))
        if not requester or not isinstance(requester.get("reference"), str):
            self.fail(
                IssueCode.REQUIRED,
                "ServiceRequest.requester.reference",
                f"Say who referred: a reference to a {names}",
            )
            return None
        try:
            return Reference.parse(requester["reference"], allowed=frozenset(allowed))
        except DomainError as error:
            self.fail(IssueCode.VALUE, "ServiceRequest.requester.reference", error.message)
            return None
