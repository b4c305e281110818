"""ServiceRequest.occurrence[x] → when the referrer wants the patient seen, or the issues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cch_fhir.errors import IssueCode
from referrals.domain.errors import DomainError
from referrals.domain.occurrence import SeenWhen, WhenToSee

Fail = Callable[[IssueCode, str, str], None]


def read_when_to_see(body: dict[str, Any], fail: Fail) -> WhenToSee | None:
    """occurrenceDateTime or occurrencePeriod (None when absent or broken; `fail` says why)."""
    if "occurrenceTiming" in body:
        fail(
            IssueCode.NOT_SUPPORTED,
            "ServiceRequest.occurrenceTiming",
            "Say when to see the patient as occurrenceDateTime or occurrencePeriod; a "
            "repeating schedule is for the care plan",
        )
        return None
    at, period = body.get("occurrenceDateTime"), body.get("occurrencePeriod")
    if at is None and period is None:
        return None
    problems: list[str] = []

    def bound(value: object, expression: str) -> SeenWhen | None:
        if value is None:
            return None
        try:
            return SeenWhen(str(value))
        except DomainError as error:
            problems.append(expression)
            fail(IssueCode.VALUE, expression, error.message)
            return None

    if at is not None:
        moment = bound(at, "ServiceRequest.occurrenceDateTime")
        return WhenToSee(at=moment) if moment else None
    period = period or {}
    start = bound(period.get("start"), "ServiceRequest.occurrencePeriod.start")
    end = bound(period.get("end"), "ServiceRequest.occurrencePeriod.end")
    if problems:
        return None
    try:
        return WhenToSee(start=start, end=end)
    except DomainError as error:
        fail(IssueCode.VALUE, "ServiceRequest.occurrencePeriod", error.message)
        return None
