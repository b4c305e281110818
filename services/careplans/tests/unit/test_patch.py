"""JSON Patch changes one element; server-owned elements stay put and the result revalidates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("jsonpatch", reason="jsonpatch>=1.33 not yet in the workspace lock")

from careplans.fhir.patch import (
    MalformedPatch,
    PatchNotApplicable,
    ProtectedElement,
    apply_patch,
)

Fixture = Callable[[str], dict[str, Any]]


def test_replacing_status_gives_a_valid_new_resource(fixture: Fixture) -> None:
    flag = fixture("flag-dnar.json")
    outcome = apply_patch(flag, [{"op": "replace", "path": "/status", "value": "inactive"}])
    assert outcome.resource["status"] == "inactive" and outcome.validation.ok
    assert flag["status"] == "active"  # the stored version is untouched


def test_adding_a_note_to_a_plan(fixture: Fixture) -> None:
    plan = fixture("careplan-uk-emergency.json")
    patch = [{"op": "add", "path": "/note/-", "value": {"text": "Daughter holds keys"}}]
    outcome = apply_patch(plan, patch)
    assert outcome.resource["note"][-1]["text"] == "Daughter holds keys"
    assert outcome.validation.ok


@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "remove", "path": "/id"}],
        [{"op": "replace", "path": "/id", "value": "other"}],
        [{"op": "replace", "path": "/resourceType", "value": "Goal"}],
        [{"op": "replace", "path": "/meta/versionId", "value": "9"}],
        [{"op": "remove", "path": "/meta"}],
        [{"op": "move", "from": "/id", "path": "/language"}],
    ],
)
def test_server_owned_elements_cannot_be_patched(fixture: Fixture, patch: list[Any]) -> None:
    with pytest.raises(ProtectedElement) as caught:
        apply_patch(fixture("careplan-uk-emergency.json"), patch)
    assert caught.value.http_status == 422


def test_testing_a_protected_element_is_allowed(fixture: Fixture) -> None:
    patch = [
        {"op": "test", "path": "/meta/versionId", "value": "3"},
        {"op": "replace", "path": "/title", "value": "ECP"},
    ]
    assert apply_patch(fixture("careplan-uk-emergency.json"), patch).resource["title"] == "ECP"


def test_failed_test_operation_is_not_applicable(fixture: Fixture) -> None:
    patch = [{"op": "test", "path": "/status", "value": "draft"}]
    with pytest.raises(PatchNotApplicable) as caught:
        apply_patch(fixture("careplan-uk-emergency.json"), patch)
    assert caught.value.http_status == 422


def test_missing_path_is_not_applicable(fixture: Fixture) -> None:
    with pytest.raises(PatchNotApplicable):
        apply_patch(fixture("flag-dnar.json"), [{"op": "remove", "path": "/note"}])


@pytest.mark.parametrize(
    "patch",
    [{}, [], "x", [{"op": "jump", "path": "/status"}], [{"op": "replace"}], [7]],
)
def test_malformed_patch_documents_are_bad_requests(fixture: Fixture, patch: object) -> None:
    with pytest.raises(MalformedPatch) as caught:
        apply_patch(fixture("flag-dnar.json"), patch)
    assert caught.value.http_status == 400


def test_patch_that_breaks_a_rule_is_reported_by_revalidation(fixture: Fixture) -> None:
    outcome = apply_patch(
        fixture("careplan-uk-emergency.json"),
        [{"op": "replace", "path": "/status", "value": "finished"}],
    )
    assert outcome.validation.http_status == 422


def test_patch_that_breaks_structure_is_a_bad_request(fixture: Fixture) -> None:
    outcome = apply_patch(
        fixture("flag-dnar.json"), [{"op": "add", "path": "/colour", "value": "red"}]
    )
    assert outcome.validation.http_status == 400
