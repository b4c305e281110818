"""Bearer token verification against a JWKS URL or a local JWKS file."""

import json
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from cch_auth.errors import unauthenticated
from cch_auth.principal import Principal
from cch_auth.smart import parse_scopes


class TokenVerifier:
    """RS256 only: a token signed any other way is refused, whatever it claims."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks_file: Path | None = None,
        leeway_seconds: int = 30,
        cache_size: int = 4096,
    ) -> None:
        if not jwks_url and not jwks_file:
            raise ValueError("TokenVerifier needs AUTH_JWKS_URL or AUTH_JWKS_FILE")
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._client = PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self._keys: dict[str, PyJWK] = {}
        # Verified tokens until they expire: a client sends the same token on every call, and
        # checking an RS256 signature each time is most of what authentication costs.
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._cache_size = cache_size
        if jwks_file is not None:
            for jwk in json.loads(jwks_file.read_text())["keys"]:
                key = PyJWK(jwk)
                self._keys[key.key_id or ""] = key

    def _key_for(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise unauthenticated("malformed bearer token") from exc
        if header.get("alg") != "RS256":
            raise unauthenticated("token must be signed with RS256")
        kid = header.get("kid") or ""
        if self._client is not None:
            try:
                return self._client.get_signing_key(kid).key
            except jwt.PyJWKClientError as exc:
                raise unauthenticated("token signed by an unknown key") from exc
        key = self._keys.get(kid) or (next(iter(self._keys.values())) if not kid else None)
        if key is None:
            raise unauthenticated("token signed by an unknown key")
        return key.key

    @property
    def may_fetch_keys(self) -> bool:
        """True when verifying can mean fetching the issuer's key set over the network."""
        return self._client is not None

    def cached(self, token: str) -> Principal | None:
        """The principal of a token verified before and not yet expired, without any I/O."""
        hit = self._verified.get(token)
        if hit is None:
            return None
        expires_at, principal = hit
        if time.time() >= expires_at:
            self._verified.pop(token, None)
            return None
        self._verified.move_to_end(token)
        return principal

    def verify(self, token: str) -> Principal:
        principal = self.cached(token) or self._verify(token)
        self._verified[token] = (float(principal.claims["exp"]), principal)
        self._verified.move_to_end(token)
        while len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> Principal:
        key = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthenticated("token expired") from exc
        except jwt.PyJWTError as exc:
            raise unauthenticated(f"token rejected: {type(exc).__name__}") from exc
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = roles.split()
        fhir_user = str(claims.get("fhirUser") or "")
        practitioner = fhir_user.split("/", 1)[1] if fhir_user.startswith("Practitioner/") else None
        return Principal(
            subject=str(claims["sub"]),
            roles=frozenset(str(r) for r in roles),
            scopes=parse_scopes(claims.get("scope") or claims.get("scp")),
            organisation=claims.get("org"),
            practitioner_id=practitioner,
            name=claims.get("name"),
            claims=claims,
        )
