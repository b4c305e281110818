"""Platform events used to prove the pipeline end to end."""

from datetime import datetime

from pydantic import Field

from cch_contracts.envelope import EventPayload
from cch_contracts.registry import event
from cch_contracts.topics import Topic


@event("cch.platform.probe.v1", topic=Topic.PLATFORM, producer="any")
class ProbeSent(EventPayload):
    """A synthetic event an operator or a test sends to check the pipeline end to end."""

    probe_id: str = Field(min_length=1, max_length=64)
    sequence: int = Field(ge=0)
    sent_at: datetime
