"""Event contracts: versioned types, frozen payloads, opaque keys, a complete AsyncAPI document."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cch_contracts import REGISTRY, CloudEvent, patient_key
from cch_contracts.asyncapi import build_document
from cch_contracts.events.referrals import ReferralAccepted
from cch_contracts.registry import _load_all
from cch_contracts.topics import Topic, all_topics, dlq_topic

_load_all()


def test_every_event_type_names_its_version_and_lives_on_a_known_topic():
    topics = {t.value for t in Topic}
    for spec in REGISTRY.values():
        assert spec.type.startswith("cch.") and spec.type.rsplit(".", 1)[1].startswith("v")
        assert spec.topic in topics
        assert spec.description, f"{spec.type} needs a docstring"


def test_payloads_are_frozen_and_reject_unknown_fields():
    payload = ReferralAccepted(
        referral_id="r1",
        patient_key="pk-1",
        need_level="severe",
        locality="north",
        practice_code="M82001",
        decided_by="Practitioner/1",
        decided_at=datetime.now(UTC),
    )
    with pytest.raises(ValidationError):
        payload.need_level = "mild"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        ReferralAccepted.model_validate({**payload.model_dump(), "surprise": 1})


def test_nhs_numbers_in_payloads_must_be_ten_digits():
    with pytest.raises(ValidationError):
        ReferralAccepted(
            referral_id="r1",
            patient_key="pk-1",
            nhs_number="12345",
            need_level="severe",
            locality="north",
            practice_code=None,
            decided_by="x",
            decided_at=datetime.now(UTC),
        )


def test_an_acceptance_names_its_decision_version_and_older_events_without_it_still_parse():
    sent_before = {
        "referral_id": "r1",
        "patient_key": "pk-1",
        "need_level": "severe",
        "locality": "north",
        "practice_code": None,
        "decided_by": "Practitioner/1",
        "decided_at": "2026-11-02T10:00:00Z",
    }
    assert ReferralAccepted.model_validate(sent_before).decision_version is None
    versioned = ReferralAccepted.model_validate({**sent_before, "decision_version": 3})
    assert versioned.decision_version == 3
    assert ReferralAccepted.model_validate_json(versioned.model_dump_json()) == versioned
    with pytest.raises(ValidationError):
        ReferralAccepted.model_validate({**sent_before, "decision_version": 0})


def test_patient_key_is_stable_opaque_and_not_the_nhs_number():
    key = patient_key("9434765919")
    assert key == patient_key(" 9434765919 ")
    assert "9434765919" not in key and key.startswith("pk-")
    assert key != patient_key("9434765870")


def test_cloudevent_envelope_requires_core_attributes():
    with pytest.raises(ValidationError):
        CloudEvent.model_validate({"id": "1", "type": "x", "data": {}})
    event = CloudEvent(id="1", source="/cch/x", type="cch.x.v1", time=datetime.now(UTC), data={})
    assert event.specversion == "1.0"


def test_every_topic_has_a_dead_letter_twin():
    names = all_topics()
    for topic in Topic:
        assert dlq_topic(topic.value) in names


def test_asyncapi_document_lists_every_event_with_its_schema():
    doc = build_document()
    assert doc["asyncapi"] == "3.0.0"
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert names == set(REGISTRY)
    for message in doc["components"]["messages"].values():
        ref = message["payload"]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert ref in doc["components"]["schemas"]
    assert {c["address"] for c in doc["channels"].values()} == {t.value for t in Topic}


def test_committed_asyncapi_document_is_up_to_date():
    from pathlib import Path

    import yaml

    path = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.yaml"
    assert yaml.safe_load(path.read_text()) == yaml.safe_load(
        yaml.safe_dump(build_document(), sort_keys=False)
    ), "run `make docs`"
