"""The local development issuer's RSA key and its JWKS."""

import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

PRIVATE_KEY_FILE = "dev-issuer.pem"
JWKS_FILE = "jwks.json"
DEV_KID = "cch-dev-1"


def ensure_dev_keys(key_dir: Path) -> Path:
    """Create the dev key pair once; later runs reuse it so minted tokens stay valid."""
    key_dir.mkdir(parents=True, exist_ok=True)
    private = key_dir / PRIVATE_KEY_FILE
    if not private.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
    jwks = key_dir / JWKS_FILE
    if not jwks.exists():
        jwks.write_text(json.dumps(jwks_for(private.read_bytes())))
    return private


def jwks_for(private_pem: bytes) -> dict[str, Any]:
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": DEV_KID, "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}
