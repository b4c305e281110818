"""Domain errors of the stratification service; the API layer maps each code to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation the service reports to a caller."""

    code: str = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownModelVersion(DomainError):
    """A run or score asked for a model version that was never trained or stored."""

    code = "unknown-model-version"


class RunAlreadyInProgress(DomainError):
    """Two runs over the same scope at once would write conflicting tiers."""

    code = "run-in-progress"


class InvalidTierPolicy(DomainError):
    """Tier cut-offs must be ordered percentiles strictly between 0 and 100."""

    code = "invalid-tier-policy"


class InvalidFeatureMatrix(DomainError):
    """Features must match the model's columns, be finite and line up with the outcomes."""

    code = "invalid-feature-matrix"


class InvalidModelArtefact(DomainError):
    """A stored model that does not parse or is inconsistent cannot score anyone safely."""

    code = "invalid-model-artefact"


class ModelDidNotConverge(DomainError):
    """A model whose fit never settled would give unstable scores; better to refuse it."""

    code = "model-did-not-converge"


class InvalidModellingInputs(DomainError):
    """Programme modelling needs consistent counts and percentages to reproduce its tables."""

    code = "invalid-modelling-inputs"


class InvalidExclusionNote(DomainError):
    """An MDT exclusion must have its next review on or after the day it was made."""

    code = "invalid-exclusion-note"


class InvalidMetricInput(DomainError):
    """Model metrics need matching, non-empty outcome and score vectors."""

    code = "invalid-metric-input"


class NoPopulation(DomainError):
    """A run needs a loaded population and activity to learn from."""

    code = "no-population"


class UnknownPractice(DomainError):
    """A run, report or ingest named a practice that is not registered."""

    code = "unknown-practice"
