"""NHS financial years (1 April to 31 March), the unit every activity figure is counted in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_FINANCIAL_YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024)


@dataclass(frozen=True, slots=True)
class FinancialYear:
    """Financial year named by the calendar year it starts in (2024 = 2024/25)."""

    start_year: int

    @property
    def start(self) -> date:
        """1 April."""
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """31 March, inclusive."""
        return date(self.start_year + 1, 3, 31)

    @property
    def days(self) -> int:
        """Length in days."""
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """'2024/25'."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def contains(self, day: date) -> bool:
        """Whether a date falls in the year."""
        return self.start <= day <= self.end

    def next(self) -> FinancialYear:
        """The year after, whose outcomes a model trained on this one predicts."""
        return FinancialYear(self.start_year + 1)

    def last_day_exclusive(self) -> date:
        """1 April of the next year."""
        return self.end + timedelta(days=1)
