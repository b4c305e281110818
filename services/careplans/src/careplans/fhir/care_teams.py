"""CareTeam JSON reduced to the participants need-to-know checks (domain/access.py)."""

from __future__ import annotations

from typing import Any

from careplans.domain.access import CareTeamParticipant, PatientCareTeam
from careplans.fhir.dates import period_range
from careplans.fhir.references import parse_reference


def _target(reference: object) -> tuple[str | None, str | None]:
    if not isinstance(reference, dict) or not isinstance(reference.get("reference"), str):
        return None, None
    parsed = parse_reference(reference["reference"])
    return (parsed.resource_type, parsed.id) if parsed else (None, None)


def patient_care_team(team: dict[str, Any]) -> PatientCareTeam | None:
    """None when the team has no literal Patient subject (it then grants nothing)."""
    subject_type, patient_id = _target(team.get("subject"))
    if subject_type != "Patient" or patient_id is None:
        return None
    participants = []
    for participant in team.get("participant", []):
        member_type, member_id = _target(participant.get("member"))
        behalf_type, behalf_id = _target(participant.get("onBehalfOf"))
        span = period_range(participant.get("period"))
        practitioner = member_id if member_type == "Practitioner" else None
        organisation = member_id if member_type == "Organization" else None
        if behalf_type == "Organization" and organisation is None:
            organisation = behalf_id
        if practitioner or organisation:
            participants.append(
                CareTeamParticipant(practitioner, organisation, start=span.start, end=span.end)
            )
    for managing in team.get("managingOrganization", []):
        kind, organisation_id = _target(managing)
        if kind == "Organization" and organisation_id:
            participants.append(CareTeamParticipant(organisation_id=organisation_id))
    return PatientCareTeam(patient_id, str(team.get("status", "active")), tuple(participants))
