"""Pure rules: drafting from the tier table, JSON Patch, date search ranges, crisis order."""

from datetime import UTC, date, datetime

import pytest

from careplans.api.crisis import crisis_order
from careplans.pathway.drafting import Tier, draft_care_plan, review_due, with_adjustment
from careplans.pathway.errors import InvalidPatch
from careplans.pathway.json_patch import apply_patch
from careplans.service_layer.dates import date_range, split_prefix

NOW = datetime(2026, 1, 1, 9, tzinfo=UTC)
KIND = "https://cch.example.nhs.uk/CodeSystem/care-plan-kind"
ALERT = "https://cch.example.nhs.uk/CodeSystem/alert-kind"


@pytest.mark.parametrize(
    ("tier", "due", "screenings"),
    [
        (Tier.HIGHEST, date(2026, 1, 15), 4),
        (Tier.HIGH, date(2026, 1, 29), 4),
        (Tier.MEDIUM, date(2026, 4, 2), 3),
        (Tier.LOW, date(2027, 1, 1), 3),
    ],
)
def test_draft_plan_has_the_tiers_screening_and_review_interval(tier, due, screenings):
    plan = draft_care_plan(case_id="c1", patient_id="p", care_team_id="t", tier=tier, now=NOW)
    assert plan["status"] == "draft" and plan["intent"] == "plan"
    assert len(plan["activity"]) == screenings + 1
    assert plan["activity"][-1]["detail"]["scheduledPeriod"]["start"] == due.isoformat()
    assert review_due(tier, from_time=NOW) == due
    assert plan["note"][0]["text"].startswith("Care plan owner:")


def test_adjustment_notes_the_summary_and_moves_the_single_review():
    plan = draft_care_plan(case_id="c", patient_id="p", care_team_id="t", tier=Tier.LOW, now=NOW)
    adjusted = with_adjustment(
        plan, summary="more help", by="mdt", at=NOW, next_review_on=date(2026, 2, 1)
    )
    reviews = [a for a in adjusted["activity"] if a["detail"]["code"]["text"] == "MDT review"]
    assert len(reviews) == 1 and reviews[0]["detail"]["scheduledPeriod"]["start"] == "2026-02-01"
    assert adjusted["note"][-1]["text"] == "more help" and len(plan["note"]) == 1


def test_json_patch_applies_operations_without_touching_the_original():
    doc = {"resourceType": "CarePlan", "id": "1", "note": [{"text": "a"}], "status": "draft"}
    out = apply_patch(
        doc,
        [
            {"op": "add", "path": "/note/-", "value": {"text": "b"}},
            {"op": "replace", "path": "/status", "value": "active"},
            {"op": "test", "path": "/note/0/text", "value": "a"},
            {"op": "remove", "path": "/note/0"},
        ],
    )
    assert out["note"] == [{"text": "b"}] and out["status"] == "active"
    assert doc["status"] == "draft"


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/id", "value": "x"}],
        [{"op": "remove", "path": "/meta/versionId"}],
        [{"op": "test", "path": "/status", "value": "other"}],
        [{"op": "remove", "path": "/missing"}],
        [{"op": "bogus", "path": "/status"}],
        [],
    ],
)
def test_json_patch_refuses_protected_or_impossible_operations(ops):
    with pytest.raises(InvalidPatch):
        apply_patch({"resourceType": "CarePlan", "id": "1", "meta": {}, "status": "x"}, ops)


def test_date_search_values_cover_their_precision():
    assert date_range("2026") == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert date_range("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)
    assert split_prefix("ge2026-01-01") == ("ge", "2026-01-01")
    assert split_prefix("2026-01-01") == ("eq", "2026-01-01")
    with pytest.raises(ValueError, match="not a FHIR date"):
        date_range("yesterday")


def test_crisis_order_is_emergency_plan_then_alerts_then_other_plans():
    def plan(i, kind, status="active"):
        return {
            "id": i,
            "status": status,
            "category": [{"coding": [{"system": KIND, "code": kind}]}],
        }

    def alert(i, kind, status="active"):
        return {"id": i, "status": status, "code": {"coding": [{"system": ALERT, "code": kind}]}}

    ordered = crisis_order(
        [
            plan("main", "integrated"),
            plan("eol", "end-of-life"),
            plan("ecp", "emergency"),
            plan("old", "emergency", "revoked"),
        ],
        [
            alert("lw", "lone-worker"),
            alert("sg", "safeguarding"),
            alert("al", "allergy"),
            alert("dn", "dnar"),
            alert("gone", "dnar", "inactive"),
        ],
    )
    assert [r["id"] for r in ordered] == ["ecp", "dn", "al", "sg", "lw", "eol", "main"]
