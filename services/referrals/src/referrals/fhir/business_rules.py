"""The programme's rules for an incoming ServiceRequest that fhir.resources already accepted.

Each method reads one element, records every rule it breaks as a 422 issue naming the element
(FHIRPath), and returns the domain value or None; the caller decides when enough is known.
Who (subject, requester) is read by subject_rules.py, the extensions by extension_rules.py,
occurrence[x] by occurrence_rules.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from cch_fhir.errors import IssueCode
from referrals.domain.crisis import CrisisDetails
from referrals.domain.occurrence import WhenToSee
from referrals.domain.patients import PatientIdentity
from referrals.domain.reasons import REASON_SYSTEMS, CodedReason, is_valid_icd10, is_valid_sctid
from referrals.domain.references import Reference
from referrals.domain.referral_requests import ALLOWED_CLOCK_SKEW, ReferrerIdentifier
from referrals.domain.vocabulary import (
    ICD_10,
    ROUTE_SYSTEM,
    SNOMED_CT,
    Locality,
    Priority,
    ReferralRoute,
    ReferralStatus,
    Tier,
)
from referrals.fhir.extension_rules import ExtensionRules
from referrals.fhir.issues import ValidationIssue
from referrals.fhir.issues import rule_broken as broken
from referrals.fhir.occurrence_rules import read_when_to_see
from referrals.fhir.subject_rules import PatientKeyFor, PatientResolver, SubjectRules

Json = dict[str, Any]

CREATE_STATUSES = frozenset({ReferralStatus.DRAFT, ReferralStatus.ACTIVE})
ACCEPTED_INTENTS = frozenset({"proposal", "plan", "order", "original-order"})
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
        self.now = now.astimezone(UTC)
        self.issues: list[ValidationIssue] = []
        self.who = SubjectRules(
            body,
            self.fail,
            patient_key_for=patient_key_for,
            resolve=resolve,
            stored_patient=stored_patient,
        )
        self.extensions = ExtensionRules(body, self.fail)

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
        return self.who.subject()

    def requester(self, route: ReferralRoute | None) -> Reference | None:
        return self.who.requester(route)

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

    # --- extensions ----------------------------------------------------------------------
    def crisis(self, priority: Priority | None) -> CrisisDetails | None:
        return self.extensions.crisis(priority)

    def practice(self) -> str | None:
        return self.extensions.practice()

    def locality(self) -> Locality | None:
        return self.extensions.locality()

    def tier(self) -> Tier | None:
        return self.extensions.tier()

    # --- the rest ------------------------------------------------------------------------
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


def _instant(value: str) -> datetime | None:
    """A FHIR dateTime with at least a full date; date-only means midnight UTC that day."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
