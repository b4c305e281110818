"""Need-to-know: only the patient's care team (or a system of their organisation) gets in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from careplans.domain.access import (
    AccessPolicy,
    Basis,
    CareTeamParticipant,
    PatientCareTeam,
    break_glass,
)
from careplans.fhir.care_teams import patient_care_team
from cch_auth import Principal
from cch_auth.smart import Interaction, parse_scopes

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
POLICY = AccessPolicy(trusted_system_organisations=frozenset({"cch-platform"}))
TEAM = PatientCareTeam(
    "p1",
    "active",
    (
        CareTeamParticipant(practitioner_id="cm-1", start=datetime(2025, 1, 1, tzinfo=UTC)),
        CareTeamParticipant(
            practitioner_id="locum",
            start=datetime(2025, 1, 1, tzinfo=UTC),
            end=datetime(2025, 2, 1, tzinfo=UTC),
        ),
        CareTeamParticipant(organisation_id="M82001"),
    ),
)


def user(practitioner: str = "cm-1", scopes: str = "user/CarePlan.cruds", **kw: Any) -> Principal:
    roles = kw.pop("roles", frozenset({"case-manager"}))
    return Principal(
        subject=f"u-{practitioner}",
        roles=roles,
        scopes=parse_scopes(scopes),
        practitioner_id=practitioner,
        **kw,
    )


def system(organisation: str, scopes: str = "system/CarePlan.rs") -> Principal:
    return Principal("ehr", frozenset({"ehr-system"}), parse_scopes(scopes), organisation)


def decide(principal: Principal, interaction: Interaction = Interaction.READ, **kw: Any) -> Any:
    kw.setdefault("patient_id", "p1")
    kw.setdefault("care_teams", [TEAM])
    kw.setdefault("resource_type", "CarePlan")
    return POLICY.decide(principal, interaction=interaction, at=NOW, **kw)


def test_query_restricted_scope_grants_nothing() -> None:
    assert not decide(user(scopes="user/CarePlan.rs?category=emergency")).allowed


def test_v1_read_scope_reads_but_does_not_write() -> None:
    reader = user(scopes="user/CarePlan.read")
    assert decide(reader).allowed
    assert not decide(reader, Interaction.UPDATE).allowed


def test_case_manager_on_the_team_reads_the_plan() -> None:
    decision = decide(user())
    assert decision.allowed and decision.basis is Basis.USER_ON_CARE_TEAM


def test_user_not_on_the_team_is_denied_with_403() -> None:
    decision = decide(user("stranger"))
    assert not decision.allowed and decision.http_status == 403


def test_unknown_patient_is_denied_exactly_like_an_existing_one() -> None:
    existing = decide(user("stranger"))
    missing = decide(user("stranger"), patient_id="nobody", care_teams=[])
    assert (existing.allowed, existing.http_status) == (missing.allowed, missing.http_status)


def test_participant_whose_period_ended_is_no_longer_on_the_team() -> None:
    assert not decide(user("locum")).allowed


def test_inactive_care_team_grants_nothing() -> None:
    ended = PatientCareTeam("p1", "inactive", TEAM.participants)
    assert not decide(user(), care_teams=[ended]).allowed


def test_team_of_another_patient_grants_nothing() -> None:
    other = PatientCareTeam("p2", "active", TEAM.participants)
    assert not decide(user(), care_teams=[other]).allowed


def test_scope_must_cover_the_interaction() -> None:
    reader = user(scopes="user/CarePlan.rs")
    assert decide(reader, Interaction.READ).allowed
    denied = decide(reader, Interaction.UPDATE)
    assert not denied.allowed and denied.basis is Basis.NO_SCOPE


def test_scope_must_cover_the_resource_type() -> None:
    assert not decide(user(scopes="user/Flag.cruds")).allowed
    assert decide(user(scopes="user/*.rs")).allowed


def test_user_without_a_clinical_role_is_denied() -> None:
    decision = decide(user(roles=frozenset({"ops"})))
    assert not decision.allowed and decision.basis is Basis.NOT_CLINICAL


def test_system_token_of_an_organisation_on_the_team_is_allowed() -> None:
    system = Principal(
        "gp-system",
        frozenset({"ehr-system"}),
        parse_scopes("system/CarePlan.rs"),
        organisation="M82001",
    )
    decision = decide(system)
    assert decision.allowed and decision.basis is Basis.ORGANISATION_ON_CARE_TEAM


def test_system_token_of_another_organisation_is_denied() -> None:
    system = Principal(
        "acute", frozenset({"ehr-system"}), parse_scopes("system/CarePlan.rs"), organisation="RXW"
    )
    assert not decide(system).allowed


def test_trusted_platform_system_reaches_every_patient() -> None:
    platform = system("cch-platform", "system/*.cruds")
    decision = decide(platform, Interaction.CREATE, care_teams=[])
    assert decision.allowed and decision.basis is Basis.TRUSTED_SYSTEM


def test_patient_scope_reaches_only_the_launch_patient() -> None:
    app = Principal(
        "patient-app", frozenset(), parse_scopes("patient/CarePlan.rs"), claims={"patient": "p1"}
    )
    assert decide(app).allowed
    assert not decide(app, patient_id="p2", care_teams=[]).allowed


def test_search_is_narrowed_to_the_users_care_teams() -> None:
    restriction = POLICY.search_restriction(user(), resource_type="CarePlan", at=NOW)
    assert restriction.allowed and not restriction.unrestricted
    assert restriction.practitioner_ids == {"cm-1"}
    assert restriction.sees("p1", [TEAM])
    assert not restriction.sees("p2", [PatientCareTeam("p2", "active", ())])


def test_search_without_search_scope_is_refused() -> None:
    restriction = POLICY.search_restriction(
        user(scopes="user/CarePlan.r"), resource_type="CarePlan", at=NOW
    )
    assert not restriction.allowed and not restriction.sees("p1", [TEAM])


def test_trusted_system_search_is_unrestricted() -> None:
    platform = Principal(
        "ops", frozenset(), parse_scopes("system/CarePlan.s"), organisation="cch-platform"
    )
    restriction = POLICY.search_restriction(platform, resource_type="CarePlan", at=NOW)
    assert restriction.unrestricted and restriction.sees("anyone", [])


def test_system_search_is_narrowed_to_its_organisation() -> None:
    system = Principal(
        "gp", frozenset({"ehr-system"}), parse_scopes("system/CarePlan.s"), organisation="M82001"
    )
    restriction = POLICY.search_restriction(system, resource_type="CarePlan", at=NOW)
    assert restriction.organisation_ids == {"M82001"} and restriction.sees("p1", [TEAM])


def test_care_team_json_becomes_participants(fixture: Callable[[str], dict[str, Any]]) -> None:
    team = patient_care_team(fixture("careteam-uk.json"))
    assert team is not None and team.patient_id == "pat-9434765919"
    assert team.includes_practitioner("cm-0042", NOW)
    assert team.includes_organisation("RXW", NOW)  # on behalf of the community trust
    assert team.includes_organisation("M82001", NOW)  # the GP practice itself
    assert not team.includes_practitioner("cm-0042", datetime(2025, 1, 1, tzinfo=UTC))


def test_care_team_without_patient_subject_grants_nothing() -> None:
    assert patient_care_team({"resourceType": "CareTeam", "participant": []}) is None


def test_system_token_without_an_organisation_reaches_nobody() -> None:
    anonymous = Principal("ehr", frozenset({"ehr-system"}), parse_scopes("system/CarePlan.rs"))
    assert not decide(anonymous).allowed


def test_managing_organisation_of_the_team_counts_as_on_the_team() -> None:
    team = patient_care_team(
        {
            "resourceType": "CareTeam",
            "status": "active",
            "subject": {"reference": "Patient/p1"},
            "managingOrganization": [{"reference": "Organization/RYG"}],
        }
    )
    assert team is not None
    assert decide(system("RYG"), care_teams=[team]).allowed


def test_rapid_response_break_glass_needs_a_reason() -> None:
    responder = user("rr-1", scopes="user/CarePlan.rs", roles=frozenset({"rapid-response"}))
    assert break_glass(responder, reason="collapsed at home, 999 call").basis is Basis.BREAK_GLASS
    assert not break_glass(responder, reason=None).allowed
    assert not break_glass(responder, reason="  ").allowed


def test_break_glass_is_only_for_the_rapid_response_role() -> None:
    assert not break_glass(user("stranger"), reason="just curious about this patient").allowed


def test_grants_allow_exactly_what_decide_allows() -> None:
    """The read statement checks Grants; they must agree with the policy everywhere."""
    app = Principal(
        "app", frozenset(), parse_scopes("patient/CarePlan.rs"), claims={"patient": "p1"}
    )
    principals = [
        user(),
        user("locum"),
        user("stranger"),
        user(roles=frozenset({"ops"})),
        user(scopes="user/CarePlan.rs?category=emergency"),
        system("M82001"),
        system("RXW"),
        system("cch-platform"),
        system("cch-platform", "user/CarePlan.rs"),
        Principal("ehr", frozenset({"ehr-system"}), parse_scopes("system/CarePlan.rs")),
        app,
    ]
    teams = [[TEAM], [], [PatientCareTeam("p1", "inactive", TEAM.participants)]]
    for principal in principals:
        for interaction in (Interaction.READ, Interaction.UPDATE):
            grants = POLICY.grants(principal, resource_type="CarePlan", interaction=interaction)
            for patient_id in ("p1", "p2", None):
                for care_teams in teams:
                    for at in (NOW, datetime(2025, 1, 15, tzinfo=UTC)):
                        expected = POLICY.decide(
                            principal,
                            resource_type="CarePlan",
                            interaction=interaction,
                            patient_id=patient_id,
                            care_teams=care_teams,
                            at=at,
                        ).allowed
                        assert grants.allows(patient_id, care_teams, at) == expected, (
                            principal,
                            interaction,
                            patient_id,
                            care_teams,
                            at,
                        )
