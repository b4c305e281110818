"""Crisis details an urgent referral must carry so dispatch can send a clinician."""

from __future__ import annotations

from dataclasses import dataclass

from referrals.domain.errors import InvalidReferral
from referrals.domain.postcodes import normalise_postcode

# Same bound as the referral.urgent event, so nothing accepted here is refused downstream.
CRISIS_REASON_MAX_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class CrisisDetails:
    """Where the patient is and what is happening, for the 2-hour rapid response."""

    postcode: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "postcode", normalise_postcode(self.postcode))
        reason = " ".join(self.reason.split())
        if not reason:
            raise InvalidReferral("an urgent referral must say what the crisis is")
        if len(reason) > CRISIS_REASON_MAX_LENGTH:
            raise InvalidReferral(
                f"the crisis reason is {len(reason)} characters; "
                f"at most {CRISIS_REASON_MAX_LENGTH} are kept"
            )
        object.__setattr__(self, "reason", reason)
