"""Minting tokens: the local development issuer (production uses a real IdP)."""

import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import jwt

from cch_auth.keys import DEV_KID

DEFAULT_ISSUER = "https://cch.local/dev-issuer"
DEFAULT_AUDIENCE = "cch"


def mint(
    private_key: Path | bytes,
    *,
    subject: str,
    roles: Iterable[str],
    scopes: Iterable[str] = (),
    organisation: str | None = None,
    practitioner_id: str | None = None,
    name: str | None = None,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    ttl_seconds: int = 8 * 3600,
) -> str:
    pem = private_key.read_bytes() if isinstance(private_key, Path) else private_key
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now - 5,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
        "roles": sorted(set(roles)),
        "scope": " ".join(scopes),
    }
    if organisation:
        claims["org"] = organisation
    if practitioner_id:
        claims["fhirUser"] = f"Practitioner/{practitioner_id}"
    if name:
        claims["name"] = name
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": DEV_KID})
