"""This programme's ServiceRequest extensions: what EHRs send and what we return."""

from __future__ import annotations

_BASE = "https://cch.example.nhs.uk/StructureDefinition"

# valueIdentifier: the patient's GP practice (ODS code system).
GP_PRACTICE = f"{_BASE}/gp-practice"
# valueCode: north | central | south.
LOCALITY = f"{_BASE}/locality"
# valueCode: highest | high | medium | low (the tier when the referral was made).
RISK_TIER = f"{_BASE}/risk-tier"
# Complex, urgent referrals only: `postcode` (valueString) and `reason` (valueString).
CRISIS = f"{_BASE}/crisis"
CRISIS_POSTCODE = "postcode"
CRISIS_REASON = "reason"
# valueInstant: when the programme received the referral (the 2-hour clock's start if urgent).
RECEIVED_AT = f"{_BASE}/received-at"
# Complex, one per linked arrival: `route` (valueCoding), `receivedAt` (valueDateTime),
# `requester` (valueReference), `identifier` (valueIdentifier, when the referrer sent one).
LINKED_REFERRAL = f"{_BASE}/linked-referral"


def where(url: str) -> str:
    """FHIRPath to one extension, for OperationOutcome.issue.expression."""
    return f"ServiceRequest.extension.where(url='{url}')"
