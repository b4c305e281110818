"""FHIR interactions on the versioned store: create, read, update, patch, delete, history."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from careplans.adapters.resource_store import ResourceStore, Stored
from careplans.pathway.clock import Clock, SystemClock
from careplans.pathway.errors import InvalidPatch
from careplans.pathway.json_patch import apply_patch
from careplans.pathway.vocabulary import NHS_NUMBER_SYSTEM, PATIENT_KEY_SYSTEM, RETIRED_STATUS
from careplans.service_layer import access
from careplans.service_layer.events import careplan_events
from careplans.service_layer.indexing import index_resource, reference_id
from careplans.service_layer.validation import validate_resource
from cch_auth import Principal
from cch_auth.smart import Interaction
from cch_contracts import patient_key as key_for
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


class Resources:
    """One instance per request: the caller, its Unit of Work and the clock."""

    def __init__(self, uow: MessagingUnitOfWork, principal: Principal, clock: Clock | None = None):
        self.uow = uow
        self.principal = principal
        self.clock = clock or SystemClock()
        self.store = ResourceStore(uow.session)

    # -- reads -------------------------------------------------------------------------------
    async def read(self, rtype: str, rid: str, *, interaction: str = "read") -> Stored:
        access.require_scope(self.principal, rtype, Interaction.READ)
        stored = await self.store.get(rtype, rid)
        await self._guard(rtype, rid, stored, Interaction.READ, interaction)
        assert stored is not None
        await self._audit(interaction, stored)
        if stored.deleted:
            raise gone(rtype, rid)
        return stored

    async def vread(self, rtype: str, rid: str, version: str) -> dict[str, Any]:
        access.require_scope(self.principal, rtype, Interaction.READ)
        stored = await self.store.get(rtype, rid)
        await self._guard(rtype, rid, stored, Interaction.READ, "vread")
        assert stored is not None
        await self._audit("vread", stored)
        content = await self.store.version(rtype, rid, int(version)) if version.isdigit() else None
        if content is None:
            raise FhirError.of(404, "not-found", f"{rtype}/{rid} has no version {version!r}")
        return content

    async def _guard(
        self,
        rtype: str,
        rid: str,
        stored: Stored | None,
        interaction: Interaction,
        name: str,
        patient_id: str | None = None,
    ) -> None:
        """404 for system callers; for users unknown and not-permitted look the same (403)."""
        system = access.is_system(self.principal, rtype, interaction)
        if stored is None and system:
            raise not_found(rtype, rid)
        allowed = stored is not None and await access.may_reach_patient(
            self.uow.session,
            self.principal,
            rtype=rtype,
            interaction=interaction,
            patient_id=patient_id or stored.patient_id,
        )
        if not allowed:
            await self._audit_denied(name, rtype, rid, stored.patient_key if stored else None)
            raise FhirError.of(403, "forbidden", access.NOT_PERMITTED)

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
        rid = rid or str(uuid.uuid4())
        at = self.clock.now()
        content = with_meta(body, rid=rid, version=1, at=at)
        validate_resource(content)
        index = index_resource(content)
        patient_key = await self._check_references(content, index.patient_id)
        if not await access.may_reach_patient(
            self.uow.session,
            self.principal,
            rtype=rtype,
            interaction=Interaction.CREATE,
            patient_id=index.patient_id if rtype != "Patient" else None,
        ):
            await self._audit_denied("create", rtype, None, patient_key)
            raise FhirError.of(403, "forbidden", access.NOT_PERMITTED)
        await self.store.insert(content, index, patient_key=patient_key, at=at)
        await access.audit(
            self.uow.session,
            self.principal,
            interaction="create",
            rtype=rtype,
            rid=rid,
            patient_key=patient_key,
        )
        for payload in careplan_events(None, content, patient_key=patient_key, at=at):
            self.uow.publish(
                payload, key=patient_key or rid, aggregate_type="careplan", aggregate_id=rid
            )
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
        access.require_scope(self.principal, rtype, Interaction.UPDATE)
        if body.get("id") != rid and interaction != "delete":
            raise FhirError.of(
                400,
                "invalid",
                f"the body's id {body.get('id')!r} must equal the URL's {rid!r}",
                "id",
            )
        stored = await self.store.get(rtype, rid, for_update=True)
        await self._guard(rtype, rid, stored, Interaction.UPDATE, interaction)
        assert stored is not None
        if if_match is not None and if_match != stored.version:
            raise version_conflict(rtype, rid, stored.version, if_match)
        at = self.clock.now()
        version = stored.version + 1
        content = with_meta(body, rid=rid, version=version, at=at)
        validate_resource(content)
        index = index_resource(content)
        if index.patient_id != stored.patient_id and rtype != "Patient":
            raise FhirError.of(
                422, "business-rule", "a resource cannot be moved to another patient", "subject"
            )
        patient_key = await self._check_references(content, index.patient_id)
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
        for payload in careplan_events(stored.content, content, patient_key=patient_key, at=at):
            self.uow.publish(
                payload, key=patient_key or rid, aggregate_type="careplan", aggregate_id=rid
            )
        return Written(content, version, at, created=False)

    async def patch(
        self, rtype: str, rid: str, operations: Any, *, if_match: int | None
    ) -> Written:
        access.require_scope(self.principal, rtype, Interaction.UPDATE)
        stored = await self.store.get(rtype, rid)
        await self._guard(rtype, rid, stored, Interaction.UPDATE, "patch")
        assert stored is not None
        if stored.deleted:
            raise gone(rtype, rid)
        try:
            patched = apply_patch(stored.content, operations)
        except InvalidPatch as exc:
            raise FhirError.of(422, "processing", exc.message) from exc
        return await self.update(
            rtype, rid, patched, if_match=if_match or stored.version, interaction="patch"
        )

    async def delete(self, rtype: str, rid: str) -> Written | None:
        """DELETE retires the resource by its status; it stays readable (see RETIRED_STATUS)."""
        access.require_scope(self.principal, rtype, Interaction.DELETE)
        stored = await self.store.get(rtype, rid)
        await self._guard(rtype, rid, stored, Interaction.DELETE, "delete")
        assert stored is not None
        field_name, value = RETIRED_STATUS[rtype]
        body = dict(stored.content)
        body[field_name] = False if value == "false" else value
        if stored.content.get(field_name) == body[field_name]:
            return None
        return await self.update(
            rtype, rid, body, if_match=None, interaction="delete", method="PUT"
        )

    async def _check_references(
        self, content: dict[str, Any], patient_id: str | None
    ) -> str | None:
        """422 when a local reference names nothing here or another patient's record."""
        rtype = content["resourceType"]
        if rtype == "Patient":
            return patient_key_of(content)
        patient = await self.store.get("Patient", patient_id or "")
        if patient is None:
            raise FhirError.of(
                422,
                "not-found",
                f"subject Patient/{patient_id} is not known here",
                f"{rtype}.subject",
            )
        issues: list[Issue] = []
        for field_name, target in REFERENCE_FIELDS.items():
            if rtype != "CarePlan":
                break
            for ref in content.get(field_name, []) or []:
                if "reference" not in ref or str(ref["reference"]).startswith("#"):
                    continue  # display-only or contained: nothing here to check
                tid = reference_id(ref, target)
                found = await self.store.get(target, tid) if tid else None
                if found is None or found.patient_id != patient_id:
                    issues.append(
                        Issue(
                            "invalid",
                            f"{field_name} {ref.get('reference')!r} is not a {target} "
                            "of this patient",
                            expression=f"CarePlan.{field_name}",
                        )
                    )
        if issues:
            raise FhirError(422, issues)
        return patient.patient_key
