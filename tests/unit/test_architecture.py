"""The import graph of ``alia_action``: no cycle, no upward import, adapters never see the whole Settings.

Every ``import`` in every module counts, including those inside functions and under ``TYPE_CHECKING``:
an import that only runs late is still a dependency a reader has to know about.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import get_args

from alia_action.actions import ACTIONS, REGISTRY, Action

PACKAGE = Path(__file__).resolve().parents[2] / "alia_action"

# Lowest first; a module may import its own layer and the layers below it. The first matching prefix wins.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "domain",
        (
            "alia_action.commands",
            "alia_action.health.assess",
            "alia_action.health.trend",
            "alia_action.health.chart",
            "alia_action.errors",
            "alia_action.durations",
            "alia_action.scope",
            "alia_action.actions",
            "alia_action.redaction",
            "alia_action.secret",
            "alia_action.markdown",
            "alia_action.wording",
        ),
    ),
    (
        "base",
        (
            "alia_action.config",
            "alia_action.report",
            "alia_action.outcome",
            "alia_action.sources",
            "alia_action.workflow",
            "alia_action.atomic",
            "alia_action.files",
            "alia_action.containment",
            "alia_action.credentials",
        ),
    ),
    (
        "adapters",
        (
            "alia_action.stores",
            "alia_action.discord",
            "alia_action.notify",
            "alia_action.health.summary",
            "alia_action.health.check",
            "alia_action.commitinfo",
            "alia_action.dashboard",
        ),
    ),
    ("runtime", ("alia_action.runtime",)),
    ("steps", ("alia_action.steps",)),
    ("handlers", ("alia_action.handlers",)),
    (
        "runner",
        (
            "alia_action.runner",
            "alia_action.cli",
            "alia_action.action",
            "alia_action.publish",
            "alia_action.ownership",
            "alia_action.monitor",
        ),
    ),
]
ORDER = ["domain", "base", "adapters", "runtime", "steps", "handlers", "runner"]
# Packages' __init__ modules hold no logic: importing one is importing nothing of a layer.
NEUTRAL = {"alia_action", "alia_action.health"}
# Adapters take narrow arguments (a path, a repository, a redact function), never the whole settings.
NARROW = ("alia_action.stores", "alia_action.discord", "alia_action.notify", "alia_action.health")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Every alia_action module ``path`` imports, wherever the statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("alia_action"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("alia_action"):
                continue
            # ``from . import x`` and ``from .pkg import mod`` import modules; names of objects resolve to target.
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
    return {m for m in found if m != name}


def layer_of(module: str) -> str | None:
    if module in NEUTRAL:
        return None
    for layer, prefixes in LAYERS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return layer
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


PATHS = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
MODULES = set(PATHS)
GRAPH = {name: imports_of(path, name) for name, path in PATHS.items()}


def cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def upward() -> list[str]:
    out = []
    for source, targets in sorted(GRAPH.items()):
        here = layer_of(source)
        for target in sorted(targets):
            there = layer_of(target)
            if here is None or there is None:
                continue
            if ORDER.index(there) > ORDER.index(here):
                out.append(f"{source} ({here}) imports {target} ({there})")
            elif source.startswith(NARROW) and target == "alia_action.config":
                out.append(f"{source} ({here}) imports the whole settings ({target})")
    return out


def test_the_import_graph_has_no_cycle_and_no_upward_import() -> None:
    found_cycles, found_upward = cycles(), upward()
    edges = sum(len(t) for t in GRAPH.values())
    print(
        f"\nimport graph: {len(GRAPH)} modules, {edges} imports, {len(found_cycles)} cycles, "
        f"{len(found_upward)} upward imports"
    )
    assert not found_cycles, found_cycles
    assert not found_upward, "\n".join(found_upward)


def test_the_graph_reads_imports_inside_functions_and_relative_ones() -> None:
    # runner imports the handler modules by name; handlers import the runtime only for typing; cli imports
    # config inside main(): each must be seen, or the test above proves nothing.
    assert "alia_action.config" in GRAPH["alia_action.cli"]
    assert "alia_action.runtime" in GRAPH["alia_action.handlers.detect"]
    assert "alia_action.stores.secrets" in GRAPH["alia_action.runtime"]
    assert len(GRAPH) > 50


def test_handlers_holds_only_modules_that_export_a_handler() -> None:
    handlers = {p.stem for p in (PACKAGE / "handlers").glob("*.py")} - {"__init__"}
    assert handlers == set(REGISTRY)
    for name in handlers:
        tree = ast.parse((PACKAGE / "handlers" / f"{name}.py").read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.FunctionDef) and n.name == "run" for n in tree.body), name


def test_the_action_literal_names_exactly_the_registry() -> None:
    assert get_args(Action) == ACTIONS == tuple(REGISTRY)
    for spec in REGISTRY.values():
        assert (PACKAGE / "handlers" / f"{spec.name}.py").is_file()


DOMAIN = sorted(name for name in PATHS if layer_of(name) == "domain")


def outside_imports(path: Path) -> set[str]:
    """Top-level packages ``path`` imports that are neither the standard library nor alia_action."""
    tops: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            tops.update(a.name.partition(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            tops.add((node.module or "").partition(".")[0])
    return {top for top in tops if top not in sys.stdlib_module_names and top != "alia_action"}


def test_the_domain_imports_only_the_standard_library() -> None:
    # Pure and fast to start: `detect` loads the domain on every run, and pydantic alone costs ~60 ms (issue 21).
    assert {"alia_action.commands.schema", "alia_action.commands.rules"} <= set(DOMAIN)
    found = {name: sorted(outside) for name in DOMAIN if (outside := outside_imports(PATHS[name]))}
    assert not found, found


def test_loading_the_domain_loads_no_third_party_module() -> None:
    # The static test above reads each file; this one also sees what the domain pulls in through its imports.
    code = (
        "import importlib, sys; before = set(sys.modules); "
        f"[importlib.import_module(m) for m in {DOMAIN!r}]; "
        "tops = {m.partition('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(t for t in tops if t not in sys.stdlib_module_names and t != 'alia_action'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parent)
    assert out.stdout.strip() == "[]"
