"""`cch-dispatch serve|migrate`."""

from pathlib import Path

from cch_servicekit.cli import service_main
from dispatch.config import Settings
from dispatch.entrypoints.seed import seed_default_roster

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return service_main(
        name="dispatch",
        app_path="dispatch.main:create_app",
        migrations_dir=MIGRATIONS,
        settings=Settings,
        seed=seed_default_roster,
        argv=argv,
    )
