"""Domain errors of the stratification service; the API layer maps each code to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation the service reports to a caller."""

    code: str = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
