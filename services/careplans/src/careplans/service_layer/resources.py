"""FHIR interactions on the versioned store: create, read, update, patch, delete, history."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careplans.adapters.resource_store import ResourceStore, Stored
from careplans.domain.errors import DuplicatePatient
from careplans.domain.patient_merge import replaced_by
from careplans.domain.vocabulary import (
    DELETED_STATUS,
    NHS_NUMBER_SYSTEM,
    PATIENT_KEY_SYSTEM,
    STATUS_FIELD,
)
from careplans.fhir.patch import PatchError, apply_patch
from careplans.fhir.validation import validate_resource
from careplans.service_layer import access
from careplans.service_layer.events import careplan_events
from careplans.service_layer.indexing import index_resource, reference_id
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_contracts import patient_key as key_for
from cch_contracts.clock import Clock, SystemClock
from cch_fhir.errors import FhirError, Issue, gone, not_found, version_conflict
from cch_messaging import MessagingUnitOfWork

REFERENCE_FIELDS = {"careTeam": "CareTeam", "goal": "Goal", "partOf": "CarePlan"}


@dataclass(frozen=True)
class Written:
    content: dict[str, Any]
    version: int
    at: datetime
    created: bool


def patient_key_of(patient: dict[str, Any]) -> str | None:
    for ident in patient.get("identifier", []) or []:
        if ident.get("system") == NHS_NUMBER_SYSTEM and ident.get("value"):
            return key_for(str(ident["value"]))
    for ident in patient.get("identifier", []) or []:
        if ident.get("system") == PATIENT_KEY_SYSTEM and ident.get("value"):
            return str(ident["value"])
    return None


def with_meta(resource: dict[str, Any], *, rid: str, version: int, at: datetime) -> dict[str, Any]:
    meta = {
        k: v for k, v in (resource.get("meta") or {}).items() if k in ("profile", "tag", "security")
    }
    meta.update(versionId=str(version), lastUpdated=at.isoformat().replace("+00:00", "Z"))
    out = {"resourceType": resource["resourceType"], "id": rid, "meta": meta}
    out.update({k: v for k, v in resource.items() if k not in ("resourceType", "id", "meta")})
    return out


def deleted_form(content: dict[str, Any]) -> dict[str, Any]:
    """What DELETE stores: entered-in-error where the type has a status, inactive for Patient."""
    body = dict(content)
    if field_name := STATUS_FIELD.get(content["resourceType"]):
        body[field_name] = DELETED_STATUS
    elif content["resourceType"] == "Patient":
        body["active"] = False
    return body


class PatientAlreadyHeld(FhirError):
    """409: the write would hold a second Patient with one NHS number (nothing is stored)."""

    def __init__(self) -> None:
        super().__init__(
            409,
            Issue(
                "duplicate",
                "a Patient with this NHS number is already held here; find it with "
                "GET Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|<number>, or create it "
                "conditionally (If-None-Exist) to be given its id",
                expression="Patient.identifier",
            ),
        )


@contextmanager
def _one_patient_per_nhs_number() -> Iterator[None]:
    try:
        yield
    except DuplicatePatient as exc:
        raise PatientAlreadyHeld() from exc


def check(body: dict[str, Any], rtype: str, url_id: str | None = None) -> None:
    """400 (shape) or 422 (rules) with every issue; nothing is stored when it raises."""
    validate_resource(body, endpoint_type=rtype, url_id=url_id).raise_if_rejected()


class Resources:
    """One instance per request: the caller, its Unit of Work and the clock."""

    def __init__(
        self, uow: MessagingUnitOfWork, principal: Principal, clock: Clock | None = None
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock or SystemClock()
        self.store = ResourceStore(uow.session)

    # -- reads -------------------------------------------------------------------------------
    async def read(self, rtype: str, rid: str, *, interaction: str = "read") -> Stored:
        stored = await self._reachable(rtype, rid, Interaction.READ, interaction)
        await self._audit(interaction, stored)
        if stored.deleted and interaction == "read":
            raise gone(rtype, rid)
        return stored

    async def vread(self, rtype: str, rid: str, version: str) -> dict[str, Any]:
        stored = await self._reachable(rtype, rid, Interaction.READ, "vread")
        await self._audit("vread", stored)
        content = await self.store.version(rtype, rid, int(version)) if version.isdigit() else None
        if content is None:
            raise FhirError.of(404, "not-found", f"{rtype}/{rid} has no version {version!r}")
        if stored.deleted and content["meta"]["versionId"] == str(stored.version):
            raise gone(rtype, rid)  # the version DELETE wrote reads as the deletion itself
        return content

    async def _reachable(
        self, rtype: str, rid: str, interaction: Interaction, name: str, *, for_update: bool = False
    ) -> Stored:
        """The stored resource if the caller may reach it; 404 only for trusted callers."""
        access.require_scope(self.principal, rtype, interaction)
        stored = await self.store.get(rtype, rid, for_update=for_update)
        allowed = await access.decide(
            self.uow.session,
            self.principal,
            rtype=rtype,
            interaction=interaction,
            patient_id=stored.patient_id if stored else None,
            at=self.clock.now(),
        )
        if stored is None and (allowed or access.POLICY.trusts(self.principal)):
            raise not_found(rtype, rid)
        if stored is None or not allowed:
            await self._audit_denied(name, rtype, rid, stored.patient_key if stored else None)
            raise access.denied()
        return stored

    async def _audit_denied(
        self, interaction: str, rtype: str, rid: str | None, patient_key: str | None
    ) -> None:
        await access.audit(
            self.uow.session,
            self.principal,
            interaction=interaction,
            rtype=rtype,
            rid=rid,
            patient_key=patient_key,
            outcome="4",
            detail="denied: need-to-know",
        )
        await self.uow.commit()

    async def _audit(self, interaction: str, stored: Stored) -> None:
        await access.audit(
            self.uow.session,
            self.principal,
            interaction=interaction,
            rtype=stored.type,
            rid=stored.id,
            patient_key=stored.patient_key,
        )

    # -- writes ------------------------------------------------------------------------------
    async def create(self, body: dict[str, Any], *, rid: str | None = None) -> Written:
        rtype = str(body.get("resourceType"))
        access.require_scope(self.principal, rtype, Interaction.CREATE)
        check(body, rtype)
        rid = rid or str(uuid.uuid4())
        at = self.clock.now()
        content = with_meta(body, rid=rid, version=1, at=at)
        index = index_resource(content)
        patient_key = await self._check_references(content, index.patient_id)
        if rtype != "Patient":  # a Patient is only an identity; its records carry the access
            allowed = await access.decide(
                self.uow.session,
                self.principal,
                rtype=rtype,
                interaction=Interaction.CREATE,
                patient_id=index.patient_id,
                at=at,
                proposed_team=content if rtype == "CareTeam" else None,
            )
            if not allowed:
                await self._audit_denied("create", rtype, None, patient_key)
                raise access.denied()
        with _one_patient_per_nhs_number():
            await self.store.insert(content, index, patient_key=patient_key, at=at)
        await access.audit(
            self.uow.session,
            self.principal,
            interaction="create",
            rtype=rtype,
            rid=rid,
            patient_key=patient_key,
        )
        self._publish(None, content, patient_key=patient_key, at=at)
        return Written(content, 1, at, created=True)

    async def update(
        self,
        rtype: str,
        rid: str,
        body: dict[str, Any],
        *,
        if_match: int | None,
        interaction: str = "update",
        method: str = "PUT",
    ) -> Written:
        check(body, rtype, url_id=rid)
        stored = await self._reachable(rtype, rid, Interaction.UPDATE, interaction, for_update=True)
        if stored.deleted:
            raise gone(rtype, rid)
        if if_match is not None and if_match != stored.version:
            raise version_conflict(rtype, rid, stored.version, if_match)
        at = self.clock.now()
        version = stored.version + 1
        content = with_meta(body, rid=rid, version=version, at=at)
        index = index_resource(content)
        if index.patient_id != stored.patient_id and rtype != "Patient":
            raise FhirError.of(
                422, "business-rule", "a resource cannot be moved to another patient", "subject"
            )
        patient_key = await self._check_references(content, index.patient_id)
        with _one_patient_per_nhs_number():
            ok = await self.store.replace(
                content,
                index,
                expected_version=stored.version,
                patient_key=patient_key,
                at=at,
                method=method,
            )
        if not ok:  # another writer got there first, between our read and write
            raise version_conflict(rtype, rid, stored.version + 1, stored.version)
        await access.audit(
            self.uow.session,
            self.principal,
            interaction=interaction,
            rtype=rtype,
            rid=rid,
            patient_key=patient_key,
        )
        self._publish(stored.content, content, patient_key=patient_key, at=at)
        return Written(content, version, at, created=False)

    async def patch(
        self, rtype: str, rid: str, operations: Any, *, if_match: int | None
    ) -> Written:
        stored = await self._reachable(rtype, rid, Interaction.UPDATE, "patch")
        if stored.deleted:
            raise gone(rtype, rid)
        if if_match is not None and if_match != stored.version:
            raise version_conflict(rtype, rid, stored.version, if_match)
        try:
            outcome = apply_patch(stored.content, operations)
        except PatchError as exc:
            raise FhirError.of(exc.http_status, exc.code, exc.message, exc.expression) from exc
        outcome.validation.raise_if_rejected()
        return await self.update(
            rtype, rid, outcome.resource, if_match=stored.version, interaction="patch"
        )

    async def delete(self, rtype: str, rid: str) -> Written | None:
        """Records the deleted status as a new version; later reads answer 410 Gone.

        Deleting what is already deleted changes nothing (idempotent, as the spec allows).
        """
        stored = await self._reachable(rtype, rid, Interaction.DELETE, "delete", for_update=True)
        if stored.deleted:
            await self._audit("delete", stored)
            return None
        at = self.clock.now()
        content = with_meta(
            deleted_form(stored.content), rid=rid, version=stored.version + 1, at=at
        )
        index = index_resource(content)
        ok = await self.store.replace(
            content,
            index,
            expected_version=stored.version,
            patient_key=stored.patient_key,
            at=at,
            method="DELETE",
        )
        if not ok:
            raise version_conflict(rtype, rid, stored.version + 1, stored.version)
        await self._audit("delete", stored)
        self._publish(stored.content, content, patient_key=stored.patient_key, at=at)
        return Written(content, stored.version + 1, at, created=False)

    def _publish(
        self,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        *,
        patient_key: str | None,
        at: datetime,
    ) -> None:
        rid = after["id"]
        for payload in careplan_events(before, after, patient_key=patient_key, at=at):
            self.uow.publish(
                payload, key=patient_key or rid, aggregate_type="careplan", aggregate_id=rid
            )

    async def _check_references(
        self, content: dict[str, Any], patient_id: str | None
    ) -> str | None:
        """422 when a local reference names nothing here or another patient's record."""
        rtype = content["resourceType"]
        if rtype == "Patient":
            return patient_key_of(content)
        wanted: list[tuple[str, str, Any]] = []  # (field, target type, reference)
        if rtype == "CarePlan":
            for field_name, target in REFERENCE_FIELDS.items():
                for ref in content.get(field_name, []) or []:
                    if "reference" in ref and not str(ref["reference"]).startswith("#"):
                        wanted.append((field_name, target, ref))  # else display-only/contained
        targets = {(t, tid) for _, t, ref in wanted if (tid := reference_id(ref, t))}
        found = {  # the subject and every referenced resource, in one query
            (s.type, s.id): s
            for s in await self.store.get_many(sorted({("Patient", patient_id or ""), *targets}))
        }
        patient = found.get(("Patient", patient_id or ""))
        if patient is None or patient.deleted:
            raise FhirError.of(
                422,
                "not-found",
                f"subject must reference a Patient on this server (Patient/{patient_id} is not)",
                f"{rtype}.subject",
            )
        if survivor := replaced_by(patient.content):
            raise FhirError.of(
                422,
                "business-rule",
                f"Patient/{patient_id} was merged into Patient/{survivor}; record against that",
                f"{rtype}.subject",
            )
        issues: list[Issue] = []
        for field_name, target, ref in wanted:
            tid = reference_id(ref, target)
            hit = found.get((target, tid)) if tid else None
            if hit is None or hit.patient_id != patient_id:
                issues.append(
                    Issue(
                        "invalid",
                        f"{field_name} {ref.get('reference')!r} is not a {target} of this patient",
                        expression=f"CarePlan.{field_name}",
                    )
                )
        if issues:
            raise FhirError(422, issues)
        return patient.patient_key
