"""Events from the care plans service (no clinical content: ids and status only)."""

from datetime import datetime

from cch_contracts.envelope import EventPayload
from cch_contracts.registry import event
from cch_contracts.topics import Topic

_P = "careplans"


@event("cch.careplan.created.v1", topic=Topic.CAREPLANS, producer=_P)
class CarePlanCreated(EventPayload):
    """A care plan was created (drafted from the pathway or by an EHR)."""

    careplan_id: str
    patient_key: str
    status: str
    categories: list[str]
    version: int
    created_at: datetime


@event("cch.careplan.updated.v1", topic=Topic.CAREPLANS, producer=_P)
class CarePlanUpdated(EventPayload):
    """A new version of a care plan was stored."""

    careplan_id: str
    patient_key: str
    version: int
    updated_at: datetime


@event("cch.careplan.status-changed.v1", topic=Topic.CAREPLANS, producer=_P)
class CarePlanStatusChanged(EventPayload):
    """A care plan's status moved (draft → active, active → completed ...)."""

    careplan_id: str
    patient_key: str
    from_status: str
    to_status: str
    version: int
    changed_at: datetime
