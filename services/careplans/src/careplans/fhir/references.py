"""Reference syntax and target types, so a plan never points at the wrong kind of thing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_TYPE = r"[A-Z][A-Za-z]+"
_ID = r"[A-Za-z0-9\-.]{1,64}"
_RELATIVE = re.compile(rf"^(?P<type>{_TYPE})/(?P<id>{_ID})(?:/_history/(?P<version>{_ID}))?$")
_ABSOLUTE = re.compile(
    rf"^https?://[^\s/]+(?:/[^\s]*)?/(?P<type>{_TYPE})/(?P<id>{_ID})"
    rf"(?:/_history/(?P<version>{_ID}))?$"
)
_CONTAINED = re.compile(rf"^#(?P<id>{_ID})$")
_URN = re.compile(
    r"^urn:(?:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|oid:[0-2](?:\.(?:0|[1-9][0-9]*))+)$"
)


@dataclass(frozen=True, slots=True)
class ParsedReference:
    """A literal reference taken apart; type is None for contained and urn references."""

    resource_type: str | None
    id: str | None
    version: str | None = None
    contained: bool = False
    absolute: bool = False

    @property
    def relative(self) -> str | None:
        """`Type/id`, the form this server stores and searches on."""
        if self.resource_type is None or self.id is None:
            return None
        return f"{self.resource_type}/{self.id}"


def parse_reference(text: str) -> ParsedReference | None:
    """None when the string is not a valid R4 literal reference."""
    if match := _RELATIVE.match(text):
        return ParsedReference(match["type"], match["id"], match["version"])
    if match := _ABSOLUTE.match(text):
        return ParsedReference(match["type"], match["id"], match["version"], absolute=True)
    if match := _CONTAINED.match(text):
        return ParsedReference(None, match["id"], contained=True)
    if _URN.match(text):
        return ParsedReference(None, None)
    return None


# Allowed targets of each reference element (R4 types narrowed where this server is stricter).
_PERFORMERS = frozenset(
    {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "RelatedPerson",
        "Patient",
        "CareTeam",
        "HealthcareService",
        "Device",
    }
)
_AUTHORS = frozenset(
    {"Patient", "Practitioner", "PractitionerRole", "Device", "RelatedPerson", "Organization"}
)
REFERENCE_TARGETS: dict[str, dict[str, frozenset[str]]] = {
    "CarePlan": {
        "subject": frozenset({"Patient"}),
        "careTeam": frozenset({"CareTeam"}),
        "goal": frozenset({"Goal"}),
        "partOf": frozenset({"CarePlan"}),
        "replaces": frozenset({"CarePlan"}),
        "basedOn": frozenset({"CarePlan"}),
        "author": _AUTHORS | {"CareTeam"},
        "contributor": _AUTHORS | {"CareTeam"},
        "encounter": frozenset({"Encounter"}),
        "addresses": frozenset({"Condition"}),
        "activity.reference": frozenset(
            {
                "Appointment",
                "CommunicationRequest",
                "DeviceRequest",
                "MedicationRequest",
                "NutritionOrder",
                "Task",
                "ServiceRequest",
                "VisionPrescription",
                "RequestGroup",
            }
        ),
        "activity.detail.goal": frozenset({"Goal"}),
        "activity.detail.performer": _PERFORMERS,
        "activity.detail.location": frozenset({"Location"}),
    },
    "CareTeam": {
        "subject": frozenset({"Patient"}),
        "participant.member": frozenset(
            {
                "Practitioner",
                "PractitionerRole",
                "RelatedPerson",
                "Patient",
                "Organization",
                "CareTeam",
            }
        ),
        "participant.onBehalfOf": frozenset({"Organization"}),
        "managingOrganization": frozenset({"Organization"}),
        "encounter": frozenset({"Encounter"}),
    },
    "Goal": {
        "subject": frozenset({"Patient"}),
        "expressedBy": frozenset({"Patient", "Practitioner", "PractitionerRole", "RelatedPerson"}),
        "addresses": frozenset(
            {
                "Condition",
                "Observation",
                "MedicationStatement",
                "NutritionOrder",
                "ServiceRequest",
                "RiskAssessment",
            }
        ),
    },
    "Flag": {
        "subject": frozenset({"Patient"}),
        "author": frozenset(
            {"Device", "Organization", "Patient", "Practitioner", "PractitionerRole"}
        ),
        "encounter": frozenset({"Encounter"}),
    },
    "Patient": {
        "generalPractitioner": frozenset({"Organization", "Practitioner", "PractitionerRole"}),
        "managingOrganization": frozenset({"Organization"}),
        "link.other": frozenset({"Patient", "RelatedPerson"}),
    },
}


def references_at(resource: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each Reference object found along a dotted path, with its FHIRPath-like expression."""
    nodes: list[tuple[str, Any]] = [(str(resource.get("resourceType", "Resource")), resource)]
    for step in path.split("."):
        next_nodes: list[tuple[str, Any]] = []
        for expr, node in nodes:
            if not isinstance(node, dict) or step not in node:
                continue
            value = node[step]
            if isinstance(value, list):
                next_nodes.extend((f"{expr}.{step}[{i}]", v) for i, v in enumerate(value))
            else:
                next_nodes.append((f"{expr}.{step}", value))
        nodes = next_nodes
    for expr, node in nodes:
        if isinstance(node, dict):
            yield expr, node


def all_reference_strings(node: Any, expr: str) -> Iterator[tuple[str, str]]:
    """Every Reference.reference string anywhere in a resource, for the syntax check."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{expr}.{key}"
            if key == "reference" and isinstance(value, str):
                yield child, value
            elif key != "contained":
                yield from all_reference_strings(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from all_reference_strings(value, f"{expr}[{index}]")
