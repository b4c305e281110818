"""Search query strings become typed queries; bad input names the offending parameter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from careplans.fhir.dates import InstantRange, parse_partial
from careplans.fhir.search_params import parse_search
from careplans.fhir.search_query import (
    DateFilter,
    DatePrefix,
    Include,
    InvalidParameterValue,
    MissingFilter,
    ReferenceFilter,
    ReferenceValue,
    SearchError,
    SortKey,
    Token,
    TokenFilter,
    UnknownParameter,
    UnsupportedModifier,
)

NHS = "https://fhir.nhs.uk/Id/nhs-number"
NOW = datetime(2025, 3, 3, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def only_filter(query_params: list[tuple[str, str]], rtype: str = "CarePlan") -> object:
    query = parse_search(rtype, query_params)
    assert len(query.filters) == 1
    return query.filters[0]


def test_defaults_are_twenty_results_from_the_start() -> None:
    query = parse_search("CarePlan", [])
    assert (query.count, query.offset, query.sort, query.unknown) == (20, 0, (), ())


def test_patient_accepts_bare_id_relative_and_absolute_references() -> None:
    for value in ("p1", "Patient/p1", "https://cch.example.nhs.uk/fhir/Patient/p1"):
        found = only_filter([("patient", value)])
        assert found == ReferenceFilter("patient", (ReferenceValue("Patient", "p1"),))


def test_subject_by_nhs_number_is_an_identifier_search() -> None:
    found = only_filter([("subject", f"{NHS}|9434765919")])
    assert found == ReferenceFilter(
        "subject", (ReferenceValue(identifier=Token(NHS, "9434765919")),)
    )


def test_subject_identifier_modifier_is_understood() -> None:
    found = only_filter([("subject:identifier", f"{NHS}|9434765919")])
    assert isinstance(found, ReferenceFilter) and found.any_of[0].identifier is not None


def test_invalid_nhs_number_in_search_is_refused_naming_the_parameter() -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        parse_search("CarePlan", [("subject", f"{NHS}|9434765918")])
    assert caught.value.param == "subject"


def test_patient_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_search("CarePlan", [("patient", "Group/g1")])


def test_comma_values_are_alternatives_and_repeats_are_all_required() -> None:
    query = parse_search("CarePlan", [("status", "active,draft"), ("status:not", "draft")])
    assert query.filters == (
        TokenFilter("status", (Token(None, "active"), Token(None, "draft"))),
        TokenFilter("status", (Token(None, "draft"),), negated=True),
    )


def test_category_with_and_without_system() -> None:
    kind = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
    found = only_filter([("category", f"{kind}|emergency,end-of-life")])
    assert found == TokenFilter("category", (Token(kind, "emergency"), Token(None, "end-of-life")))


def test_token_with_explicit_no_system_and_escaped_comma() -> None:
    found = only_filter([("category", r"|a\,b")])
    assert found == TokenFilter("category", (Token("", "a,b"),))


def test_care_team_reference() -> None:
    found = only_filter([("care-team", "CareTeam/ct1")])
    assert found == ReferenceFilter("care-team", (ReferenceValue("CareTeam", "ct1"),))


def test_intent_and_id_filters() -> None:
    query = parse_search("CarePlan", [("intent", "plan"), ("_id", "a,b")])
    assert query.filters[1] == TokenFilter("_id", (Token(None, "a"), Token(None, "b")))


def test_bad_id_is_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_search("CarePlan", [("_id", "not an id!")])


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", utc(2024, 1, 1), utc(2025, 1, 1)),
        ("2024-02", utc(2024, 2, 1), utc(2024, 3, 1)),
        ("2024-12", utc(2024, 12, 1), utc(2025, 1, 1)),
        ("2024-02-29", utc(2024, 2, 29), utc(2024, 3, 1)),
        ("2024-02-29T10:15", utc(2024, 2, 29, 10, 15), utc(2024, 2, 29, 10, 16)),
        ("2024-02-29T10:15:30Z", utc(2024, 2, 29, 10, 15, 30), utc(2024, 2, 29, 10, 15, 31)),
        ("2024-06-01T10:00:00+01:00", utc(2024, 6, 1, 9), utc(2024, 6, 1, 9, 0, 1)),
    ],
)
def test_partial_dates_stand_for_ranges(text: str, start: datetime, end: datetime) -> None:
    assert parse_partial(text) == InstantRange(start, end)


def test_date_prefix_is_parsed_and_plus_from_query_string_restored() -> None:
    found = only_filter([("date", "ge2024-06-01T10:00:00 01:00")])
    assert isinstance(found, DateFilter)
    assert found.any_of[0].prefix is DatePrefix.GE
    assert found.any_of[0].range.start == utc(2024, 6, 1, 9)


@pytest.mark.parametrize("value", ["2024-13", "xx2024", "ge", "2024-02-30"])
def test_bad_dates_are_refused(value: str) -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        parse_search("CarePlan", [("date", value)])
    assert caught.value.param == "date"


PLAN_2024 = InstantRange(utc(2024, 1, 1), utc(2024, 12, 31))
OPEN_FROM_MARCH = InstantRange(utc(2024, 3, 1), None)


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        ("eq2024", PLAN_2024, True),
        ("eq2024-06", PLAN_2024, False),
        ("ne2024-06", PLAN_2024, True),
        ("gt2024-06", PLAN_2024, True),
        ("gt2025", PLAN_2024, False),
        ("lt2024-06", PLAN_2024, True),
        ("lt2023", PLAN_2024, False),
        ("ge2024", PLAN_2024, True),
        ("le2023-12", PLAN_2024, False),
        ("sa2023", PLAN_2024, True),
        ("sa2024-06", PLAN_2024, False),
        ("eb2025", PLAN_2024, True),
        ("eb2024-06", PLAN_2024, False),
        ("gt2030", OPEN_FROM_MARCH, True),
        ("lt2024-02", OPEN_FROM_MARCH, False),
        ("ap2025-01-01", PLAN_2024, True),
        ("ap2026", PLAN_2024, False),
    ],
)
def test_date_prefixes_follow_fhir_range_semantics(
    value: str, target: InstantRange, expected: bool
) -> None:
    found = only_filter([("date", value)])
    assert isinstance(found, DateFilter)
    assert found.any_of[0].matches(target, now=NOW) is expected


def test_last_updated_is_a_date_filter() -> None:
    found = only_filter([("_lastUpdated", "gt2025-01-01")])
    assert isinstance(found, DateFilter) and found.param == "_lastUpdated"


def test_count_is_capped_at_one_hundred() -> None:
    assert parse_search("CarePlan", [("_count", "500")]).count == 100


@pytest.mark.parametrize("value", ["-1", "ten", ""])
def test_bad_count_is_refused(value: str) -> None:
    with pytest.raises(InvalidParameterValue) as caught:
        parse_search("CarePlan", [("_count", value)])
    assert caught.value.param == "_count"


def test_offset_is_read_for_paging() -> None:
    assert parse_search("CarePlan", [("_offset", "40")]).offset == 40


def test_sort_keys_in_order_with_descending() -> None:
    query = parse_search("CarePlan", [("_sort", "-_lastUpdated,date")])
    assert query.sort == (SortKey("_lastUpdated", descending=True), SortKey("date"))


def test_sort_by_unsupported_parameter_is_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_search("Flag", [("_sort", "date")])


def test_includes_of_care_team_goal_and_subject() -> None:
    query = parse_search(
        "CarePlan",
        [("_include", "CarePlan:care-team"), ("_include", "CarePlan:goal,CarePlan:subject")],
    )
    assert query.includes == (
        Include("CarePlan", "care-team", "CareTeam"),
        Include("CarePlan", "goal", "Goal"),
        Include("CarePlan", "subject", "Patient"),
    )


def test_include_from_another_type_is_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_search("CarePlan", [("_include", "Goal:subject")])


def test_revinclude_of_flags_by_patient_and_subject() -> None:
    query = parse_search(
        "CarePlan", [("_revinclude", "Flag:patient"), ("_revinclude", "Flag:subject")]
    )
    assert {str(i) for i in query.revincludes} == {"Flag:patient:CarePlan", "Flag:subject:CarePlan"}


def test_unsupported_revinclude_is_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_search("CarePlan", [("_revinclude", "Observation:subject")])


def test_summary_count_asks_for_the_total_only() -> None:
    assert parse_search("CarePlan", [("_summary", "count")]).summary_count


def test_other_summary_modes_are_refused() -> None:
    with pytest.raises(InvalidParameterValue):
        parse_search("CarePlan", [("_summary", "text")])


def test_unknown_parameters_are_collected_when_lenient() -> None:
    query = parse_search("CarePlan", [("colour", "red"), ("_format", "json")])
    assert query.unknown == ("colour",)


def test_unknown_parameters_are_refused_when_strict() -> None:
    with pytest.raises(UnknownParameter) as caught:
        parse_search("CarePlan", [("colour", "red")], strict=True)
    assert caught.value.param == "colour"


def test_unsupported_modifier_is_refused_even_when_lenient() -> None:
    with pytest.raises(UnsupportedModifier) as caught:
        parse_search("CarePlan", [("status:text", "active")])
    assert isinstance(caught.value, SearchError) and caught.value.param == "status"


def test_missing_modifier() -> None:
    assert only_filter([("date:missing", "true")]) == MissingFilter("date", True)


def test_careteam_goal_flag_and_patient_parameters() -> None:
    assert parse_search("CareTeam", [("patient", "p1"), ("status", "active")]).filters
    assert parse_search("Goal", [("lifecycle-status", "active")]).filters
    flags = parse_search("Flag", [("category", "dnar"), ("status", "active")])
    assert len(flags.filters) == 2
    patients = parse_search("Patient", [("identifier", f"{NHS}|9434765919")])
    assert patients.filters == (TokenFilter("identifier", (Token(NHS, "9434765919"),)),)


def test_parameter_of_another_type_is_unknown_here() -> None:
    assert parse_search("Goal", [("intent", "plan")]).unknown == ("intent",)
