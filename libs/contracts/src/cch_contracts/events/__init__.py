"""Importing this package registers every event payload."""

from cch_contracts.events import (  # noqa: F401
    careplans,
    caseload,
    dispatch,
    platform,
    referrals,
    stratification,
)
