"""Domain errors: each has a machine code and a message; the API maps each type to one status."""


class DomainError(Exception):
    """Base for rule violations the caller can fix."""

    code = "invalid"

    def __init__(self, message: str, *, expression: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression


class InvalidResource(DomainError):
    """The resource breaks a FHIR rule or a binding this server enforces."""

    code = "invalid"


class InvalidPatch(DomainError):
    """A JSON Patch document that cannot be applied."""

    code = "invalid-patch"
