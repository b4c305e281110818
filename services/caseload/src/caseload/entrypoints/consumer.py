"""Events the caseload service applies (each once, through the inbox)."""

from caseload.domain.errors import UnknownNeed
from caseload.service_layer.assignment import assign_referral, change_tier
from caseload.service_layer.referral_changes import follow_status_change, reverse_decision
from cch_contracts import CloudEvent
from cch_contracts.clock import Clock
from cch_contracts.events.referrals import (
    ReferralAccepted,
    ReferralDecisionReversed,
    ReferralStatusChanged,
)
from cch_contracts.events.stratification import PatientTierChanged
from cch_messaging import HandlerRegistry, MessagingUnitOfWork
from cch_messaging.consumer import PoisonEvent


def build_handlers(clock: Clock) -> HandlerRegistry:
    """Handlers over an injected clock (the system clock in service, a fake one in tests)."""
    handlers = HandlerRegistry()

    @handlers.on(ReferralAccepted)
    async def on_referral_accepted(
        uow: MessagingUnitOfWork, event: CloudEvent, payload: ReferralAccepted
    ) -> None:
        try:
            await assign_referral(uow, payload, clock=clock)
        except UnknownNeed as exc:  # can never be applied: dead-letter it at once, visibly
            raise PoisonEvent(exc.message) from exc

    @handlers.on(PatientTierChanged)
    async def on_tier_changed(
        uow: MessagingUnitOfWork, event: CloudEvent, payload: PatientTierChanged
    ) -> None:
        await change_tier(uow, payload, clock=clock)

    @handlers.on(ReferralDecisionReversed)
    async def on_decision_reversed(
        uow: MessagingUnitOfWork, event: CloudEvent, payload: ReferralDecisionReversed
    ) -> None:
        await reverse_decision(uow, payload, clock=clock)

    @handlers.on(ReferralStatusChanged)
    async def on_status_changed(
        uow: MessagingUnitOfWork, event: CloudEvent, payload: ReferralStatusChanged
    ) -> None:
        await follow_status_change(uow, payload, clock=clock)

    return handlers
