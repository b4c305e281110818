"""Tokens: RS256 only, issuer and audience checked, SMART v2 scopes understood."""

import json
import time
from pathlib import Path

import jwt
import pytest

from cch_auth import AuthError, Interaction, TokenVerifier, parse_scopes
from cch_auth.keys import ensure_dev_keys
from cch_auth.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER, mint


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Path:
    return ensure_dev_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def verifier(keys) -> TokenVerifier:
    return TokenVerifier(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_file=keys.parent / "jwks.json"
    )


def test_a_minted_token_verifies_with_roles_scopes_and_practitioner(keys, verifier):
    token = mint(
        keys,
        subject="u1",
        roles=["case-manager"],
        scopes=["user/CarePlan.rs"],
        practitioner_id="cm-7",
        organisation="M82001",
    )
    p = verifier.verify(token)
    assert p.subject == "u1" and p.has_role("case-manager") and not p.has_role("ops")
    assert p.practitioner_id == "cm-7" and p.organisation == "M82001" and p.actor == "cm-7"
    assert p.permits("CarePlan", Interaction.READ)
    assert not p.permits("CarePlan", Interaction.UPDATE)


def test_expired_wrong_audience_and_unsigned_tokens_are_refused(keys, verifier):
    expired = mint(keys, subject="u", roles=["ops"], ttl_seconds=-120)
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(expired)
    other_aud = mint(keys, subject="u", roles=["ops"], audience="someone-else")
    with pytest.raises(AuthError):
        verifier.verify(other_aud)
    unsigned = jwt.encode(
        {
            "sub": "u",
            "iss": DEFAULT_ISSUER,
            "aud": DEFAULT_AUDIENCE,
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
        },
        "secret",
        algorithm="HS256",
    )
    with pytest.raises(AuthError, match="RS256"):
        verifier.verify(unsigned)
    with pytest.raises(AuthError):
        verifier.verify("garbage")


def test_a_token_from_another_key_is_refused(tmp_path, verifier):
    other = ensure_dev_keys(tmp_path)
    with pytest.raises(AuthError):
        verifier.verify(mint(other, subject="u", roles=["admin"]))


def test_smart_v2_and_v1_scopes_parse_and_bad_ones_are_ignored():
    scopes = parse_scopes(
        "system/CarePlan.cruds user/Flag.rs patient/*.read openid user/Goal.sr user/CarePlan.x"
    )
    assert [(s.context, s.resource) for s in scopes] == [
        ("system", "CarePlan"),
        ("user", "Flag"),
        ("patient", "*"),
    ]
    assert scopes[2].permits("Goal", Interaction.SEARCH)
    assert not scopes[1].permits("Flag", Interaction.CREATE)


def test_a_query_restricted_scope_grants_nothing_rather_than_everything():
    assert parse_scopes("user/Flag.rs?category=dnar") == ()


def test_dev_keys_are_created_once_and_reused(tmp_path):
    first = ensure_dev_keys(tmp_path).read_bytes()
    jwks = json.loads((tmp_path / "jwks.json").read_text())
    assert ensure_dev_keys(tmp_path).read_bytes() == first
    assert jwks["keys"][0]["alg"] == "RS256" and "d" not in jwks["keys"][0]


def test_a_verified_token_is_remembered_until_it_expires_and_not_after(keys, monkeypatch):
    verifier = TokenVerifier(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_file=keys.parent / "jwks.json"
    )
    token = mint(keys, subject="u", roles=["ops"], ttl_seconds=600)
    other = mint(keys, subject="v", roles=["clinician"], ttl_seconds=600)
    assert verifier.cached(token) is None
    first = verifier.verify(token)
    assert verifier.cached(token) is first
    assert verifier.cached(other) is None
    assert verifier.verify(other).subject == "v"

    class Later:
        @staticmethod
        def time() -> float:
            return first.claims["exp"] + 1

    monkeypatch.setattr("cch_auth.verify.time", Later)
    assert verifier.cached(token) is None


def test_a_tampered_copy_of_a_remembered_token_is_still_refused(keys, verifier):
    token = mint(keys, subject="u", roles=["ops"])
    verifier.verify(token)
    header, payload, signature = token.split(".")
    forged = ".".join(
        [header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
    )
    with pytest.raises(AuthError):
        verifier.verify(forged)
