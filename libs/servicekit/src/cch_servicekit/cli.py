"""Every service's command line: `serve` and `migrate`."""

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from cch_db.migrations import upgrade
from cch_servicekit.settings import ServiceSettings


def service_main(
    *,
    name: str,
    app_path: str,
    migrations_dir: Path,
    settings: Callable[[], ServiceSettings],
    seed: Callable[[ServiceSettings, int], int] | None = None,
    argv: list[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=name, description=f"{name} service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API with its consumer and relay")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="apply this service's migrations to its own schema")
    seeder = sub.add_parser("seed", help="load development data (idempotent)")
    seeder.add_argument("--population", type=int, default=20_000)
    args, _ = parser.parse_known_args(argv)
    current = settings()
    if args.command == "migrate":
        upgrade(migrations_dir, url=current.database_url, schema=name)
        print(f"{name}: migrations applied")
        return 0
    if args.command == "seed":
        if seed is None:
            return 0
        return seed(current, args.population)
    import uvicorn

    uvicorn.run(
        app_path,
        factory=True,
        host=args.host or current.http_host,
        port=args.port or current.http_port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=10,
    )
    return 0
