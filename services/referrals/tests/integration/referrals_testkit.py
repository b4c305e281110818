"""Helpers for the referrals integration tests: build referrals, look at outbox and audit."""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from cch_contracts import EventPayload

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ROUTE = "https://cch.example.nhs.uk/CodeSystem/referral-route"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
EXT = "https://cch.example.nhs.uk/StructureDefinition"
REFERRER = "https://gp.example.nhs.uk/Id/referral"


def nhs_number() -> str:
    """A random valid (Modulus 11) NHS number in the 999 test range."""
    while True:
        digits = [9, 9, 9, *(random.randint(0, 9) for _ in range(6))]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(0 if check == 11 else check)


def practice_code() -> str:
    return f"M{random.randint(10000, 99999)}"


def service_request(
    nhs: str,
    *,
    route: str = "gp",
    priority: str = "routine",
    identifier: str | None = None,
    practice: str | None = None,
    locality: str | None = "north",
    requester: str = "Practitioner/gp-1",
    authored: datetime | None = None,
    reasons: list[tuple[str, str]] | None = None,
    crisis: tuple[str, str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": REFERRER, "value": identifier or uuid.uuid4().hex}],
        "status": "active",
        "intent": "order",
        "category": [{"coding": [{"system": ROUTE, "code": route}]}],
        "priority": priority,
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "authoredOn": (authored or datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "requester": {"reference": requester},
        "reasonCode": [
            {"coding": [{"system": s, "code": c}]}
            for s, c in (reasons if reasons is not None else [(SNOMED, "44054006")])
        ],
    }
    extensions = []
    if practice:
        extensions.append(
            {
                "url": f"{EXT}/gp-practice",
                "valueIdentifier": {
                    "system": "https://fhir.nhs.uk/Id/ods-organization-code",
                    "value": practice,
                },
            }
        )
    if locality:
        extensions.append({"url": f"{EXT}/locality", "valueCode": locality})
    if crisis:
        extensions.append(
            {
                "url": f"{EXT}/crisis",
                "extension": [
                    {"url": "postcode", "valueString": crisis[0]},
                    {"url": "reason", "valueString": crisis[1]},
                ],
            }
        )
    if extensions:
        body["extension"] = extensions
    return body


async def outbox_events(infra, referral_id: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(infra.service_url("referrals"))
    try:
        rows = await conn.fetch(
            "SELECT type, key, payload FROM outbox WHERE aggregate_id = $1 ORDER BY seq",
            referral_id,
        )
    finally:
        await conn.close()
    return [{"type": r["type"], "key": r["key"], "payload": json.loads(r["payload"])} for r in rows]


async def audit_rows(infra, resource_id: str) -> list[str]:
    conn = await asyncpg.connect(infra.service_url("referrals"))
    try:
        rows = await conn.fetch(
            "SELECT interaction FROM access_audit WHERE resource_id = $1", resource_id
        )
    finally:
        await conn.close()
    return [r["interaction"] for r in rows]


def envelope(payload: EventPayload, event_id: str) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "/cch/tests",
            "type": payload.event_type,
            "time": datetime.now(UTC).isoformat(),
            "datacontenttype": "application/json",
            "data": payload.model_dump(mode="json"),
        }
    ).encode()


async def produce(infra, payload: EventPayload, *, key: str) -> str:
    """Publish one CloudEvent straight to the payload's topic; returns the event id."""
    event_id = str(uuid.uuid4())
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(payload.topic, envelope(payload, event_id), key=key.encode())
    finally:
        await producer.stop()
    return event_id


async def applied(infra, event_id: str) -> bool:
    """Whether the referrals consumer has applied the event (its inbox row)."""
    conn = await asyncpg.connect(infra.service_url("referrals"))
    try:
        row = await conn.fetchval(
            "SELECT outcome FROM inbox WHERE event_id = $1 AND consumer_group = 'referrals'",
            event_id,
        )
    finally:
        await conn.close()
    return row == "applied"
