"""The 2-hour rapid-response clock: met when first in-person clinical contact is within 120 min."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from dispatch.domain.clock import aware
from dispatch.domain.errors import ClockAlreadyStopped, TimestampOutOfOrder

# National Urgent Community Response standard: contact within two hours of the referral.
RESPONSE_WINDOW = timedelta(minutes=120)
# Warn while a coordinator can still act: 30 min is a drive across a third of the county.
DEFAULT_AT_RISK_MARGIN = timedelta(minutes=30)
NATIONAL_TARGET = 0.70


@dataclass(frozen=True, slots=True)
class SlaClock:
    """Starts at receipt of the referral and stops once, at arrival (first clinical contact)."""

    received_at: datetime
    arrived_at: datetime | None = None
    window: timedelta = RESPONSE_WINDOW

    def __post_init__(self) -> None:
        object.__setattr__(self, "received_at", aware(self.received_at))
        if self.arrived_at is not None:
            object.__setattr__(self, "arrived_at", aware(self.arrived_at))
            if self.arrived_at < self.received_at:
                raise TimestampOutOfOrder("arrival cannot precede receipt of the referral")

    @property
    def deadline(self) -> datetime:
        """Receipt plus the 2-hour window."""
        return self.received_at + self.window

    @property
    def stopped(self) -> bool:
        """True once arrival is confirmed."""
        return self.arrived_at is not None

    def stop(self, arrived_at: datetime) -> SlaClock:
        """Stop the clock at first in-person contact; a second stop is a bug upstream."""
        if self.arrived_at is not None:
            raise ClockAlreadyStopped(f"clock already stopped at {self.arrived_at.isoformat()}")
        return replace(self, arrived_at=aware(arrived_at))

    def time_left(self, now: datetime) -> timedelta:
        """Time until the deadline (negative once passed); frozen at arrival once stopped."""
        reference = self.arrived_at if self.arrived_at is not None else aware(now)
        return self.deadline - reference

    @property
    def response_time(self) -> timedelta | None:
        """Receipt to first contact, once known."""
        return None if self.arrived_at is None else self.arrived_at - self.received_at

    @property
    def met(self) -> bool:
        """Arrived at or before the deadline (120 min exactly counts as within)."""
        return self.arrived_at is not None and self.arrived_at <= self.deadline

    def breached(self, now: datetime) -> bool:
        """Arrived late, or still not arrived once the deadline has passed."""
        if self.arrived_at is not None:
            return self.arrived_at > self.deadline
        return aware(now) > self.deadline

    def at_risk(
        self,
        now: datetime,
        projected_arrival: datetime | None = None,
        margin: timedelta = DEFAULT_AT_RISK_MARGIN,
    ) -> bool:
        """Not arrived, not yet breached, and the projection misses or time left is under margin."""
        if self.arrived_at is not None or self.breached(now):
            return False
        if projected_arrival is not None and aware(projected_arrival) > self.deadline:
            return True
        return self.time_left(now) < margin


class SlaEventKind(StrEnum):
    """The two warnings a coordinator's board and the event stream carry."""

    AT_RISK = "sla-at-risk"
    BREACHED = "sla-breached"


@dataclass(frozen=True, slots=True)
class SlaWarning:
    """One warning that must be published now."""

    kind: SlaEventKind
    deadline: datetime
    fired_at: datetime
    minutes_left: float
    projected_arrival: datetime | None
    reason: str


@dataclass(frozen=True, slots=True)
class SlaWarnings:
    """Decides which warnings fire now; the caller records them so each fires exactly once."""

    margin: timedelta = DEFAULT_AT_RISK_MARGIN

    def due(
        self,
        clock: SlaClock,
        now: datetime,
        *,
        projected_arrival: datetime | None,
        at_risk_warned_at: datetime | None,
        breached_at: datetime | None,
        breach_reason: str = "deadline passed without clinical contact",
    ) -> list[SlaWarning]:
        """At-risk only before the deadline and never after a breach; breach once when late."""
        now = aware(now)
        minutes_left = clock.time_left(now).total_seconds() / 60.0
        fired: list[SlaWarning] = []
        if breached_at is None and clock.breached(now):
            reason = breach_reason
            if clock.arrived_at is not None:
                late = (clock.arrived_at - clock.deadline).total_seconds() / 60.0
                reason = f"arrived {late:.0f} min after the deadline"
            fired.append(
                SlaWarning(
                    kind=SlaEventKind.BREACHED,
                    deadline=clock.deadline,
                    fired_at=now,
                    minutes_left=minutes_left,
                    projected_arrival=projected_arrival,
                    reason=reason,
                )
            )
            return fired
        if (
            at_risk_warned_at is None
            and breached_at is None
            and clock.at_risk(now, projected_arrival, self.margin)
        ):
            fired.append(
                SlaWarning(
                    kind=SlaEventKind.AT_RISK,
                    deadline=clock.deadline,
                    fired_at=now,
                    minutes_left=minutes_left,
                    projected_arrival=projected_arrival,
                    reason=_at_risk_reason(clock, now, projected_arrival, self.margin),
                )
            )
        return fired


def _at_risk_reason(
    clock: SlaClock, now: datetime, projected_arrival: datetime | None, margin: timedelta
) -> str:
    """Say which rule tripped, in the coordinator's words."""
    if projected_arrival is not None and projected_arrival > clock.deadline:
        late = (projected_arrival - clock.deadline).total_seconds() / 60.0
        return (
            f"projected arrival {projected_arrival:%H:%M} is {late:.0f} min after "
            f"the deadline {clock.deadline:%H:%M}"
        )
    left = clock.time_left(now).total_seconds() / 60.0
    return (
        f"{left:.0f} min left before the deadline {clock.deadline:%H:%M} "
        f"(warning margin {margin.total_seconds() / 60:.0f} min) and no clinician has arrived"
    )
