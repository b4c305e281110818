"""Events the dispatch service applies (each once, through the inbox)."""

import logging
from typing import Any

from cch_contracts.events.referrals import ReferralUrgent
from cch_contracts.events.stratification import PatientTierChanged
from cch_messaging import HandlerRegistry
from dispatch.adapters import repository as repo
from dispatch.adapters import risk
from dispatch.domain.clock import Clock, SystemClock
from dispatch.domain.vocabulary import KNOWN_SKILLS
from dispatch.service_layer.auto_assign import AutoAssignPolicy, after
from dispatch.service_layer.intake import NewRequest, open_request

log = logging.getLogger("dispatch.consumer")


def build_handlers(
    auto_assign: AutoAssignPolicy | None = None, clock: Clock | None = None
) -> HandlerRegistry:
    """Handlers bound to the auto-assign setting and the service's clock."""
    policy = auto_assign or AutoAssignPolicy()
    time = clock or SystemClock()
    handlers = HandlerRegistry()

    @handlers.on(ReferralUrgent)
    async def on_urgent_referral(uow: Any, event: Any, payload: ReferralUrgent) -> None:
        """A crisis referral becomes a timed request; the clock starts at the referral's receipt.

        Idempotent by referral id; a patient who already has an open request gets no second
        one. A postcode that cannot be resolved (and no easting/northing) raises, so the event
        dead-letters.
        """
        if await repo.by_referral(uow.session, payload.referral_id) is not None:
            return
        held = await repo.open_for_patient(uow.session, payload.patient_key)
        if held is not None:
            log.info(
                "urgent referral %s: patient already has open request %s",
                payload.referral_id,
                held.request.id,
            )
            return
        loc = payload.location
        # A crisis is never dead-lettered over a skill label we do not plan with: keep it visible.
        unknown = sorted(set(payload.skills_needed) - KNOWN_SKILLS)
        reason = (
            payload.reason if not unknown else f"{payload.reason} [skills: {', '.join(unknown)}]"
        )
        await open_request(
            uow,
            NewRequest(
                patient_key=payload.patient_key,
                nhs_number=payload.nhs_number,
                referral_id=payload.referral_id,
                received_at=payload.received_at,
                postcode=loc.postcode,
                easting=loc.easting,
                northing=loc.northing,
                reason=reason[:1000],
                skills_needed=frozenset(payload.skills_needed) & KNOWN_SKILLS,
                locality=payload.locality.value if payload.locality else None,
            ),
            now=payload.received_at,
            actor="referral",
        )
        # A decision cannot precede the referral it is about.
        now = max(time.now(), payload.received_at)
        await after(uow, policy, now=now, trigger="new request")

    @handlers.on_batch(PatientTierChanged)
    async def on_tiers_changed(uow: Any, events: list[tuple[Any, PatientTierChanged]]) -> None:
        """Remember each patient's tier: high risk decides referral on after a crisis."""
        await risk.record_tiers(
            uow.session,
            (
                risk.TierNotice(p.patient_key, p.tier.value, p.effective_at, p.run_id)
                for _, p in events
            ),
        )

    return handlers


handlers = build_handlers()
