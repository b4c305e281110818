"""This programme's ServiceRequest extensions in: crisis details, GP practice, locality, tier.

Each reader records every rule its extension breaks as a 422 issue naming the extension
(FHIRPath) and returns the domain value or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from cch_fhir.errors import IssueCode
from referrals.domain.crisis import CrisisDetails
from referrals.domain.errors import DomainError
from referrals.domain.vocabulary import Locality, Priority, Tier
from referrals.fhir import extensions as ext

Json = dict[str, Any]
Fail = Callable[[IssueCode, str, str], None]
_Coded = TypeVar("_Coded", Locality, Tier)
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


class ExtensionRules:
    """Reads the extensions of one ServiceRequest, reporting through `fail`."""

    def __init__(self, body: Json, fail: Fail) -> None:
        self.body = body
        self.fail = fail

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

    def _extension(self, url: str) -> Json | None:
        for extension in self.body.get("extension") or []:
            if extension.get("url") == url:
                return dict(extension)
        return None
