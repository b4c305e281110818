"""Opaque patient keys: Kafka keys must never carry an NHS number."""

import hashlib
import hmac
import os

_DEV_SECRET = "cch-dev-patient-key-secret"


def _secret() -> bytes:
    return os.environ.get("CCH_PATIENT_KEY_SECRET", _DEV_SECRET).encode()


def patient_key(nhs_number: str) -> str:
    """Keyed hash of the NHS number: stable across services, useless without the secret."""
    digest = hmac.new(_secret(), nhs_number.strip().encode(), hashlib.sha256).hexdigest()
    return f"pk-{digest[:32]}"
