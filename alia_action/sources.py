"""Find and read command files: the I/O half of loading (the parsing half is pure, in commands/)."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from .commands.loader import SourceCommand, parse_command_file
from .commands.problems import Problem, has_errors

# Real exports are a few hundred kB at most; a stray dump is refused before it is read into memory.
MAX_FILE_BYTES = 10 * 1024 * 1024
_GLOB_CHARS = frozenset("*?[")


@dataclass(slots=True)
class LoadResult:
    commands: list[SourceCommand] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A file could not be loaded: deploying the rest would delete its commands from Discord."""
        return has_errors([p for p in self.problems if p.rule.startswith(("file.", "source."))])


def split_spec(spec: str) -> list[str]:
    """The ``commands`` input: one path, directory or glob per line."""
    return [line.strip() for line in spec.splitlines() if line.strip()]


def display_name(path: Path, root: Path) -> str:
    """The path as annotations need it: relative to the workspace, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def find_files(spec: str, root: Path) -> tuple[list[Path], list[Problem]]:
    entries = split_spec(spec)
    if not entries:
        return [], [Problem("error", "source.empty", "no command files given: set 'commands' to a path")]
    files: list[Path] = []
    problems: list[Problem] = []
    for entry in entries:
        found = _expand(entry, root)
        if found is None:
            problems.append(Problem("error", "source.missing", f"'{entry}' does not exist (looked in {root})"))
        elif not found:
            problems.append(Problem("error", "source.no-match", f"'{entry}' matched no .json command files"))
        files.extend(found or [])
    unique = sorted(dict.fromkeys(p.resolve() for p in files), key=lambda p: display_name(p, root))
    return unique, problems


def _expand(entry: str, root: Path) -> list[Path] | None:
    if _GLOB_CHARS & set(entry):
        matches = glob.glob(entry, root_dir=root, recursive=True)
        return [root / m for m in matches if (root / m).is_file()]
    path = Path(entry) if os.path.isabs(entry) else root / entry
    if path.is_dir():
        return [p for p in path.rglob("*.json") if p.is_file()]
    if path.is_file():
        return [path]
    return None


def read_command_file(path: Path, name: str) -> tuple[bytes | None, Problem | None]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, Problem(
                "error",
                "file.size",
                f"file is {size / 1_048_576:.1f} MiB; command files are limited to "
                f"{MAX_FILE_BYTES // 1_048_576} MiB (is this really a command export?)",
                name,
                1,
            )
        with path.open("rb") as handle:
            # Read one byte past the limit: a file that grew since stat() is still refused.
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return None, Problem("error", "file.size", "file grew past the size limit while read", name, 1)
        return raw, None
    except OSError as exc:
        return None, Problem("error", "file.read", f"cannot read file: {exc.strerror or exc}", name, 1)


def load_commands(spec: str, root: Path) -> LoadResult:
    """Every command in every file the spec names, with every problem that stops loading."""
    paths, problems = find_files(spec, root)
    result = LoadResult(problems=problems)
    for path in paths:
        name = display_name(path, root)
        result.files.append(name)
        raw, problem = read_command_file(path, name)
        if problem:
            result.problems.append(problem)
            continue
        assert raw is not None
        parsed = parse_command_file(name, raw)
        result.commands.extend(parsed.commands)
        result.problems.extend(parsed.problems)
    return result
