"""A clinician at a crisis reads the emergency plan, then alerts in order, then the rest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from careplans.domain.crisis_summary import as_bundle, crisis_summary
from careplans.domain.vocabulary import AlertKind, PlanKind

Fixture = Callable[[str], dict[str, Any]]
NOW = datetime(2025, 3, 3, 2, 15, tzinfo=UTC)
PLAN_KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
ALERT_KIND = "https://cch.example.nhs.uk/CodeSystem/alert-kind"


def plan(pid: str, kind: str, status: str = "active", start: str = "2025-01-01") -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "id": pid,
        "status": status,
        "intent": "plan",
        "category": [{"coding": [{"system": PLAN_KIND, "code": kind}]}],
        "subject": {"reference": "Patient/p1"},
        "period": {"start": start},
    }


def flag(fid: str, kind: str, text: str, **kw: Any) -> dict[str, Any]:
    body = {
        "resourceType": "Flag",
        "id": fid,
        "status": "active",
        "category": [{"coding": [{"system": ALERT_KIND, "code": kind}]}],
        "code": {"text": text},
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2025-01-01"},
    }
    body.update(kw)
    return body


def test_emergency_plan_first_then_alerts_in_clinical_order_then_plans(fixture: Fixture) -> None:
    summary = crisis_summary(
        "p1",
        plans=[
            plan("icp", "integrated"),
            plan("eol", "end-of-life"),
            fixture("careplan-uk-emergency.json"),
        ],
        flags=[
            flag("lw", "lone-worker", "Dog in house"),
            flag("sg", "safeguarding", "Financial abuse concern"),
            fixture("flag-allergy.json"),
            fixture("flag-dnar.json"),
        ],
        at=NOW,
    )
    assert summary.emergency_plan is not None and summary.emergency_plan.id == "ecp-9434765919"
    assert [a.kind for a in summary.alerts] == [
        AlertKind.DNAR,
        AlertKind.ALLERGY,
        AlertKind.SAFEGUARDING,
        AlertKind.LONE_WORKER,
    ]
    assert (
        summary.end_of_life_plan is not None
        and summary.end_of_life_plan.kind is PlanKind.END_OF_LIFE
    )
    assert summary.integrated_plan is not None and summary.integrated_plan.id == "icp"
    assert [r["id"] for r in summary.resources] == [
        "ecp-9434765919",
        "flag-dnar-1",
        "flag-allergy-1",
        "sg",
        "lw",
        "eol",
        "icp",
    ]


def test_allergy_alert_names_the_substance(fixture: Fixture) -> None:
    summary = crisis_summary("p1", plans=[], flags=[fixture("flag-allergy.json")], at=NOW)
    assert summary.alerts[0].text == "Allergy: Penicillin: anaphylaxis"


def test_only_an_active_emergency_plan_is_shown() -> None:
    summary = crisis_summary(
        "p1", plans=[plan("draft-ecp", "emergency", status="draft")], flags=[], at=NOW
    )
    assert summary.emergency_plan is None


def test_newest_active_emergency_plan_wins() -> None:
    summary = crisis_summary(
        "p1",
        plans=[
            plan("old", "emergency", start="2024-01-01"),
            plan("new", "emergency", start="2025-02-01"),
        ],
        flags=[],
        at=NOW,
    )
    assert summary.emergency_plan is not None and summary.emergency_plan.id == "new"


def test_closed_plans_never_appear_and_active_beats_draft() -> None:
    summary = crisis_summary(
        "p1",
        plans=[
            plan("done", "integrated", status="completed", start="2025-02-01"),
            plan("draft", "integrated", status="draft", start="2025-02-02"),
            plan("live", "integrated", start="2024-06-01"),
        ],
        flags=[],
        at=NOW,
    )
    assert summary.integrated_plan is not None and summary.integrated_plan.id == "live"


def test_inactive_and_expired_alerts_are_left_out() -> None:
    summary = crisis_summary(
        "p1",
        plans=[],
        flags=[
            flag("old", "dnar", "Rescinded", status="inactive"),
            flag(
                "expired",
                "lone-worker",
                "Was aggressive",
                period={"start": "2024-01-01", "end": "2025-01-01"},
            ),
            flag(
                "today",
                "safeguarding",
                "Ends today",
                period={"start": "2024-01-01", "end": "2025-03-03"},
            ),
        ],
        at=NOW,
    )
    assert [a.id for a in summary.alerts] == ["today"]


def test_alerts_of_unknown_kind_come_last_newest_first_within_kind() -> None:
    summary = crisis_summary(
        "p1",
        plans=[],
        flags=[
            {
                "resourceType": "Flag",
                "id": "other",
                "status": "active",
                "code": {"text": "Key safe 1234"},
            },
            flag("sg-old", "safeguarding", "Old concern", period={"start": "2024-01-01"}),
            flag("sg-new", "safeguarding", "New concern", period={"start": "2025-02-01"}),
        ],
        at=NOW,
    )
    assert [a.id for a in summary.alerts] == ["sg-new", "sg-old", "other"]


def test_plan_summary_lists_activities_and_next_review(fixture: Fixture) -> None:
    summary = crisis_summary("p1", plans=[fixture("careplan-uk-emergency.json")], flags=[], at=NOW)
    assert summary.emergency_plan is not None
    assert summary.emergency_plan.activities[0].text == "Rapid response visit within 2 hours"
    assert summary.emergency_plan.author == "Alex Morgan (community matron)"


def test_summary_as_bundle_keeps_reading_order_and_is_valid(fixture: Fixture) -> None:
    summary = crisis_summary(
        "p1",
        plans=[fixture("careplan-uk-emergency.json")],
        flags=[fixture("flag-allergy.json"), fixture("flag-dnar.json")],
        at=NOW,
    )
    bundle = as_bundle(summary, base_url="https://cch.example.nhs.uk/fhir/")
    Bundle.model_validate(bundle)
    assert [e["fullUrl"] for e in bundle["entry"]] == [
        "https://cch.example.nhs.uk/fhir/CarePlan/ecp-9434765919",
        "https://cch.example.nhs.uk/fhir/Flag/flag-dnar-1",
        "https://cch.example.nhs.uk/fhir/Flag/flag-allergy-1",
    ]


def test_empty_summary_is_an_empty_collection() -> None:
    summary = crisis_summary("p1", plans=[], flags=[], at=NOW)
    assert summary.emergency_plan is None and summary.alerts == ()
    assert as_bundle(summary) == {"resourceType": "Bundle", "type": "collection"}
