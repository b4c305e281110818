"""Merging duplicate Patients (one NHS number held twice): which record survives, how each
record says what happened (FHIR Patient.link), and the references that move to the survivor.

The oldest record survives, as a master patient index keeps the first registration; a merged
record is kept, inactive and `replaced-by` the survivor, so a client holding its id can follow
the link, and the survivor `replaces` it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

REPLACED_BY = "replaced-by"
REPLACES = "replaces"
_PATIENT_REFERENCE = re.compile(
    r"^(?P<base>(?:https?://\S+/)?)Patient/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$"
)


@dataclass(frozen=True)
class HeldPatient:
    """A current Patient record and when it was first stored."""

    id: str
    created: datetime
    content: dict[str, Any]


@dataclass(frozen=True)
class PatientMerge:
    """The survivor of one NHS number's records and the records merged into it."""

    survivor: HeldPatient
    merged: tuple[HeldPatient, ...]

    @property
    def merged_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.merged)


def merge_of(duplicates: Sequence[HeldPatient]) -> PatientMerge:
    """The oldest record survives (ties broken by id, so the choice never depends on order)."""
    if len(duplicates) < 2:
        raise ValueError("a merge needs at least two records of one patient")
    ordered = sorted(duplicates, key=lambda p: (p.created, p.id))
    return PatientMerge(survivor=ordered[0], merged=tuple(ordered[1:]))


def replaced_by(patient: dict[str, Any]) -> str | None:
    """The id of the Patient this record was merged into, if it was."""
    for link in patient.get("link", []) or []:
        if link.get("type") == REPLACED_BY:
            found = _PATIENT_REFERENCE.match(str((link.get("other") or {}).get("reference", "")))
            if found:
                return found["id"]
    return None


def retired(merged: dict[str, Any], *, survivor_id: str) -> dict[str, Any]:
    """The merged record, inactive and pointing at the survivor; its content otherwise kept."""
    links = [link for link in merged.get("link", []) or [] if link.get("type") != REPLACED_BY]
    links.append({"other": {"reference": f"Patient/{survivor_id}"}, "type": REPLACED_BY})
    return {**merged, "active": False, "link": links}


def absorbing(survivor: dict[str, Any], merged: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The survivor with a `replaces` link to each merged record, and any identifier only a
    merged record held (marked `old`, so a search on it still finds the patient)."""
    body = dict(survivor)
    links = list(body.get("link", []) or [])
    identifiers = list(body.get("identifier", []) or [])
    held = {(i.get("system"), i.get("value")) for i in identifiers}
    for record in merged:
        links.append({"other": {"reference": f"Patient/{record['id']}"}, "type": REPLACES})
        for ident in record.get("identifier", []) or []:
            if (ident.get("system"), ident.get("value")) not in held and ident.get("value"):
                identifiers.append({**ident, "use": "old"})
                held.add((ident.get("system"), ident.get("value")))
    body["link"] = links
    if identifiers:
        body["identifier"] = identifiers
    return body


def repointed(record: Any, *, merged_ids: frozenset[str], survivor_id: str) -> Any:
    """A copy of a record (or part of one) whose references to a merged Patient name the
    survivor instead; a version-specific reference becomes a plain one, as the survivor's
    versions are not the merged record's."""
    if isinstance(record, list):
        return [repointed(r, merged_ids=merged_ids, survivor_id=survivor_id) for r in record]
    if not isinstance(record, dict):
        return record
    out = {
        k: repointed(v, merged_ids=merged_ids, survivor_id=survivor_id) for k, v in record.items()
    }
    reference = record.get("reference")
    if isinstance(reference, str):
        found = _PATIENT_REFERENCE.match(reference)
        if found and found["id"] in merged_ids:
            out["reference"] = f"{found['base']}Patient/{survivor_id}"
    return out
