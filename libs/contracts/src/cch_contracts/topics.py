"""Topic names: one per producing service and aggregate, keyed by patient."""

from enum import StrEnum


class Topic(StrEnum):
    STRATIFICATION = "cch.stratification.v1"
    REFERRALS = "cch.referrals.v1"
    CASELOAD = "cch.caseload.v1"
    CAREPLANS = "cch.careplans.v1"
    DISPATCH = "cch.dispatch.v1"
    PLATFORM = "cch.platform.v1"


DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    """Dead letters of a topic live beside it so an operator finds them by name."""
    return f"{topic}{DLQ_SUFFIX}"


def all_topics() -> list[str]:
    """Every topic and its dead-letter twin, for brokers that need them created up front."""
    names = [t.value for t in Topic]
    return names + [dlq_topic(n) for n in names]
