"""The import graph (every import statement, lazy ones inside functions included) has no cycles and points one
way: market → analysis → retrieval → ingest → answer → engine → edges (CLI, API, web, eval).

Read from the source with `ast`, so it costs milliseconds and catches an import that only runs on some path.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest", "eval", "prompts")
GENERATED = ("eval/snapshots",)  # scenario generators: scripts over the whole stack, outside the layering

# Lowest layer first; a module may import only from its own layer or below. Longest prefix wins; the package
# root `assistant` names only its own __init__, so a new top-level module must be placed here explicitly.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "assistant",
        "assistant.errors",
        "assistant.config",
        "assistant.caveats",
        "assistant.private_cache",
        "prompts",
    ),
    ("assistant.market",),
    ("assistant.analysis",),
    ("assistant.retrieval",),
    ("ingest",),
    ("assistant.answer", "assistant.conversation", "assistant.conversation_redis", "assistant.render"),
    ("assistant.engine",),
    ("assistant.cli", "assistant.api", "assistant.web", "assistant.mcp_server", "eval"),
)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if any(rel.as_posix().startswith(g) for g in GENERATED):
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Project modules `module` imports anywhere in its body (resolved to the longest known module name)."""
    out: set[str] = set()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package[: len(package) - node.level + 1]
                base = ".".join([*stem, base] if base else stem)
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                out.add(name)  # a package's own __init__ is not an edge of its submodules
    return out


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {m: _imports(m, p, known) for m, p in known.items()}


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            covers = module == prefix or (prefix != "assistant" and module.startswith(prefix + "."))
            if covers and len(prefix) > best:
                best, rank = len(prefix), i
    return rank


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return _graph()


def test_the_graph_is_read(graph) -> None:
    assert "assistant.engine" in graph["assistant.cli.answer_commands"]
    assert "assistant.market.frames" in graph["assistant.answer.tools.toolbox"]


def test_no_import_cycles(graph) -> None:
    assert _cycles(graph) == []


def test_a_cycle_is_detected() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_module_has_a_layer(graph) -> None:
    assert [m for m in graph if _layer(m) < 0] == []


def test_imports_point_down_the_layers(graph) -> None:
    upward = sorted(f"{m} -> {n}" for m, targets in graph.items() for n in targets if _layer(n) > _layer(m))
    assert upward == []
