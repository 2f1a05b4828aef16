"""Find and read command files: the I/O half of loading (the parsing half is pure, in commands/)."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from .commands.loader import SourceCommand, parse_command_file
from .commands.problems import Problem, has_errors
from .files import UnreadableFile, read_bounded

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


def display_name(path: Path, root: Path, *, confine: bool = False) -> str:
    """The path as annotations need it: relative to the workspace, with forward slashes. Links are not
    followed (the name is the one in the workspace, not its target's). Outside the workspace: the path
    as given, or with ``confine`` (Actions) only its file name, so no host path reaches an annotation."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return f"<outside the workspace>/{path.name}" if confine else path.as_posix()


def find_files(spec: str, root: Path) -> tuple[list[Path], list[Problem]]:
    """Every path the spec names. Not only regular files: a FIFO, a dangling link or a directory named
    ``*.json`` among them is returned too, so that reading it reports it instead of skipping it silently
    (a skipped file's commands would be deleted from Discord)."""
    entries = split_spec(spec)
    if not entries:
        return [], [Problem("error", "source.empty", "no command files given: set 'commands' to a path")]
    files: list[Path] = []
    problems: list[Problem] = []
    for entry in entries:
        try:
            found = _expand(entry, root)
        except OSError as exc:  # a name too long for the filesystem, a loop of links
            shown = entry if len(entry) <= 80 else entry[:77] + "..."
            problems.append(Problem("error", "source.unreadable", f"'{shown}' cannot be looked up: {exc.strerror}"))
            continue
        if found is None:
            problems.append(Problem("error", "source.missing", f"'{entry}' does not exist (looked in {root})"))
        elif not found:
            problems.append(Problem("error", "source.no-match", f"'{entry}' matched no .json command files"))
        files.extend(found or [])
    # Normalised, not resolved: a link keeps its own name (its target may be gone or outside the workspace).
    unique = sorted(dict.fromkeys(Path(os.path.abspath(p)) for p in files), key=lambda p: display_name(p, root))
    return unique, problems


def command_folders(root: Path, *, depth: int = 3, limit: int = 3) -> list[str]:
    """Folders named ``commands`` holding ``*.json`` files, at most ``depth`` levels below ``root`` (hidden
    folders and ``node_modules`` skipped): what to suggest when the default ``commands`` is not there."""
    found: list[str] = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        level = len(here.relative_to(root).parts)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d != "node_modules")
        if level >= depth:
            subfolders.clear()
        if level and here.name == "commands" and (any(f.endswith(".json") for f in files) or any(here.rglob("*.json"))):
            found.append(here.relative_to(root).as_posix())
            subfolders.clear()
            if len(found) == limit:
                break
    return found


def _candidate(path: Path) -> bool:
    """Whether a path found by expansion is a command source to read: anything but a directory, and a
    directory too when it is named ``*.json`` (reading it reports it)."""
    return not path.is_dir() or path.suffix == ".json"


def _expand(entry: str, root: Path) -> list[Path] | None:
    if _GLOB_CHARS & set(entry):
        matches = glob.glob(entry, root_dir=root, recursive=True)
        return [root / m for m in matches if _candidate(root / m)]
    path = Path(entry) if os.path.isabs(entry) else root / entry
    if path.is_dir() and path.suffix != ".json":
        return [p for p in path.rglob("*.json") if _candidate(p)]
    if os.path.lexists(path):
        return [path]
    return None


def outside(path: Path, root: Path) -> bool:
    """``path``, links followed, is not inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return True
    return False


def read_command_file(path: Path, name: str) -> tuple[bytes | None, Problem | None]:
    try:
        return read_bounded(path, MAX_FILE_BYTES, name=name, hint="is this really a command export?"), None
    except UnreadableFile as exc:
        rule = "file.size" if "limit" in exc.reason else "file.kind"
        return None, Problem("error", rule, f"{exc.reason}; command files must be regular JSON files", name, 1)
    except OSError as exc:
        return None, Problem("error", "file.read", f"cannot read file: {exc.strerror or exc}", name, 1)


def load_commands(spec: str, root: Path, *, confine: bool = False) -> LoadResult:
    """Every command in every file the spec names, with every problem that stops loading.

    ``confine`` (in Actions): a file, or a link's target, outside ``root`` is refused; the CLI reads any
    path a person names."""
    paths, problems = find_files(spec, root)
    result = LoadResult(problems=problems)
    for path in paths:
        name = display_name(path, root, confine=confine)
        result.files.append(name)
        if confine and outside(path, root):
            message = "resolves outside the workspace (GITHUB_WORKSPACE); command files must be in the repository"
            result.problems.append(Problem("error", "file.outside-workspace", message, name, 1))
            continue
        raw, problem = read_command_file(path, name)
        if problem:
            result.problems.append(problem)
            continue
        assert raw is not None
        parsed = parse_command_file(name, raw)
        result.commands.extend(parsed.commands)
        result.problems.extend(parsed.problems)
    return result
