"""A year of crisis referrals: a non-homogeneous Poisson process over real Shropshire homes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dispatch.domain.vocabulary import Locality, Skill
from dispatch.simulation.gazetteer import LOCALITY_ORDER, Gazetteer

# Shropshire Community Health NHS Trust: about 2,845 urgent (2-hour) referrals a year.
ANNUAL_REFERRALS = 2_845

# Relative referral rate by hour of day (mean 1): community crisis referrals come mostly from GPs,
# NHS 111 and care homes in the working day and tail off overnight.
HOURLY_PROFILE: tuple[float, ...] = (
    0.25, 0.20, 0.18, 0.18, 0.18, 0.22, 0.40, 0.75,
    1.30, 1.75, 1.95, 1.95, 1.80, 1.70, 1.65, 1.55,
    1.45, 1.25, 1.00, 0.80, 0.65, 0.50, 0.40, 0.33,
)  # fmt: skip
# Monday first; weekends are quieter because fewer GP practices refer.
WEEKDAY_PROFILE: tuple[float, ...] = (1.12, 1.05, 1.03, 1.02, 1.05, 0.88, 0.85)

# Chance each skill is needed on a visit (independent); most crises need a prescriber.
SKILL_NEED: dict[str, float] = {
    Skill.PRESCRIBING.value: 0.65,
    Skill.CATHETER.value: 0.12,
    Skill.IV.value: 0.08,
    Skill.WOUND_CARE.value: 0.12,
}
PRIORITY_MIX = (0.25, 0.50, 0.25)  # priorities 1, 2, 3
ON_SCENE_MEAN_MIN = 75.0
ON_SCENE_SD_MIN = 30.0
# Real drives scatter around the model's estimate (weather, tractors, parking).
TRAVEL_NOISE_SIGMA = 0.15


@dataclass(frozen=True, slots=True)
class CrisisReferral:
    """One referral, with everything the year's chance decides drawn up front (same per policy)."""

    id: str
    received_min: float
    postcode: str
    easting: float
    northing: float
    locality: Locality
    priority: int
    skills_needed: frozenset[str]
    on_scene_min: float
    travel_factor: float


@dataclass(frozen=True, slots=True)
class DemandModel:
    """Rates and mixes for generating referrals."""

    annual: float = ANNUAL_REFERRALS
    scale: float = 1.0
    hourly: tuple[float, ...] = HOURLY_PROFILE
    weekday: tuple[float, ...] = WEEKDAY_PROFILE
    skill_need: dict[str, float] = field(default_factory=lambda: dict(SKILL_NEED))

    def rate_per_min(self, minute: float, start_weekday: int = 0) -> float:
        """Referrals per minute at a simulation minute (day 0 is `start_weekday`)."""
        hour = int(minute // 60) % 24
        day = (int(minute // 1440) + start_weekday) % 7
        base = self.annual * self.scale / (365.0 * 1440.0)
        hourly_mean = sum(self.hourly) / len(self.hourly)
        weekday_mean = sum(self.weekday) / len(self.weekday)
        return base * (self.hourly[hour] / hourly_mean) * (self.weekday[day] / weekday_mean)


def generate_referrals(
    demand: DemandModel,
    gazetteer: Gazetteer,
    *,
    days: int,
    seed: int,
    start_weekday: int = 0,
) -> list[CrisisReferral]:
    """Thinning (Lewis-Shedler): homogeneous candidates at the peak rate, kept with rate/peak."""
    rng = np.random.default_rng(seed)
    horizon = days * 1440.0
    peak = max(
        demand.rate_per_min(h * 60.0 + d * 1440.0, start_weekday)
        for d in range(7)
        for h in range(24)
    )
    expected = int(peak * horizon * 1.2) + 100
    times = np.cumsum(rng.exponential(1.0 / peak, size=expected))
    while times[-1] < horizon:
        more = times[-1] + np.cumsum(rng.exponential(1.0 / peak, size=expected))
        times = np.concatenate([times, more])
    times = times[times < horizon]
    rates = np.array([demand.rate_per_min(t, start_weekday) for t in times])
    kept = times[rng.uniform(size=times.size) < rates / peak]
    n = kept.size
    where = rng.integers(0, len(gazetteer), size=n)
    priority = rng.choice([1, 2, 3], size=n, p=PRIORITY_MIX)
    needs = {skill: rng.uniform(size=n) < p for skill, p in demand.skill_need.items()}
    sigma = np.sqrt(np.log(1.0 + (ON_SCENE_SD_MIN / ON_SCENE_MEAN_MIN) ** 2))
    mu = np.log(ON_SCENE_MEAN_MIN) - sigma**2 / 2.0
    on_scene = rng.lognormal(mu, sigma, size=n)
    travel_factor = rng.lognormal(-(TRAVEL_NOISE_SIGMA**2) / 2.0, TRAVEL_NOISE_SIGMA, size=n)
    referrals: list[CrisisReferral] = []
    for i in range(n):
        g = int(where[i])
        referrals.append(
            CrisisReferral(
                id=f"R{i + 1:05d}",
                received_min=float(kept[i]),
                postcode=str(gazetteer.postcode[g]),
                easting=float(gazetteer.easting[g]),
                northing=float(gazetteer.northing[g]),
                locality=LOCALITY_ORDER[int(gazetteer.locality[g])],
                priority=int(priority[i]),
                skills_needed=frozenset(s for s, hit in needs.items() if hit[i]),
                on_scene_min=float(on_scene[i]),
                travel_factor=float(travel_factor[i]),
            )
        )
    return referrals
