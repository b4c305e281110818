"""A quick structural check for the ServiceRequests EHRs usually send.

It answers only "certainly well-formed": every element is one this module knows and each value
has the FHIR R4 type and format, checked at least as strictly as fhir.resources does. Anything
else (another element, a null, an unusual sub-element, a doubtful value) is left to
fhir.resources, which then gives the 400 and its messages, so the rules and the wording of
every refusal stay exactly those of the full model. It exists because the full model costs
more than the rest of a create's Python work together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_CODE = re.compile(r"[^\s]+( [^\s]+)*")
_URI = re.compile(r"[^\s]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # FHIR strings allow tab, CR, LF
_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_TIME = (
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)
_INSTANT = re.compile(_DATE.pattern + _TIME)

Check = Callable[[Any], bool]


def _match(pattern: re.Pattern[str]) -> Check:
    return lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None


def _real_date(v: str) -> bool:
    try:
        date.fromisoformat(v[:10])
        if len(v) > 10:
            datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _instant(v: Any) -> bool:
    return _match(_INSTANT)(v) and _real_date(v)


def _date_time(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    ok = _DATE.fullmatch(v) is not None or _INSTANT.fullmatch(v) is not None
    return ok and _real_date(v)


def _string(v: Any) -> bool:
    """Not blank, no control characters (a scan, not a backtracking pattern: bodies are big)."""
    return isinstance(v, str) and bool(v.strip()) and _CONTROL.search(v) is None


_id, _code, _uri = _match(_ID), _match(_CODE), _match(_URI)


def _obj(**fields: Check) -> Check:
    """A complex element with only these sub-elements, none empty or null."""

    def check(v: Any) -> bool:
        if not isinstance(v, dict) or not v:
            return False
        for k, x in v.items():  # a loop, not all(<generator>): this runs on every element
            field = fields.get(k)
            if field is None or not field(x):
                return False
        return True

    return check


def _list(item: Check) -> Check:
    def check(v: Any) -> bool:
        if not isinstance(v, list) or not v:
            return False
        for x in v:  # noqa: SIM110 - a loop: all(<generator>) costs more per element
            if not item(x):
                return False
        return True

    return check


_identifier = _obj(system=_uri, value=_string)
_coding = _obj(system=_uri, code=_code, display=_string)
_concept = _obj(coding=_list(_coding), text=_string)
_reference = _obj(reference=_string, type=_uri, identifier=_identifier, display=_string)
_period = _obj(start=_date_time, end=_date_time)
_VALUES: dict[str, Check] = {
    "valueCode": _code,
    "valueString": _string,
    "valueInstant": _instant,
    "valueDateTime": _date_time,
    "valueIdentifier": _identifier,
    "valueCoding": _coding,
    "valueReference": _reference,
}


def _extension(v: Any) -> bool:
    """url and exactly one of a known value[x] or nested extensions."""
    if not isinstance(v, dict) or not _uri(v.get("url")) or len(v) != 2:
        return False
    [(name, value)] = [(k, x) for k, x in v.items() if k != "url"]
    if name == "extension":
        return _list(_extension)(value)
    check = _VALUES.get(name)
    return check is not None and check(value)


_ELEMENTS: dict[str, Check] = {
    "resourceType": lambda v: v == "ServiceRequest",
    "id": _id,
    "meta": _obj(versionId=_id, lastUpdated=_instant),
    "extension": _list(_extension),
    "identifier": _list(_identifier),
    "status": _code,
    "intent": _code,
    "category": _list(_concept),
    "priority": _code,
    "code": _concept,
    "subject": _reference,
    "occurrenceDateTime": _date_time,
    "occurrencePeriod": _period,
    "authoredOn": _date_time,
    "requester": _reference,
    "reasonCode": _list(_concept),
    "note": _list(_obj(text=_string)),
}


# ServiceRequest's elements of cardinality 1..1
_REQUIRED = frozenset({"status", "intent", "subject"})
_OCCURRENCE = frozenset({"occurrenceDateTime", "occurrencePeriod"})  # one of occurrence[x]


def certainly_well_formed(body: dict[str, Any]) -> bool:
    """True only when fhir.resources would accept the body too (False: ask fhir.resources)."""
    if not body.keys() >= _REQUIRED or len(_OCCURRENCE & body.keys()) > 1:
        return False
    for k, v in body.items():
        element = _ELEMENTS.get(k)
        if element is None or not element(v):
            return False
    return True
