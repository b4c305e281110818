"""FHIR-style references to who referred and who decided, checked once at the edge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from referrals.domain.errors import InvalidReference

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR id datatype


class ReferenceKind(StrEnum):
    """Resource types that may request a referral or record a decision."""

    PRACTITIONER = "Practitioner"
    PRACTITIONER_ROLE = "PractitionerRole"
    ORGANIZATION = "Organization"
    PATIENT = "Patient"


REQUESTER_KINDS = frozenset(
    {ReferenceKind.PRACTITIONER, ReferenceKind.PRACTITIONER_ROLE, ReferenceKind.ORGANIZATION}
)
DECIDER_KINDS = frozenset({ReferenceKind.PRACTITIONER, ReferenceKind.PRACTITIONER_ROLE})


@dataclass(frozen=True, slots=True)
class Reference:
    """A relative reference `Type/id` to a resource held by whichever service owns it."""

    kind: ReferenceKind
    id: str

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise InvalidReference(f"{self.id!r} is not a FHIR id (1-64 of A-Z a-z 0-9 - .)")

    @property
    def text(self) -> str:
        """The reference as FHIR writes it."""
        return f"{self.kind.value}/{self.id}"

    @classmethod
    def parse(
        cls, text: str, *, allowed: frozenset[ReferenceKind] = frozenset(ReferenceKind)
    ) -> Reference:
        """`Practitioner/123` into a reference, refusing any type outside `allowed`."""
        kind_text, slash, ident = text.strip().partition("/")
        names = ", ".join(sorted(k.value for k in allowed))
        if not slash or "/" in ident:
            raise InvalidReference(f"{text!r} is not a relative reference Type/id ({names})")
        try:
            kind = ReferenceKind(kind_text)
        except ValueError:
            raise InvalidReference(f"{text!r} must reference one of {names}") from None
        if kind not in allowed:
            raise InvalidReference(f"{text!r} must reference one of {names}")
        return cls(kind, ident)


def practitioner(ident: str) -> Reference:
    """Shorthand for the practitioner who decided or referred."""
    return Reference(ReferenceKind.PRACTITIONER, ident)


def organisation(ident: str) -> Reference:
    """Shorthand for a referring organisation (practice, trust, the programme itself)."""
    return Reference(ReferenceKind.ORGANIZATION, ident)
