"""`cch-careplans serve|migrate`."""

from pathlib import Path

from careplans.config import Settings
from cch_servicekit.cli import service_main

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return service_main(
        name="careplans",
        app_path="careplans.main:create_app",
        migrations_dir=MIGRATIONS,
        settings=Settings,
        argv=argv,
    )
