"""Where a careplans read spends its time: py-spy samples the service process under read load."""

from __future__ import annotations

import asyncio
import collections
import shutil
import subprocess
from pathlib import Path


def py_spy_command() -> list[str]:
    """py-spy from PATH, else through uv (`uv run --with py-spy`), as the project docs suggest."""
    found = shutil.which("py-spy")
    if found:
        return [found]
    return ["uv", "run", "--frozen", "--with", "py-spy", "py-spy"]


async def record(pid: int, *, seconds: float, out: Path) -> asyncio.subprocess.Process:
    """Start sampling `pid` (folded stacks, idle frames dropped) for `seconds`; caller awaits it."""
    cmd = [
        *py_spy_command(),
        *("record", "--pid", str(pid), "--duration", str(int(seconds))),
        *("--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"),
    ]
    return await asyncio.create_subprocess_exec(
        *cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def summarise(folded: Path, *, top: int = 30) -> dict[str, object]:
    """Inclusive share of samples per frame (function + file), and self share of leaf frames."""
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short(f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += count
        leaf[frames[-1]] += count
    if not total:
        return {"samples": 0}

    def share(counter: collections.Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    return {"samples": total, "inclusive_pct": share(inclusive), "self_pct": share(leaf)}


def _short(frame: str) -> str:
    """`func (path/to/site-packages/pkg/mod.py:12)` -> `func (pkg/mod.py)`."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"
