"""`cch-stratification serve|migrate`."""

from pathlib import Path

from cch_servicekit.cli import service_main
from stratification.config import Settings
from stratification.entrypoints.seed import seed_population

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    return service_main(
        name="stratification",
        app_path="stratification.main:create_app",
        migrations_dir=MIGRATIONS,
        settings=Settings,
        seed=seed_population,
        argv=argv,
    )
