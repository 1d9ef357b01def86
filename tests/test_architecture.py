"""The layers point down only, with no import cycles (docs/architecture.md).

Every import in bot/ counts, at module level or inside a function or TYPE_CHECKING block:
a delayed import is still a dependency, and a cycle through one is still a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import ROOT

# Lowest first; a module may import its own layer (without cycles) and the ones below.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("bot.core", "bot")),
    ("i18n", ("bot.i18n", "bot.config", "bot.logs")),
    ("domain", ("bot.store", "bot.knowledge", "bot.guided", "bot.events", "bot.consultations")),
    ("services", ("bot.services",)),
    ("handlers", ("bot.handlers",)),
    ("channels", ("bot.channels", "bot.reminders")),
    ("top", ("bot.web", "bot.ops", "bot.runtime", "bot.app", "bot.cli", "bot.__main__")),
]
PLATFORM_SDKS = ("telegram", "wechatpy", "aiohttp")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted((ROOT / "bot").rglob("*.py"))}


def _imports(module: str) -> Iterator[str]:
    """Every module name `module` imports (absolute and relative forms)."""
    path = MODULES[module]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _graph() -> dict[str, set[str]]:
    """Module → the modules it imports. Importing `a.b.c` runs the `__init__` of `a.b` too, so
    that package counts as imported as well — unless the importer lives inside it (a module
    importing its siblings does not run its own package's __init__ again)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for name in _imports(module):
            if name == "bot" or name.startswith("bot."):
                target = _resolve(name)
                if not target:
                    continue
                parts = target.split(".")
                for end in range(2, len(parts) + 1):
                    package = ".".join(parts[:end])
                    inside = module == package or module.startswith(package + ".")
                    if package in MODULES and not inside:
                        graph[module].add(package)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def layer_of(module: str) -> int:
    best = (-1, -1)  # (prefix length, layer)
    for rank, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = (len(prefix), rank)
    assert best[1] >= 0, f"{module} is in no layer: add it to LAYERS"
    return best[1]


GRAPH = _graph()


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_core_is_the_floor() -> None:
    outside = {(m, t) for m in GRAPH if m.startswith("bot.core") for t in GRAPH[m]}
    assert {(m, t) for m, t in outside if not t.startswith("bot.core")} == set()


def test_layers_point_down_only() -> None:
    upward = [
        f"{m} ({LAYERS[layer_of(m)][0]}) -> {t} ({LAYERS[layer_of(t)][0]})"
        for m in GRAPH
        for t in GRAPH[m]
        if layer_of(t) > layer_of(m)
    ]
    assert upward == []


@pytest.mark.parametrize("package", ["bot.core", "bot.handlers"])
def test_no_platform_sdk_below_the_channels(package: str) -> None:
    offending = [
        f"{m} imports {name}"
        for m in MODULES
        if m == package or m.startswith(package + ".")
        for name in _imports(m)
        if name.split(".")[0] in PLATFORM_SDKS
    ]
    assert offending == []


def test_bench_scripts_import_the_project_not_the_tests() -> None:
    offending = [
        path.name
        for path in sorted((ROOT / "bench").glob("*.py"))
        if any(
            isinstance(node, ast.ImportFrom | ast.Import)
            and any(
                (n or "").split(".")[0] == "tests"
                for n in (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
            )
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert offending == []
