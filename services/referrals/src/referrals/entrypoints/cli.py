"""`cch-referrals serve|migrate`."""

from pathlib import Path

from cch_servicekit.cli import service_main
from referrals.config import Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return service_main(
        name="referrals",
        app_path="referrals.main:create_app",
        migrations_dir=MIGRATIONS,
        settings=Settings,
        argv=argv,
    )
