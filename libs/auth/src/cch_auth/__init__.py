"""Who is calling, and what they may do."""

from cch_auth.errors import AuthError
from cch_auth.principal import Principal, Role
from cch_auth.smart import Interaction, SmartScope, parse_scopes
from cch_auth.verify import TokenVerifier

__all__ = [
    "AuthError",
    "Interaction",
    "Principal",
    "Role",
    "SmartScope",
    "TokenVerifier",
    "parse_scopes",
]
