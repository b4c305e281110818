"""`cch-token`: mint a development token for a role and SMART scopes."""

import argparse
import os
import sys
from pathlib import Path

from cch_auth.keys import PRIVATE_KEY_FILE, ensure_dev_keys
from cch_auth.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER, mint

ROLE_DEFAULT_SCOPES = {
    "ehr-system": "system/*.cruds",
    "case-manager": "user/CarePlan.cruds user/CareTeam.rs user/Goal.cruds user/Flag.cruds "
    "user/Patient.rs user/ServiceRequest.cruds user/RiskAssessment.rs",
    "team-lead": "user/CarePlan.rs user/CareTeam.rs user/Patient.rs",
    "clinician": "user/CarePlan.rs user/Flag.rs user/Patient.rs user/CareTeam.rs",
    "coordinator": "user/ServiceRequest.rs user/Flag.rs user/Patient.rs",
    "rapid-response": "user/CarePlan.rs user/Flag.rs user/Patient.rs",
    "ops": "system/AuditEvent.rs",
    "admin": "system/*.cruds",
    "commissioner": "",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", action="append", required=True, help="repeatable")
    parser.add_argument("--scope", default=None, help="space-separated SMART scopes")
    parser.add_argument("--sub", default=None, help="subject (default: the first role)")
    parser.add_argument("--org", default=None, help="organisation code, e.g. M82001")
    parser.add_argument("--practitioner", default=None, help="Practitioner id (care team member)")
    parser.add_argument("--name", default=None)
    parser.add_argument("--ttl", type=int, default=8 * 3600)
    parser.add_argument(
        "--key-dir", type=Path, default=Path(os.environ.get("CCH_KEY_DIR", ".cch/keys"))
    )
    args = parser.parse_args(argv)
    scopes = args.scope
    if scopes is None:
        scopes = " ".join(ROLE_DEFAULT_SCOPES.get(r, "") for r in args.role)
    if any(scope.startswith("system/") for scope in scopes.split()) and args.org is None:
        print(
            "note: care plans are need-to-know; a system token reaches a patient's plans only for "
            "the organisation on their care team: add --org <ODS code> (or --org cch-platform for "
            "the platform's own trusted integration)",
            file=sys.stderr,
        )
    private = ensure_dev_keys(args.key_dir)
    token = mint(
        private,
        subject=args.sub or f"dev-{args.role[0]}",
        roles=args.role,
        scopes=scopes.split(),
        organisation=args.org,
        practitioner_id=args.practitioner,
        name=args.name,
        issuer=os.environ.get("AUTH_ISSUER", DEFAULT_ISSUER),
        audience=os.environ.get("AUTH_AUDIENCE", DEFAULT_AUDIENCE),
        ttl_seconds=args.ttl,
    )
    print(token)
    return 0


__all__ = ["PRIVATE_KEY_FILE", "main"]
