"""The programme's rules for an incoming ServiceRequest that fhir.resources already accepted.

Each method reads one element, records every rule it breaks as a 422 issue naming the element
(FHIRPath), and returns the domain value or None; the caller decides when enough is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from referrals.domain.crisis import CrisisDetails
from referrals.domain.errors import DomainError
from referrals.domain.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from referrals.domain.occurrence import WhenToSee
from referrals.domain.patients import PatientIdentity
from referrals.domain.reasons import REASON_SYSTEMS, CodedReason, is_valid_icd10, is_valid_sctid
from referrals.domain.references import REQUESTER_KINDS, Reference, ReferenceKind
from referrals.domain.referral_requests import ALLOWED_CLOCK_SKEW, ReferrerIdentifier
from referrals.domain.vocabulary import (
    ICD_10,
    PATIENT_KEY_SYSTEM,
    ROUTE_SYSTEM,
    SNOMED_CT,
    Locality,
    Priority,
    ReferralRoute,
    ReferralStatus,
    Tier,
)
from referrals.fhir import extensions as ext
from referrals.fhir.issues import IssueCode, ValidationIssue
from referrals.fhir.issues import rule_broken as broken
from referrals.fhir.occurrence_rules import read_when_to_see

Json = dict[str, Any]
PatientResolver = Callable[[str], PatientIdentity | None]
PatientKeyFor = Callable[[str], str]

CREATE_STATUSES = frozenset({ReferralStatus.DRAFT, ReferralStatus.ACTIVE})
ACCEPTED_INTENTS = frozenset({"proposal", "plan", "order", "original-order"})
_Coded = TypeVar("_Coded", Locality, Tier)
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
_FHIR_PRIORITIES = frozenset({"routine", "urgent", "asap", "stat"})


class ServiceRequestRules:
    """Reads one well-formed ServiceRequest, collecting every rule it breaks."""

    def __init__(
        self,
        body: Json,
        *,
        now: datetime,
        patient_key_for: PatientKeyFor,
        resolve: PatientResolver | None,
        stored_patient: PatientIdentity | None = None,
    ) -> None:
        self.body = body
        self.stored_patient = stored_patient
        self.now = now.astimezone(UTC)
        self.patient_key_for = patient_key_for
        self.resolve = resolve
        self.issues: list[ValidationIssue] = []

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.is_error]

    def fail(self, code: IssueCode, expression: str, diagnostics: str) -> None:
        self.issues.append(broken(code, expression, diagnostics))

    # --- bindings ------------------------------------------------------------------------
    def status(self, *, creating: bool) -> ReferralStatus | None:
        value = self.body.get("status")
        try:
            status = ReferralStatus(str(value))
        except ValueError:
            known = ", ".join(s.value for s in ReferralStatus)
            self.fail(IssueCode.CODE_INVALID, "ServiceRequest.status", f"{value!r}: use {known}")
            return None
        if creating and status not in CREATE_STATUSES:
            self.fail(
                IssueCode.BUSINESS_RULE,
                "ServiceRequest.status",
                f"A new referral is draft or active, not {status.value}",
            )
        return status

    def intent(self) -> None:
        value = self.body.get("intent")
        if value not in ACCEPTED_INTENTS:
            self.fail(
                IssueCode.CODE_INVALID,
                "ServiceRequest.intent",
                f"{value!r}: a referral's intent is one of {', '.join(sorted(ACCEPTED_INTENTS))}",
            )

    def route(self) -> ReferralRoute | None:
        found: list[tuple[str, Any]] = []
        for i, concept in enumerate(self.body.get("category") or []):
            for j, coding in enumerate(concept.get("coding") or []):
                if coding.get("system") == ROUTE_SYSTEM:
                    found.append((f"ServiceRequest.category[{i}].coding[{j}].code", coding))
        if not found:
            self.fail(
                IssueCode.REQUIRED,
                "ServiceRequest.category",
                f"Say how the patient was referred: one coding from {ROUTE_SYSTEM} "
                f"({', '.join(r.value for r in ReferralRoute)})",
            )
            return None
        if len(found) > 1:
            self.fail(
                IssueCode.VALUE,
                "ServiceRequest.category",
                f"One referral comes by one route: {len(found)} codings from {ROUTE_SYSTEM}",
            )
            return None
        expression, coding = found[0]
        try:
            return ReferralRoute(coding.get("code"))
        except ValueError:
            self.fail(
                IssueCode.CODE_INVALID,
                expression,
                f"{coding.get('code')!r} is not a code of {ROUTE_SYSTEM}: "
                f"{', '.join(r.value for r in ReferralRoute)}",
            )
            return None

    def priority(self) -> Priority | None:
        value = self.body.get("priority")
        if value is None:
            return Priority.ROUTINE
        if value in ("routine", "urgent"):
            return Priority(value)
        hint = " (a crisis is 'urgent')" if value in _FHIR_PRIORITIES else ""
        self.fail(
            IssueCode.CODE_INVALID,
            "ServiceRequest.priority",
            f"{value!r}: this programme takes routine or urgent referrals{hint}",
        )
        return None

    # --- who -----------------------------------------------------------------------------
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

    # --- what and when -------------------------------------------------------------------
    def reasons(self) -> list[CodedReason]:
        found: list[CodedReason] = []
        for i, concept in enumerate(self.body.get("reasonCode") or []):
            codings = concept.get("coding") or []
            if not codings:
                self.fail(
                    IssueCode.REQUIRED,
                    f"ServiceRequest.reasonCode[{i}].coding",
                    "Code each reason in SNOMED CT or ICD-10 (text alone cannot be routed)",
                )
            for j, coding in enumerate(codings):
                reason = self._reason(coding, f"ServiceRequest.reasonCode[{i}].coding[{j}]")
                if reason is not None:
                    found.append(reason)
        return found

    def _reason(self, coding: Json, expression: str) -> CodedReason | None:
        system, code = coding.get("system"), coding.get("code")
        if system not in REASON_SYSTEMS:
            self.fail(
                IssueCode.CODE_INVALID,
                f"{expression}.system",
                f"Reason code system {system!r} is not accepted: use SNOMED CT ({SNOMED_CT}) "
                f"or ICD-10 ({ICD_10})",
            )
            return None
        if not isinstance(code, str) or not code:
            self.fail(IssueCode.REQUIRED, f"{expression}.code", "A reason coding needs a code")
            return None
        valid = is_valid_sctid(code) if system == SNOMED_CT else is_valid_icd10(code)
        if not valid:
            name = "SNOMED CT concept id" if system == SNOMED_CT else "ICD-10 code"
            self.fail(IssueCode.CODE_INVALID, f"{expression}.code", f"{code!r} is not a {name}")
            return None
        return CodedReason(system, code, coding.get("display"))

    def authored_on(self) -> datetime | None:
        value = self.body.get("authoredOn")
        expression = "ServiceRequest.authoredOn"
        if value is None:
            self.fail(IssueCode.REQUIRED, expression, "Say when the referral was written")
            return None
        authored = _instant(str(value))
        if authored is None:
            self.fail(
                IssueCode.VALUE,
                expression,
                f"{value!r}: give a full date, or a date and time with its timezone",
            )
            return None
        future = (
            authored.date() > self.now.date()
            if len(str(value)) == 10
            else authored > self.now + ALLOWED_CLOCK_SKEW
        )
        if future:
            self.fail(IssueCode.VALUE, expression, f"{value} is in the future")
            return None
        return authored

    def when_to_see(self) -> WhenToSee | None:
        """occurrenceDateTime or occurrencePeriod: when the referrer wants the patient seen."""
        return read_when_to_see(self.body, self.fail)

    def identifier(self, *, required: bool) -> ReferrerIdentifier | None:
        for identifier in self.body.get("identifier") or []:
            system, value = identifier.get("system"), identifier.get("value")
            if system and value:
                return ReferrerIdentifier(str(system), str(value))
        if required:
            self.fail(
                IssueCode.REQUIRED,
                "ServiceRequest.identifier",
                "Send your own identifier for the referral (system and value) so a retry "
                "finds it instead of creating another",
            )
        return None

    def crisis(self, priority: Priority | None) -> CrisisDetails | None:
        extension = self._extension(ext.CRISIS)
        expression = ext.where(ext.CRISIS)
        if priority is not Priority.URGENT:
            if extension is not None:
                self.fail(
                    IssueCode.BUSINESS_RULE, expression, "Crisis details need priority urgent"
                )
            return None
        if extension is None:
            self.fail(
                IssueCode.REQUIRED,
                expression,
                "An urgent referral needs crisis details: the postcode where the patient is and "
                "what is happening",
            )
            return None
        parts = {e.get("url"): e.get("valueString") for e in extension.get("extension") or []}
        try:
            return CrisisDetails(
                str(parts.get(ext.CRISIS_POSTCODE) or ""), str(parts.get(ext.CRISIS_REASON) or "")
            )
        except DomainError as error:
            self.fail(IssueCode.VALUE, expression, error.message)
            return None

    def practice(self) -> str | None:
        extension = self._extension(ext.GP_PRACTICE)
        value = ((extension or {}).get("valueIdentifier") or {}).get("value")
        if not value:
            return None
        code = str(value).strip().upper()
        if not _ODS_CODE.match(code):
            self.fail(IssueCode.VALUE, ext.where(ext.GP_PRACTICE), f"{value!r} is not an ODS code")
            return None
        return code

    def locality(self) -> Locality | None:
        return self._coded(ext.LOCALITY, Locality)

    def tier(self) -> Tier | None:
        return self._coded(ext.RISK_TIER, Tier)

    def _coded(self, url: str, enum: type[_Coded]) -> _Coded | None:
        value = (self._extension(url) or {}).get("valueCode")
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            known = ", ".join(m.value for m in enum)
            self.fail(IssueCode.CODE_INVALID, ext.where(url), f"{value!r}: use {known}")
            return None

    def notes(self) -> Iterator[str]:
        for note in self.body.get("note") or []:
            if note.get("text"):
                yield str(note["text"])

    def unsupported(self) -> None:
        if self.body.get("modifierExtension"):
            self.fail(
                IssueCode.NOT_SUPPORTED,
                "ServiceRequest.modifierExtension",
                "Modifier extensions change the meaning of a referral and none is understood here",
            )
        if self.body.get("doNotPerform"):
            self.fail(
                IssueCode.NOT_SUPPORTED,
                "ServiceRequest.doNotPerform",
                "A referral asking not to perform case management cannot be taken",
            )

    def _extension(self, url: str) -> Json | None:
        for extension in self.body.get("extension") or []:
            if extension.get("url") == url:
                return dict(extension)
        return None


def _instant(value: str) -> datetime | None:
    """A FHIR dateTime with at least a full date; date-only means midnight UTC that day."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
