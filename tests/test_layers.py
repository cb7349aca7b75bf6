"""The package's layers: a module imports only from its own layer or lower ones, and no import
cycle exists anywhere, counting every import (type-only and function-level ones included).

The layers, low to high, are the subpackages of ``validator``; the top modules (the CLI, the
configuration, the pytest plugin, the public API) stand above them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "validator"
LAYERS = ("model", "catalog", "reading", "protocols", "engine", "reporting", "tools")
TOP = len(LAYERS)


def module_name(path: Path) -> str:
    parts = ["validator", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return TOP


def _layer_name(module: str) -> str:
    layer = layer_of(module)
    return LAYERS[layer] if layer < TOP else "top"


def imports_of(path: Path, module: str, known: set[str]) -> set[str]:
    """Every package module ``path`` imports, wherever the import statement stands."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            # "from pkg import name": name may be a submodule or an attribute of pkg.
            names = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in known else origin for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


GRAPH = {name: imports_of(path, name, set(modules())) for name, path in modules().items()}


def test_the_layers_are_the_packages() -> None:
    for layer in LAYERS:
        assert (ROOT / layer / "__init__.py").is_file(), f"validator/{layer}/ is not a package"


def test_every_package_folder_is_a_regular_package() -> None:
    # A folder of modules without __init__.py still imports (a namespace package), so nothing
    # else would notice one missing; a wheel or a tool that walks packages may then skip it.
    folders = {p.parent for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").is_file())
    assert not missing, missing


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_upward_import(module: str) -> None:
    upward = sorted(
        f"{target} ({_layer_name(target)})" for target in GRAPH[module] if layer_of(target) > layer_of(module)
    )
    assert not upward, (
        f"{module} ({LAYERS[layer_of(module)] if layer_of(module) < TOP else 'top'}) imports {upward}"
    )


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle() -> None:
    assert _cycles(GRAPH) == []


def test_the_checks_find_what_they_look_for() -> None:
    # The test above must be able to fail: a made-up graph with a cycle and an upward import.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("validator.model.findings") < layer_of("validator.engine.stream") < TOP


def test_every_protocol_is_in_the_catalog_and_the_registry() -> None:
    from validator.catalog import DEFAULT_PROTOCOL, PROTOCOL_PROFILES, RULES
    from validator.catalog.rule import PROTOCOL_PREFIXES
    from validator.protocols import DEFAULT, PROTOCOLS

    assert set(PROTOCOLS) == set(PROTOCOL_PROFILES)
    assert DEFAULT.name == DEFAULT_PROTOCOL
    for name, protocol in PROTOCOLS.items():
        assert protocol.profiles == PROTOCOL_PROFILES[name]
        assert PROTOCOL_PREFIXES[protocol.rule_prefix] == name
        assert any(r.protocol == name for r in RULES.values()), f"{name} has no rules"
