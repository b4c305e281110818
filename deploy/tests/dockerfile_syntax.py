"""Just enough of the Dockerfile and .dockerignore languages to check deploy/Dockerfile offline."""

import json
import re
import shlex
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::([-+])([^}]*))?\}|(\w+))")
_FLAG = re.compile(r"--([\w-]+)=(\S*)\s+")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int

    def flags_and_rest(self) -> tuple[dict[str, str], str]:
        """Leading `--name=value` flags, and the text after them."""
        flags: dict[str, str] = {}
        rest = self.args
        while match := _FLAG.match(rest):
            flags[match.group(1)] = match.group(2)
            rest = rest[match.end() :]
        return flags, rest

    def flags_and_words(self) -> tuple[dict[str, str], list[str]]:
        flags, rest = self.flags_and_rest()
        return flags, words(rest)


def words(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        parsed = json.loads(text)
        assert all(isinstance(w, str) for w in parsed), text
        return list(parsed)
    return shlex.split(text)


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def one(self, keyword: str) -> Instruction:
        (found,) = self.all(keyword)
        return found


@dataclass
class Dockerfile:
    global_args: list[Instruction]
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        (found,) = [s for s in self.stages if s.name == name]
        return found

    @property
    def final(self) -> Stage:
        return self.stages[-1]


def parse(text: str) -> Dockerfile:
    """Comment lines dropped (also inside continuations), `\\` continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(p for p in pending if p).partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        pending = []
    assert not pending, "the Dockerfile ends inside a line continuation"
    global_args: list[Instruction] = []
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append(instruction)
        else:
            assert instruction.keyword == "ARG", "only ARG may come before the first FROM"
            global_args.append(instruction)
    return Dockerfile(global_args, stages)


def referenced_variables(text: str) -> set[str]:
    return {m.group(1) or m.group(4) for m in _VARIABLE.finditer(text)}


def expand(text: str, variables: dict[str, str]) -> str:
    """Dockerfile substitution: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative}."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        value = variables.get(name, "")
        if match.group(2) == "-":
            return value or match.group(3)
        if match.group(2) == "+":
            return match.group(3) if value else ""
        return value

    return _VARIABLE.sub(one, text)


def key_values(args: str) -> dict[str, str]:
    """ENV/LABEL `key=value ...` (values may be quoted)."""
    pairs = [word.partition("=") for word in shlex.split(args)]
    assert all(sep for _, sep, _ in pairs), f"not key=value pairs: {args}"
    return {key: value for key, _, value in pairs}


@dataclass(frozen=True)
class Image:
    """What the final stage leaves in the image for one set of build args."""

    env: dict[str, str]
    labels: dict[str, str]
    exposed: list[str]
    user: str
    command: list[str]
    healthcheck: list[str]
    healthcheck_flags: dict[str, str]


def render(dockerfile: Dockerfile, build_args: dict[str, str]) -> Image:
    stage = dockerfile.final
    # The python image's own PATH.
    known: dict[str, str] = {"PATH": "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"}
    env: dict[str, str] = {}
    labels: dict[str, str] = {}
    exposed: list[str] = []
    for instruction in stage.instructions:
        if instruction.keyword == "ARG":
            name, _, default = instruction.args.partition("=")
            known[name] = build_args.get(name, default)
        elif instruction.keyword == "ENV":
            for key, value in key_values(instruction.args).items():
                known[key] = env[key] = expand(value, known)
        elif instruction.keyword == "LABEL":
            labels |= {k: expand(v, known) for k, v in key_values(instruction.args).items()}
        elif instruction.keyword == "EXPOSE":
            exposed += expand(instruction.args, known).split()
    health = stage.one("HEALTHCHECK")
    health_flags, rest = health.flags_and_rest()
    keyword, _, health_command = rest.partition(" ")
    assert keyword.upper() == "CMD", f"line {health.line}: HEALTHCHECK without CMD"
    _, command = stage.one("CMD").flags_and_words()
    return Image(
        env=env,
        labels=labels,
        exposed=exposed,
        user=expand(stage.one("USER").args, known),
        command=command,
        healthcheck=words(health_command),
        healthcheck_flags=health_flags,
    )


def ignore_patterns(text: str) -> list[tuple[bool, str]]:
    """(excludes, pattern) per line of a .dockerignore, in order."""
    out: list[tuple[bool, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = str(PurePosixPath(line.removeprefix("!").strip().lstrip("/")))
        out.append((not negated, pattern))
    return out


def _matches(pattern: str, path: str) -> bool:
    """Docker's matcher: `*` stays within one path segment, `**` spans any number of them."""
    return _match_parts(pattern.split("/"), path.split("/"))


def _match_parts(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match_parts(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    return (
        bool(parts) and fnmatchcase(parts[0], pattern[0]) and _match_parts(pattern[1:], parts[1:])
    )


def in_context(path: str, patterns: list[tuple[bool, str]]) -> bool:
    """Whether a context-relative path reaches the builder: the last pattern matching the path
    or one of its parent folders decides, as Docker's MatchesOrParentMatches does."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for excludes, pattern in patterns:
        if any(_matches(pattern, candidate) for candidate in candidates):
            included = not excludes
    return included
