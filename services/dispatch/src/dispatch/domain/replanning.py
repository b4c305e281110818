"""Auto-assign: turn the engine's plan into the few changes a coordinator would make now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.proposals import AssignmentPlan


@dataclass(frozen=True, slots=True)
class Move:
    """Give a request to a clinician now (from nobody, or from the clinician who held it)."""

    request_id: str
    clinician_id: str
    previous_clinician_id: str | None
    projected_arrival: datetime
    why: str


@dataclass(frozen=True, slots=True)
class Release:
    """Take a not-yet-accepted request back from a clinician the plan needs elsewhere."""

    request_id: str
    clinician_id: str
    why: str


@dataclass(frozen=True, slots=True)
class Replan:
    """What changes; requests the plan leaves where they are are not touched."""

    moves: tuple[Move, ...]
    releases: tuple[Release, ...]

    @property
    def empty(self) -> bool:
        """Nothing to do."""
        return not self.moves and not self.releases


def replan(
    plan: AssignmentPlan,
    *,
    held: Mapping[str, str],
    takeable: frozenset[str],
) -> Replan:
    """Act only on proposals a clinician can start now; never move an accepted job.

    `held` maps each assigned-but-not-accepted request to its clinician; `takeable` are the
    clinicians free to take a job now (available, or holding only an unaccepted one).
    """
    moves: list[Move] = []
    for p in plan.proposals:
        if not p.dispatch_now or p.clinician_id not in takeable:
            continue
        if held.get(p.request_id) == p.clinician_id:
            continue
        moves.append(
            Move(
                request_id=p.request_id,
                clinician_id=p.clinician_id,
                previous_clinician_id=held.get(p.request_id),
                projected_arrival=p.projected_arrival,
                why=p.why,
            )
        )
    moved = {m.request_id for m in moves}
    taking = {m.clinician_id: m.request_id for m in moves}
    releases = tuple(
        Release(
            request_id=request_id,
            clinician_id=clinician_id,
            why=(
                f"re-planned: {clinician_id} is needed for request {taking[clinician_id]}; "
                "back in the queue for the next free clinician"
            ),
        )
        for request_id, clinician_id in sorted(held.items())
        if clinician_id in taking and request_id not in moved
    )
    return Replan(moves=tuple(moves), releases=releases)
