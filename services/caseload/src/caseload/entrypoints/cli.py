"""`cch-caseload serve|migrate|seed`."""

from pathlib import Path

from caseload.config import Settings
from caseload.entrypoints.seed import seed_default_workforce
from cch_servicekit.cli import service_main

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return service_main(
        name="caseload",
        app_path="caseload.main:create_app",
        migrations_dir=MIGRATIONS,
        settings=Settings,
        seed=seed_default_workforce,
        argv=argv,
    )
