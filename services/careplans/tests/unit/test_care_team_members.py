"""Care-team member rows (what the read statement checks) say what need-to-know reads off the
CareTeam: one row per participant, with its period and the team's status and patient."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from careplans.adapters.care_team_members import member_rows
from careplans.fhir.care_teams import patient_care_team


def test_each_participant_of_the_uk_care_team_is_a_row(
    fixture: Callable[[str], dict[str, Any]],
) -> None:
    team = fixture("careteam-uk.json")
    rows = member_rows("team-1", patient_care_team(team))
    reduced = patient_care_team(team)
    assert reduced is not None and len(rows) == len(reduced.participants)
    assert {r["patient_id"] for r in rows} == {"pat-9434765919"}
    assert {r["team_status"] for r in rows} == {team["status"]}
    assert [r["position"] for r in rows] == list(range(len(rows)))
    cm = next(r for r in rows if r["practitioner_id"] == "cm-0042")
    assert cm["starts"] is not None and cm["starts"] > datetime(2025, 1, 1, tzinfo=UTC)
    assert {"RXW", "M82001"} <= {r["organisation_id"] for r in rows}


def test_team_without_a_patient_subject_has_no_rows() -> None:
    team = {
        "resourceType": "CareTeam",
        "participant": [{"member": {"reference": "Practitioner/x"}}],
    }
    assert member_rows("team-2", patient_care_team(team)) == []
