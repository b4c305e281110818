"""Care-pathway words of the dispatch service; values match the shared event vocabulary."""

from __future__ import annotations

from enum import StrEnum


class DispatchOutcome(StrEnum):
    """Where the patient ended up after the rapid response."""

    STAYED_HOME = "stayed-home"
    HOSPITAL_AT_HOME = "hospital-at-home"
    STEP_UP_BED = "step-up-bed"
    ADMITTED = "admitted"
    CONVEYED = "conveyed"


class Locality(StrEnum):
    """Shropshire programme localities."""

    NORTH = "north"
    CENTRAL = "central"
    SOUTH = "south"


class RequestStatus(StrEnum):
    """Where a rapid-response request is in its lifecycle."""

    REQUESTED = "requested"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    EN_ROUTE = "en-route"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ClinicianStatus(StrEnum):
    """What a rapid-response clinician is doing now."""

    AVAILABLE = "available"
    ASSIGNED = "assigned"
    TRAVELLING = "travelling"
    ON_SCENE = "on-scene"
    OFF_SHIFT = "off-shift"


class Skill(StrEnum):
    """Skills a crisis visit may need; ANPs in most cases prescribe (seed, phase 3)."""

    PRESCRIBING = "prescribing"
    CATHETER = "catheter"
    IV = "iv"
    WOUND_CARE = "wound-care"
    PALLIATIVE = "palliative"
    FALLS = "falls"


KNOWN_SKILLS: frozenset[str] = frozenset(s.value for s in Skill)
