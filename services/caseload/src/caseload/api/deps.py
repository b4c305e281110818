"""API dependencies: the injected clock and who may do what."""

from typing import Annotated

from fastapi import Depends, Request

from cch_auth import Principal
from cch_contracts.clock import Clock
from cch_servicekit import require_roles

TEAM_LEAD = "team-lead"
CASE_MANAGER = "case-manager"
COMMISSIONER = "commissioner"


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.runtime.extras["clock"]
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]
# Case managers and team leads work caseloads; team leads (or admin) change the workforce.
CaseWorker = Annotated[Principal, Depends(require_roles(CASE_MANAGER, TEAM_LEAD))]
TeamLead = Annotated[Principal, Depends(require_roles(TEAM_LEAD))]
WorkforceReader = Annotated[
    Principal, Depends(require_roles(CASE_MANAGER, TEAM_LEAD, COMMISSIONER))
]
ReportReader = Annotated[Principal, Depends(require_roles(COMMISSIONER, TEAM_LEAD))]
