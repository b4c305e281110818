from __future__ import annotations

from datetime import date

import pytest

from stratification.domain.errors import DomainError
from stratification.domain.ingest_validation import (
    IngestBatchRejected,
    RowError,
    accept_activity_batch,
    accept_registry_batch,
    validate_activity_rows,
)
from stratification.domain.patient_activity import EventKind

TODAY = date(2025, 4, 1)
PRACTICES = frozenset({"M82001", "M82002"})
VALID_NHS = "9434765919"


def _row(**overrides: str) -> dict[str, str]:
    row = {
        "nhs_number": VALID_NHS,
        "practice_code": "M82001",
        "date": "2024-05-01",
        "kind": "nel",
        "icd10_primary": "J44.1",
        "icd10_secondary": "N18.3;R29.6",
    }
    row.update(overrides)
    return row


def _errors(*rows: dict[str, str]) -> list[RowError]:
    return validate_activity_rows(rows, known_practices=PRACTICES, today=TODAY)[1]


def test_clean_row_is_accepted_with_codes_normalised_without_dots() -> None:
    [record] = accept_activity_batch([_row()], known_practices=PRACTICES, today=TODAY)
    assert record.kind is EventKind.NEL
    assert record.icd10_primary == "J441"
    assert record.icd10_secondary == ("N183", "R296")
    assert record.date == date(2024, 5, 1)


def test_nhs_number_failing_modulus_11_is_refused() -> None:
    assert _errors(_row(nhs_number="9434765918")) == [
        RowError(1, "nhs_number", "9434765918", "not a valid NHS number (Modulus 11)")
    ]


@pytest.mark.parametrize("value", ["943476591", "94347659190", "943-476-5919", "abcdefghij"])
def test_malformed_nhs_numbers_are_refused(value: str) -> None:
    assert [e.field for e in _errors(_row(nhs_number=value))] == ["nhs_number"]


@pytest.mark.parametrize("code", ["J441", "j44.1", "I10", "E11.9", "Z99.81"])
def test_icd10_codes_in_any_case_with_or_without_dot_are_accepted(code: str) -> None:
    assert _errors(_row(icd10_primary=code)) == []


@pytest.mark.parametrize("code", ["44.1", "J4", "JJ44", "J44.12345", "asthma", "J44-1"])
def test_malformed_icd10_codes_are_refused(code: str) -> None:
    assert [e.field for e in _errors(_row(icd10_primary=code))] == ["icd10_primary"]


def test_one_bad_secondary_code_is_reported_by_value() -> None:
    [error] = _errors(_row(icd10_secondary="N18.3;bogus"))
    assert (error.field, error.value) == ("icd10_secondary", "bogus")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-04-02", "in the future"),
        ("1899-12-31", "before 1900"),
        ("01/05/2024", "not an ISO date (YYYY-MM-DD)"),
        ("2024-02-30", "not an ISO date (YYYY-MM-DD)"),
    ],
)
def test_dates_must_be_iso_and_between_1900_and_today(value: str, reason: str) -> None:
    assert [e.reason for e in _errors(_row(date=value))] == [reason]


def test_today_itself_is_not_in_the_future() -> None:
    assert _errors(_row(date="2025-04-01")) == []


def test_unknown_practice_is_refused() -> None:
    assert [e.reason for e in _errors(_row(practice_code="Y99999"))] == ["unknown practice"]


def test_kind_outside_allowed_set_is_refused() -> None:
    assert [e.field for e in _errors(_row(kind="elective"))] == ["kind"]


def test_missing_fields_are_each_reported() -> None:
    row = _row()
    del row["date"]
    row["icd10_primary"] = ""
    assert {(e.field, e.reason) for e in _errors(row)} == {
        ("date", "missing"),
        ("icd10_primary", "missing"),
    }


def test_duplicate_row_in_a_batch_names_the_first_line() -> None:
    errors = validate_activity_rows(
        [_row(), _row(kind="ae"), _row(icd10_secondary="R29.6;N18.3")],
        known_practices=PRACTICES,
        today=TODAY,
        first_line=2,
    )[1]
    assert errors == [RowError(4, "row", VALID_NHS, "duplicate of line 2")]


def test_one_bad_row_rejects_the_whole_batch_listing_every_fault() -> None:
    rows = [_row(), _row(nhs_number="1234567890", date="2030-01-01"), _row(kind="gp")]
    with pytest.raises(IngestBatchRejected) as rejected:
        accept_activity_batch(rows, known_practices=PRACTICES, today=TODAY)
    assert isinstance(rejected.value, DomainError)
    assert rejected.value.code == "ingest-batch-rejected"
    assert [(e.line, e.field) for e in rejected.value.errors] == [(2, "nhs_number"), (2, "date")]


def _registry_row(**overrides: str) -> dict[str, str]:
    row = {
        "nhs_number": VALID_NHS,
        "sex": "female",
        "birth_date": "1940-02-29",
        "practice_code": "M82002",
        "postcode": "SY1 1AA",
        "easting": "349000",
        "northing": "312000",
    }
    row.update(overrides)
    return row


def test_registry_row_is_accepted() -> None:
    [record] = accept_registry_batch([_registry_row()], known_practices=PRACTICES, today=TODAY)
    assert (record.birth_date, record.easting, record.postcode) == (
        date(1940, 2, 29),
        349000.0,
        "SY1 1AA",
    )


def test_registry_refuses_bad_postcode_sex_and_grid_reference() -> None:
    row = _registry_row(postcode="NOT A CODE", sex="x", northing="-5")
    with pytest.raises(IngestBatchRejected) as rejected:
        accept_registry_batch([row], known_practices=PRACTICES, today=TODAY)
    assert {e.field for e in rejected.value.errors} == {"postcode", "sex", "northing"}


def test_registry_refuses_the_same_person_twice() -> None:
    with pytest.raises(IngestBatchRejected) as rejected:
        accept_registry_batch(
            [_registry_row(), _registry_row(sex="male")], known_practices=PRACTICES, today=TODAY
        )
    assert rejected.value.errors == [RowError(2, "nhs_number", VALID_NHS, "duplicate of line 1")]
