"""The package's import graph has no cycle, imports inside functions included.

Every ``import`` and ``from … import`` of ``src/supplyscreen`` is read from the source (AST), those
inside functions too; only imports under ``if TYPE_CHECKING:`` are left out, since they never run.
An edge goes from a module to the most specific module it names (``from supplyscreen.names import
score`` is an edge to ``supplyscreen.names.score``; ``from supplyscreen.names import Matcher`` one to
``supplyscreen.names``), and to every package above it that is not one of the importer's own (importing
``supplyscreen.screen.policy`` runs ``supplyscreen/screen/__init__.py`` first). A strongly connected
group of more than one module is a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
from conftest import REPO

SRC = REPO / "src"


def _modules() -> dict[str, tuple[Path, bool]]:
    modules: dict[str, tuple[Path, bool]] = {}
    for path in sorted((SRC / "supplyscreen").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def _imported(node: ast.AST, package: str, modules: dict[str, tuple[Path, bool]]) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    else:
        return []
    found = []
    for name in names:
        while name not in modules and "." in name:
            name = name.rpartition(".")[0]
        if name in modules:
            found.append(name)
    return found


def import_graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = _type_checking_only(tree)
        package = module if is_package else module.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            for target in _imported(node, package, modules):
                while target and target != module and not module.startswith(target + "."):
                    graph.add_edge(module, target)
                    target = target.rpartition(".")[0]
    return graph


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert graph.number_of_nodes() > 100
    # a module-level and a function-level import are both edges
    assert graph.has_edge("supplyscreen.screen.run", "supplyscreen.screen.changes")
    assert graph.has_edge("supplyscreen.cases.hooks", "supplyscreen.cases.casebook")  # inside a function
    # importing a module runs the packages above it that are not the importer's own
    assert graph.has_edge("supplyscreen.names.matcher", "supplyscreen.screen")
    assert not graph.has_edge("supplyscreen.screen.run", "supplyscreen.screen")


def test_no_import_cycle() -> None:
    graph = import_graph()
    cycles = [sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1]
    described = [" -> ".join(nx.find_cycle(graph.subgraph(group))[0]) for group in cycles]
    assert not cycles, f"import cycles among: {cycles}; e.g. {described}"


def test_a_cycle_is_found_when_there_is_one() -> None:
    graph = import_graph()
    graph.add_edge("supplyscreen.settings", "supplyscreen.cases.hooks")  # hooks imports settings
    assert any(len(group) > 1 for group in nx.strongly_connected_components(graph))


def test_no_module_is_over_600_lines() -> None:
    """A module that grows past 600 lines holds more than one concern: split it along its seams."""
    long = {
        str(path.relative_to(SRC)): n
        for path in (SRC / "supplyscreen").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert not long, f"modules over 600 lines: {long}"
