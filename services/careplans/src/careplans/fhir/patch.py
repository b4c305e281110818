"""JSON Patch (RFC 6902) so an EHR changes one element without resending the plan.

Statuses: a patch document that is not a list of RFC 6902 operations → 400; a patch that cannot
be applied (missing path, failed `test`) or touches id, resourceType or meta.versionId → 422;
a result that no longer validates → the validation status (400 or 422, see issues.py).
The caller still checks If-Match against the stored version before saving.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import jsonpatch
import jsonpointer

from careplans.fhir.issues import ValidationResult
from careplans.fhir.validation import validate_resource

PROTECTED_PATHS = ("/id", "/resourceType", "/meta/versionId")


class PatchError(Exception):
    """A patch refused before its result could be validated."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str, *, expression: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression


class MalformedPatch(PatchError):
    """Not a JSON Patch document (→ 400)."""

    code = "invalid"
    http_status = 400


class PatchNotApplicable(PatchError):
    """Valid operations that cannot apply to this version (→ 422)."""

    code = "processing"
    http_status = 422


class ProtectedElement(PatchError):
    """id, resourceType and meta.versionId belong to the server (→ 422)."""

    code = "business-rule"
    http_status = 422


@dataclass(frozen=True, slots=True)
class PatchOutcome:
    """The patched resource and the validation of it; save only when `validation.ok`."""

    resource: dict[str, Any]
    validation: ValidationResult


def _protected_values(resource: dict[str, Any]) -> dict[str, object]:
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, dict) else None
    return {
        "/id": resource.get("id"),
        "/resourceType": resource.get("resourceType"),
        "/meta/versionId": version,
    }


def _check_operations(patch: object) -> jsonpatch.JsonPatch:
    if not isinstance(patch, list) or not patch:
        raise MalformedPatch("A JSON Patch body is a non-empty array of operations")
    for index, operation in enumerate(patch):
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise MalformedPatch(f"Operation {index} needs an op and a string path")
        path = operation["path"]
        protected = any(path == p or path.startswith(p + "/") for p in PROTECTED_PATHS)
        if protected and operation.get("op") != "test":
            raise ProtectedElement(f"{path} cannot be changed by a patch", expression=path)
    try:
        return jsonpatch.JsonPatch(patch)
    except (jsonpatch.InvalidJsonPatch, jsonpointer.JsonPointerException) as error:
        raise MalformedPatch(f"Invalid JSON Patch: {error}") from error


def apply_patch(resource: dict[str, Any], patch: object) -> PatchOutcome:
    """Apply to a copy of the stored resource; raise PatchError, else return it revalidated."""
    operations = _check_operations(patch)
    try:
        patched = operations.apply(copy.deepcopy(resource), in_place=False)
    except jsonpatch.JsonPatchTestFailed as error:
        raise PatchNotApplicable(f"Patch test failed: {error}") from error
    except (jsonpatch.JsonPatchConflict, jsonpointer.JsonPointerException) as error:
        raise PatchNotApplicable(f"Patch cannot be applied: {error}") from error
    except (jsonpatch.InvalidJsonPatch, TypeError, KeyError) as error:
        raise MalformedPatch(f"Invalid JSON Patch: {error}") from error
    if not isinstance(patched, dict):
        raise ProtectedElement("A patch cannot replace the whole resource", expression="/")
    before, after = _protected_values(resource), _protected_values(patched)
    for path, value in before.items():
        if after[path] != value:
            raise ProtectedElement(f"{path} cannot be changed by a patch", expression=path)
    validation = validate_resource(
        patched, endpoint_type=str(resource["resourceType"]), url_id=resource.get("id")
    )
    return PatchOutcome(patched, validation)
