"""`cch-ops serve|migrate`."""

from pathlib import Path

from cch_servicekit.cli import service_main
from ops.config import Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return service_main(
        name="ops",
        app_path="ops.main:create_app",
        migrations_dir=MIGRATIONS,
        settings=Settings,
        argv=argv,
    )
