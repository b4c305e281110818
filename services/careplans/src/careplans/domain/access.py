"""Need-to-know: who may read or write a patient's plans, decided per interaction.

Rules, in order:
1. Some SMART scope (cch_auth: v2 `.cruds`, v1 read/write; query-restricted scopes grant
   nothing) must grant the interaction (c, r, u, d, s) on the type; otherwise deny.
2. A `system/` scope from a trusted platform organisation (policy) reaches every patient.
3. A `system/` scope reaches a patient whose care team includes the token's organisation
   (as an Organization participant, the onBehalfOf of a participant, or the team's
   managingOrganization), active at `at`. A system token without an organisation reaches none.
4. A `user/` scope reaches a patient only while the user's practitioner id is an active
   participant of one of that patient's active (or proposed) care teams, and the user holds a
   clinical role.
5. A `patient/` scope reaches only the launch patient of the token.
Anything else is denied. A deny never says whether the patient or plan exists: the API answers
403 for a user not on the team whether or not the resource is there (the service passes an
empty care-team list for an unknown patient, which denies in the same way). Only callers that
would be allowed (trusted systems, team members) can learn of a 404.

Search is not refused per patient: `search_restriction` tells the repository to return only
resources of patients on whose care team the user (or system organisation) is, so a search by
someone off the team finds nothing rather than learning the plan exists. A search naming one
patient the caller cannot see returns an empty Bundle, never a 403 that would confirm them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cch_auth import Principal
from cch_auth.smart import Interaction

CLINICAL_ROLES = frozenset({"case-manager", "clinician", "coordinator", "ehr-system"})
TEAM_STATUSES_GRANTING = frozenset({"active", "proposed"})


class ScopeContext(StrEnum):
    """Whose data a SMART scope reaches: the launch patient, what the user may see, a system."""

    PATIENT = "patient"
    USER = "user"
    SYSTEM = "system"


def launch_patient(principal: Principal) -> str | None:
    """The SMART launch context's patient (a `patient` claim), for patient/ scopes."""
    value = principal.claims.get("patient")
    return str(value) if value else None


@dataclass(frozen=True, slots=True)
class CareTeamParticipant:
    """One participant: a practitioner and/or an organisation, for a period."""

    practitioner_id: str | None = None
    organisation_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def active_at(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)


@dataclass(frozen=True, slots=True)
class PatientCareTeam:
    """A CareTeam of one patient, reduced to what need-to-know looks at."""

    patient_id: str
    status: str
    participants: tuple[CareTeamParticipant, ...]

    def includes_practitioner(self, practitioner_id: str, at: datetime) -> bool:
        return self.status in TEAM_STATUSES_GRANTING and any(
            p.practitioner_id == practitioner_id and p.active_at(at) for p in self.participants
        )

    def includes_organisation(self, organisation_id: str, at: datetime) -> bool:
        return self.status in TEAM_STATUSES_GRANTING and any(
            p.organisation_id == organisation_id and p.active_at(at) for p in self.participants
        )


class Basis(StrEnum):
    """Why access was allowed or denied, for the audit trail (never sent to the caller)."""

    TRUSTED_SYSTEM = "trusted-system"
    ORGANISATION_ON_CARE_TEAM = "organisation-on-care-team"
    USER_ON_CARE_TEAM = "user-on-care-team"
    LAUNCH_PATIENT = "launch-patient"
    NO_SCOPE = "no-scope"
    NOT_ON_CARE_TEAM = "not-on-care-team"
    NOT_CLINICAL = "not-clinical-role"
    BREAK_GLASS = "break-glass"
    NO_REASON = "break-glass-without-reason"


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """allow/deny plus the basis the audit records."""

    allowed: bool
    basis: Basis

    @property
    def http_status(self) -> int | None:
        """None when allowed; 403 for every deny, existing resource or not."""
        return None if self.allowed else 403


RAPID_RESPONSE_ROLE = "rapid-response"
MIN_REASON_LENGTH = 5


def break_glass(principal: Principal, *, reason: str | None) -> AccessDecision:
    """Emergency access to the crisis summary for a rapid-response clinician off the team.

    Needs the rapid-response role, a CarePlan read scope and a stated reason (audited as
    break-glass); it never reaches full plans, search or writes.
    """
    if RAPID_RESPONSE_ROLE not in principal.roles or not principal.permits(
        "CarePlan", Interaction.READ
    ):
        return AccessDecision(False, Basis.NOT_ON_CARE_TEAM)
    if reason is None or len(reason.strip()) < MIN_REASON_LENGTH:
        return AccessDecision(False, Basis.NO_REASON)
    return AccessDecision(True, Basis.BREAK_GLASS)


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Configuration of need-to-know: which organisations' systems see every patient."""

    trusted_system_organisations: frozenset[str] = frozenset()
    clinical_roles: frozenset[str] = CLINICAL_ROLES

    def trusts(self, principal: Principal) -> bool:
        """A platform system, which may learn that a record does not exist (404, not 403)."""
        return principal.organisation in self.trusted_system_organisations and any(
            s.context == ScopeContext.SYSTEM for s in principal.scopes
        )

    def grants(
        self, principal: Principal, *, resource_type: str, interaction: Interaction
    ) -> Grants:
        """What reaches a patient's record for this interaction, independent of any patient."""
        contexts = {s.context for s in principal.scopes if s.permits(resource_type, interaction)}
        system = ScopeContext.SYSTEM in contexts
        everyone = system and principal.organisation in self.trusted_system_organisations
        clinical = bool(principal.roles & self.clinical_roles)
        return Grants(
            any_scope=bool(contexts),
            every_patient=everyone,
            reveals_missing=everyone or self.trusts(principal),
            organisation=(principal.organisation or None) if system else None,
            practitioner=(principal.practitioner_id or None)
            if ScopeContext.USER in contexts and clinical
            else None,
            launch_patient=launch_patient(principal) if ScopeContext.PATIENT in contexts else None,
        )

    def decide(
        self,
        principal: Principal,
        *,
        resource_type: str,
        interaction: Interaction,
        patient_id: str | None,
        care_teams: Sequence[PatientCareTeam],
        at: datetime,
    ) -> AccessDecision:
        """Allow or deny one interaction on one patient's resource (patient_id None: unknown)."""
        contexts = {s.context for s in principal.scopes if s.permits(resource_type, interaction)}
        if not contexts:
            return AccessDecision(False, Basis.NO_SCOPE)
        teams = [t for t in care_teams if patient_id is not None and t.patient_id == patient_id]
        if ScopeContext.SYSTEM in contexts:
            if principal.organisation in self.trusted_system_organisations:
                return AccessDecision(True, Basis.TRUSTED_SYSTEM)
            org = principal.organisation
            if org and any(t.includes_organisation(org, at) for t in teams):
                return AccessDecision(True, Basis.ORGANISATION_ON_CARE_TEAM)
        denial = Basis.NOT_ON_CARE_TEAM
        if ScopeContext.USER in contexts:
            who = principal.practitioner_id
            if not principal.roles & self.clinical_roles:
                denial = Basis.NOT_CLINICAL
            elif who and any(t.includes_practitioner(who, at) for t in teams):
                return AccessDecision(True, Basis.USER_ON_CARE_TEAM)
        if (
            ScopeContext.PATIENT in contexts
            and patient_id is not None
            and launch_patient(principal) == patient_id
        ):
            return AccessDecision(True, Basis.LAUNCH_PATIENT)
        return AccessDecision(False, denial)

    def search_restriction(
        self, principal: Principal, *, resource_type: str, at: datetime
    ) -> SearchRestriction:
        """How a search must be narrowed for this caller (deny only when no scope allows s)."""
        contexts = {
            s.context for s in principal.scopes if s.permits(resource_type, Interaction.SEARCH)
        }
        if not contexts:
            return SearchRestriction(allowed=False)
        if ScopeContext.SYSTEM in contexts and (
            principal.organisation in self.trusted_system_organisations
        ):
            return SearchRestriction(allowed=True, unrestricted=True)
        restriction = SearchRestriction(allowed=True, at=at)
        if ScopeContext.SYSTEM in contexts and principal.organisation:
            restriction = restriction.with_organisation(principal.organisation)
        if (
            ScopeContext.USER in contexts
            and principal.practitioner_id
            and principal.roles & self.clinical_roles
        ):
            restriction = restriction.with_practitioner(principal.practitioner_id)
        launched = launch_patient(principal)
        if ScopeContext.PATIENT in contexts and launched:
            restriction = restriction.with_patient(launched)
        return restriction


@dataclass(frozen=True, slots=True)
class Grants:
    """A caller's routes to a patient's record for one interaction (see AccessPolicy.decide).

    The store checks them in the same statement that reads the record (adapters/record_reads.py):
    the record is reachable when `every_patient`, or its patient is `launch_patient`, or one of
    the patient's active (or proposed) care teams has `organisation` or `practitioner` as a
    participant active at the time of the read.
    """

    any_scope: bool
    every_patient: bool
    reveals_missing: bool
    organisation: str | None
    practitioner: str | None
    launch_patient: str | None

    def allows(
        self, patient_id: str | None, care_teams: Sequence[PatientCareTeam], at: datetime
    ) -> bool:
        """The same answer as the store's check, computed over loaded care teams."""
        if not self.any_scope:
            return False
        if self.every_patient:
            return True
        if patient_id is None:
            return False
        if patient_id == self.launch_patient:
            return True
        teams = [t for t in care_teams if t.patient_id == patient_id]
        org, who = self.organisation, self.practitioner
        return any(
            (org is not None and t.includes_organisation(org, at))
            or (who is not None and t.includes_practitioner(who, at))
            for t in teams
        )


@dataclass(frozen=True, slots=True)
class SearchRestriction:
    """Search narrowing: results only for patients reachable through any of these routes."""

    allowed: bool
    unrestricted: bool = False
    at: datetime | None = None
    practitioner_ids: frozenset[str] = frozenset()
    organisation_ids: frozenset[str] = frozenset()
    patient_ids: frozenset[str] = frozenset()

    def with_practitioner(self, practitioner_id: str) -> SearchRestriction:
        return replace(self, practitioner_ids=self.practitioner_ids | {practitioner_id})

    def with_organisation(self, organisation_id: str) -> SearchRestriction:
        return replace(self, organisation_ids=self.organisation_ids | {organisation_id})

    def with_patient(self, patient_id: str) -> SearchRestriction:
        return replace(self, patient_ids=self.patient_ids | {patient_id})

    def sees(self, patient_id: str, care_teams: Iterable[PatientCareTeam]) -> bool:
        """Whether one patient's resources may appear in the results (Python-side filter)."""
        if not self.allowed:
            return False
        if self.unrestricted or patient_id in self.patient_ids:
            return True
        at = self.at
        assert at is not None
        for team in care_teams:
            if team.patient_id != patient_id:
                continue
            if any(team.includes_practitioner(p, at) for p in self.practitioner_ids):
                return True
            if any(team.includes_organisation(o, at) for o in self.organisation_ids):
                return True
        return False
