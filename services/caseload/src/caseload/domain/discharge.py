"""Discharge rules: the seed's three routes out, and the agreed criteria for 'improved'.

The seed asks for discharge on marked improvement to be "assessed against strict agreed
discharge criteria" without listing them; these are the programme defaults the MDT checks,
and a deployment may pass its own agreed list.
"""

from __future__ import annotations

from collections.abc import Iterable

from caseload.domain.errors import (
    DischargeCriteriaNotMet,
    DischargeReasonRequired,
    UnknownDischargeCriterion,
)
from caseload.domain.vocabulary import DischargeReason

DEFAULT_DISCHARGE_CRITERIA: dict[str, str] = {
    "care-plan-goals-met": "the care plan's goals are achieved",
    "stable-since-last-review": "no crisis or emergency admission since the last review",
    "self-management-confident": "patient (and carer) confident to self-manage the conditions",
    "ongoing-care-handed-over": "ongoing needs handed to primary care or the integrated care team",
    "gp-agrees": "the GP agrees case management is no longer necessary",
}


def check_discharge(
    reason: DischargeReason | None,
    criteria_met: Iterable[str],
    *,
    agreed_criteria: Iterable[str] = DEFAULT_DISCHARGE_CRITERIA,
) -> tuple[str, ...]:
    """The criteria met, sorted, once the reason and (for improvement) every criterion hold."""
    if reason is None:
        raise DischargeReasonRequired(
            "a discharge needs a reason: improved, patient-choice or died"
        )
    agreed = frozenset(agreed_criteria)
    met = frozenset(c.strip().lower() for c in criteria_met)
    unknown = sorted(met - agreed)
    if unknown:
        raise UnknownDischargeCriterion(f"not agreed discharge criteria: {', '.join(unknown)}")
    if reason is DischargeReason.IMPROVED:
        missing = sorted(agreed - met)
        if missing:
            raise DischargeCriteriaNotMet(
                "discharge on improvement needs every agreed criterion; "
                f"missing: {', '.join(missing)}"
            )
    return tuple(sorted(met))
