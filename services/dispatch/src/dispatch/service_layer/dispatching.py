"""The dispatch use cases in one namespace (`uc.assign`, `uc.plan_now`, ...), split by concept.

intake (new requests), lifecycle (assign to complete), planning (the engine's plan), auto_assign
(re-optimisation), shifts (roster and handover), sla_warnings (at-risk and breach).
"""

from dispatch.service_layer.auto_assign import AutoAssignPolicy, after, reoptimise
from dispatch.service_layer.intake import NewRequest, open_request
from dispatch.service_layer.lifecycle import (
    accept,
    arrive,
    assign,
    cancel,
    complete,
    decline,
    en_route,
    reassign,
)
from dispatch.service_layer.planning import ENGINE, ON_BOARD, PLANNABLE, TRAVEL, plan_now
from dispatch.service_layer.records import AGGREGATE, Actor
from dispatch.service_layer.shifts import end_shift, move_clinician, set_shift, start_shift
from dispatch.service_layer.sla_warnings import TickResult, tick

__all__ = [
    "AGGREGATE",
    "ENGINE",
    "ON_BOARD",
    "PLANNABLE",
    "TRAVEL",
    "Actor",
    "AutoAssignPolicy",
    "NewRequest",
    "TickResult",
    "accept",
    "after",
    "arrive",
    "assign",
    "cancel",
    "complete",
    "decline",
    "en_route",
    "end_shift",
    "move_clinician",
    "open_request",
    "plan_now",
    "reassign",
    "reoptimise",
    "set_shift",
    "start_shift",
    "tick",
]
