"""Logs never carry patient identifiers; trace context is continued or started."""

from cch_observability.logging import redact
from cch_observability.tracing import child_traceparent, trace_id


def test_pii_fields_and_nhs_numbers_in_messages_are_redacted():
    event = redact(
        None,
        "info",
        {
            "event": "looked up 943 476 5919 and 9434765919",
            "nhs_number": "9434765919",
            "postcode": "SY1 1AA",
            "referral_id": "r-1",
        },
    )
    assert "9434765919" not in str(event) and "943 476 5919" not in str(event)
    assert event["postcode"] == "[redacted]" and event["referral_id"] == "r-1"


def test_traceparent_keeps_the_trace_and_starts_one_when_missing():
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    child = child_traceparent(parent)
    assert trace_id(child) == "0af7651916cd43dd8448eb211c80319c" and child != parent
    assert trace_id(child_traceparent("garbage")) is not None
