"""What each run sizes and aims for, and the small statistics every scenario shares."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from cch_contracts.topics import Topic

TOPIC = Topic.PLATFORM.value
SOURCE = "/cch/bench"
KEYS = 997  # distinct message keys (patients), spread over the topic's partitions
POLL_SECONDS = 0.05  # how often the effect table is polled for completion
FINAL_POLL_SECONDS = 0.005  # and how often once 90% of the effects are there
RATIO_GOAL = 0.5
# throughput runs, in the order they run and are reported
THROUGHPUT_RUNS = (
    "pipeline_backlog",
    "pipeline_batched",
    "pipeline_batched_writers",
    "pipeline_batched_per_event",
    "pipeline_single",
)
LATENCY_GOAL_S = 1.0


@dataclass(frozen=True)
class PipelineOptions:
    n: int = 20_000  # events for the raw baseline and the 100-per-transaction pipeline run
    txn_size: int = 100
    batch_writers: int = 4  # concurrent writers of 100-event transactions, as concurrent requests
    # each throughput figure (raw and pipeline alike) is the best of this many rounds: the
    # machine is shared, and the least disturbed round is the one that measures the code
    rounds: int = 3
    single_n: int = 5_000  # events for the 1-per-transaction run (slower: one commit each)
    single_writers: int = 8  # concurrent writers, like concurrent API requests
    latency_rate: float = 1_000.0
    latency_seconds: float = 20.0
    latency_writers: int = 32  # open-loop: enough writers that a slow commit does not hold up
    # the same at a rate the machine sustains, to separate the pipeline's own latency from
    # queueing behind a saturated consumer
    low_rate: float = 200.0
    low_rate_seconds: float = 10.0
    sporadic_pairs: int = 12  # pairs of events with a quiet spell after each (see below)
    timeout_s: float = 180.0  # for one run to drain

    @classmethod
    def for_mode(cls, *, quick: bool) -> PipelineOptions:
        if quick:
            return cls(
                n=5_000,
                single_n=2_000,
                latency_seconds=10.0,
                low_rate_seconds=5.0,
                sporadic_pairs=6,
                timeout_s=120.0,
            )
        return cls()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def load_average() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"1m": round(one, 2), "5m": round(five, 2), "15m": round(fifteen, 2)}
