"""Query strings to SearchQuery for CarePlan, CareTeam, Goal, Flag and Patient.

`parse_search(type, params, strict=...)` takes the query as (name, value) pairs in order
(Starlette's `request.query_params.multi_items()`). Unknown parameters are collected in
`SearchQuery.unknown` (lenient, the FHIR default) or raise UnknownParameter when the client
sent `Prefer: handling=strict`. Unsupported modifiers and bad values always raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from careplans.domain.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from careplans.fhir.dates import parse_partial
from careplans.fhir.references import parse_reference
from careplans.fhir.search_query import (
    DEFAULT_COUNT,
    MAX_COUNT,
    DateFilter,
    DatePrefix,
    DateValue,
    Include,
    InvalidParameterValue,
    MissingFilter,
    ReferenceFilter,
    ReferenceValue,
    SearchFilter,
    SearchQuery,
    SortKey,
    Token,
    TokenFilter,
    UnknownParameter,
    UnsupportedModifier,
)


class ParamType(StrEnum):
    """FHIR search parameter types used here."""

    TOKEN = "token"
    REFERENCE = "reference"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class ParamDefinition:
    """One search parameter: its type, the element it searches and, for references, targets."""

    name: str
    type: ParamType
    expression: str
    documentation: str
    targets: tuple[str, ...] = ()


def _common(rtype: str) -> dict[str, ParamDefinition]:
    return {
        "_id": ParamDefinition("_id", ParamType.TOKEN, f"{rtype}.id", "Logical id"),
        "_lastUpdated": ParamDefinition(
            "_lastUpdated", ParamType.DATE, f"{rtype}.meta.lastUpdated", "When last changed"
        ),
    }


def _patient_params(rtype: str) -> dict[str, ParamDefinition]:
    return {
        "identifier": ParamDefinition(
            "identifier", ParamType.TOKEN, f"{rtype}.identifier", "Business identifier"
        ),
        "patient": ParamDefinition(
            "patient",
            ParamType.REFERENCE,
            f"{rtype}.subject.where(resolve() is Patient)",
            "The patient (Patient/id, id, or NHS number as system|value)",
            ("Patient",),
        ),
        "subject": ParamDefinition(
            "subject",
            ParamType.REFERENCE,
            f"{rtype}.subject",
            "Who the resource is about (reference, or identifier system|value)",
            ("Patient",),
        ),
    }


SEARCH_PARAMETERS: dict[str, dict[str, ParamDefinition]] = {
    "CarePlan": {
        **_common("CarePlan"),
        **_patient_params("CarePlan"),
        "status": ParamDefinition("status", ParamType.TOKEN, "CarePlan.status", "Plan status"),
        "intent": ParamDefinition("intent", ParamType.TOKEN, "CarePlan.intent", "Plan intent"),
        "category": ParamDefinition(
            "category", ParamType.TOKEN, "CarePlan.category", "Plan kind (system|code or code)"
        ),
        "date": ParamDefinition(
            "date", ParamType.DATE, "CarePlan.period", "Time period the plan covers"
        ),
        "care-team": ParamDefinition(
            "care-team", ParamType.REFERENCE, "CarePlan.careTeam", "Care team", ("CareTeam",)
        ),
        "part-of": ParamDefinition(
            "part-of", ParamType.REFERENCE, "CarePlan.partOf", "The main plan", ("CarePlan",)
        ),
        "goal": ParamDefinition(
            "goal", ParamType.REFERENCE, "CarePlan.goal", "A goal of the plan", ("Goal",)
        ),
    },
    "CareTeam": {
        **_common("CareTeam"),
        **_patient_params("CareTeam"),
        "status": ParamDefinition("status", ParamType.TOKEN, "CareTeam.status", "Team status"),
        "category": ParamDefinition("category", ParamType.TOKEN, "CareTeam.category", "Kind"),
        "participant": ParamDefinition(
            "participant",
            ParamType.REFERENCE,
            "CareTeam.participant.member",
            "A member of the team",
            ("Practitioner", "Organization"),
        ),
    },
    "Goal": {
        **_common("Goal"),
        **_patient_params("Goal"),
        "lifecycle-status": ParamDefinition(
            "lifecycle-status", ParamType.TOKEN, "Goal.lifecycleStatus", "Goal lifecycle status"
        ),
        "category": ParamDefinition("category", ParamType.TOKEN, "Goal.category", "Kind"),
    },
    "Flag": {
        **_common("Flag"),
        **_patient_params("Flag"),
        "status": ParamDefinition("status", ParamType.TOKEN, "Flag.status", "Alert status"),
        "category": ParamDefinition(
            "category", ParamType.TOKEN, "Flag.category", "Alert kind (system|code or code)"
        ),
        "code": ParamDefinition("code", ParamType.TOKEN, "Flag.code", "Alert code"),
        "date": ParamDefinition("date", ParamType.DATE, "Flag.period", "When the alert applies"),
    },
    "AuditEvent": {
        "entity": ParamDefinition(
            "entity",
            ParamType.REFERENCE,
            "AuditEvent.entity.what",
            "The record read or written (Type/id)",
            ("CarePlan", "CareTeam", "Goal", "Flag", "Patient"),
        ),
        "patient": ParamDefinition(
            "patient",
            ParamType.REFERENCE,
            "AuditEvent.entity.what.where(resolve() is Patient)",
            "Whose record was read or written (Patient/id)",
            ("Patient",),
        ),
        "subtype": ParamDefinition(
            "subtype",
            ParamType.TOKEN,
            "AuditEvent.subtype",
            "Interaction (read, search, update ...) or break-glass",
        ),
        "date": ParamDefinition("date", ParamType.DATE, "AuditEvent.recorded", "When recorded"),
    },
    "Patient": {
        **_common("Patient"),
        "identifier": ParamDefinition(
            "identifier", ParamType.TOKEN, "Patient.identifier", "NHS number (system|value)"
        ),
    },
}

SORTABLE: dict[str, frozenset[str]] = {
    "CarePlan": frozenset({"_lastUpdated", "_id", "date", "status"}),
    "CareTeam": frozenset({"_lastUpdated", "_id", "status"}),
    "Goal": frozenset({"_lastUpdated", "_id", "lifecycle-status"}),
    "Flag": frozenset({"_lastUpdated", "_id", "status"}),
    "Patient": frozenset({"_lastUpdated", "_id"}),
    "AuditEvent": frozenset({"date"}),
}

# _include source:param → the resource type it brings in.
INCLUDES: dict[str, dict[str, str]] = {
    "CarePlan": {
        "care-team": "CareTeam",
        "goal": "Goal",
        "subject": "Patient",
        "patient": "Patient",
    },
}
_FLAG_REVINCLUDES = frozenset({Include("Flag", "patient"), Include("Flag", "subject")})
REVINCLUDES: dict[str, frozenset[Include]] = {
    "CarePlan": _FLAG_REVINCLUDES,
    "Patient": _FLAG_REVINCLUDES,
}

_IGNORED = {"_format", "_pretty"}
_TOKEN_MODIFIERS = {"not"}
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def _unescape(text: str) -> str:
    return text.replace("\\,", ",").replace("\\|", "|").replace("\\$", "$").replace("\\\\", "\\")


def _split_values(param: str, raw: str) -> list[str]:
    values = [v for v in _UNESCAPED_COMMA.split(raw)]
    if not raw or any(not v for v in values):
        raise InvalidParameterValue(param, "empty value")
    return values


def parse_token(param: str, text: str) -> Token:
    """`system|code`, `|code`, `system|` or `code`; an NHS number must pass Modulus 11."""
    parts = _UNESCAPED_PIPE.split(text)
    if len(parts) > 2:
        raise InvalidParameterValue(param, f"{text!r} has more than one '|'")
    if len(parts) == 1:
        return Token(None, _unescape(parts[0]))
    system, code = _unescape(parts[0]), _unescape(parts[1]) or None
    if system == NHS_NUMBER_SYSTEM and code is not None and not is_valid_nhs_number(code):
        raise InvalidParameterValue(param, f"{code!r} is not a valid NHS number")
    if code is None and not system:
        raise InvalidParameterValue(param, "a token needs a system or a code")
    return Token(system, code)


def parse_reference_value(
    definition: ParamDefinition, text: str, *, type_modifier: str | None = None
) -> ReferenceValue:
    """`Type/id`, a bare id (single-target parameters), an absolute URL, or `system|value`."""
    param = definition.name
    if _UNESCAPED_PIPE.search(text):
        return ReferenceValue(identifier=parse_token(param, text))
    parsed = parse_reference(text)
    if parsed is not None and parsed.resource_type is not None:
        rtype, rid = parsed.resource_type, parsed.id
    elif _ID.match(text):
        rtype, rid = type_modifier or definition.targets[0], text
        if type_modifier is None and len(definition.targets) > 1:
            raise InvalidParameterValue(param, "a bare id needs a type: use Type/id")
    else:
        raise InvalidParameterValue(param, f"{text!r} is not a reference (Type/id or id)")
    if rtype not in definition.targets or (type_modifier and rtype != type_modifier):
        raise InvalidParameterValue(param, f"{param} refers to {', '.join(definition.targets)}")
    return ReferenceValue(rtype, rid)


def parse_date_value(param: str, text: str) -> DateValue:
    """`[prefix]date`: eq (default), ne, lt, gt, le, ge, sa, eb, ap and partial dates."""
    prefix = DatePrefix.EQ
    if len(text) > 2 and text[:2].isalpha():
        try:
            prefix = DatePrefix(text[:2])
        except ValueError:
            raise InvalidParameterValue(param, f"unknown prefix {text[:2]!r}") from None
        text = text[2:]
    span = parse_partial(text.replace(" ", "+"))  # '+' in a query string arrives as a space
    if span is None:
        raise InvalidParameterValue(param, f"{text!r} is not a FHIR date or dateTime")
    return DateValue(prefix, text, span)


def _filter(definition: ParamDefinition, modifier: str | None, raw: str) -> SearchFilter:
    param = definition.name
    if modifier == "missing":
        if raw not in ("true", "false"):
            raise InvalidParameterValue(param, ":missing takes true or false")
        return MissingFilter(param, raw == "true")
    values = _split_values(param, raw)
    if definition.type is ParamType.TOKEN:
        if modifier not in (None, *_TOKEN_MODIFIERS):
            raise UnsupportedModifier(param, f":{modifier} is not supported on {param}")
        tokens = tuple(parse_token(param, v) for v in values)
        if param == "_id" and any(
            t.system is not None or not _ID.match(t.code or "") for t in tokens
        ):
            raise InvalidParameterValue(param, "_id takes logical ids")
        return TokenFilter(param, tokens, negated=modifier == "not")
    if definition.type is ParamType.REFERENCE:
        if modifier == "identifier":
            return ReferenceFilter(
                param, tuple(ReferenceValue(identifier=parse_token(param, v)) for v in values)
            )
        if modifier is not None and modifier not in definition.targets:
            raise UnsupportedModifier(param, f":{modifier} is not supported on {param}")
        return ReferenceFilter(
            param,
            tuple(parse_reference_value(definition, v, type_modifier=modifier) for v in values),
        )
    if modifier is not None:
        raise UnsupportedModifier(param, f":{modifier} is not supported on {param}")
    return DateFilter(param, tuple(parse_date_value(param, v) for v in values))


def _count(raw: str) -> int:
    if not raw.isdigit():
        raise InvalidParameterValue("_count", "must be a whole number")
    return min(int(raw), MAX_COUNT)  # the spec lets a server return fewer than asked


def _sort(rtype: str, raw: str) -> tuple[SortKey, ...]:
    keys = []
    for item in _split_values("_sort", raw):
        name = item.removeprefix("-")
        if name not in SORTABLE[rtype]:
            raise InvalidParameterValue("_sort", f"cannot sort {rtype} by {name!r}")
        keys.append(SortKey(name, descending=item.startswith("-")))
    return tuple(keys)


def _include(rtype: str, raw: str) -> Include:
    parts = raw.split(":")
    if len(parts) not in (2, 3) or parts[0] != rtype or parts[1] not in INCLUDES.get(rtype, {}):
        known = ", ".join(f"{rtype}:{p}" for p in INCLUDES.get(rtype, {})) or "none"
        raise InvalidParameterValue("_include", f"{raw!r} is not supported (supported: {known})")
    target = INCLUDES[rtype][parts[1]]
    if len(parts) == 3 and parts[2] != target:
        raise InvalidParameterValue("_include", f"{parts[1]} refers to {target}")
    return Include(parts[0], parts[1], target)


def _revinclude(rtype: str, raw: str) -> Include:
    parts = raw.split(":")
    include = Include(parts[0], parts[1]) if len(parts) == 2 else None
    if include is None or include not in REVINCLUDES.get(rtype, frozenset()):
        raise InvalidParameterValue("_revinclude", f"{raw!r} is not supported on {rtype}")
    return Include(include.source, include.param, rtype)


def parse_search(
    resource_type: str, params: Iterable[tuple[str, str]], *, strict: bool = False
) -> SearchQuery:
    """The query a search of resource_type asks for; raises SearchError naming the parameter."""
    definitions = SEARCH_PARAMETERS[resource_type]
    filters: list[SearchFilter] = []
    unknown: list[str] = []
    count, offset = DEFAULT_COUNT, 0
    sort: tuple[SortKey, ...] = ()
    includes: list[Include] = []
    revincludes: list[Include] = []
    summary_count = False
    for key, raw in params:
        name, _, modifier = key.partition(":")
        if name in _IGNORED:
            continue
        if name.startswith("_") and name not in definitions and modifier:
            raise UnsupportedModifier(key, f"{name} takes no modifier")
        if name == "_count":
            count = _count(raw)
        elif name == "_offset":
            if not raw.isdigit():
                raise InvalidParameterValue("_offset", "must be a whole number")
            offset = int(raw)
        elif name == "_sort":
            sort = _sort(resource_type, raw)
        elif name == "_include":
            includes.extend(_include(resource_type, v) for v in _split_values(name, raw))
        elif name == "_revinclude":
            revincludes.extend(_revinclude(resource_type, v) for v in _split_values(name, raw))
        elif name == "_summary":
            if raw not in ("count", "false"):
                raise InvalidParameterValue("_summary", "only _summary=count is supported")
            summary_count = raw == "count"
        elif name in definitions:
            filters.append(_filter(definitions[name], modifier or None, raw))
        elif strict:
            raise UnknownParameter(key, f"{resource_type} has no search parameter {name!r}")
        else:
            unknown.append(key)
    return SearchQuery(
        resource_type=resource_type,
        filters=tuple(filters),
        count=count,
        offset=offset,
        sort=sort,
        includes=tuple(dict.fromkeys(includes)),
        revincludes=tuple(dict.fromkeys(revincludes)),
        summary_count=summary_count,
        unknown=tuple(unknown),
    )
