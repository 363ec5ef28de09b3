"""The import graph of the runtime: no module of bot/ imports, through any chain, a module that imports it."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.config import PROJECT_ROOT


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``) by its dotted name; a package is its __init__."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    """The modules of ``known`` that ``path`` imports anywhere (also inside functions and TYPE_CHECKING)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            # `from bot.knowledge import files` imports the module bot.knowledge.files, not only the package.
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}
    return {module for module in found if module in known and module != name}


def circles(root: Path, package: str) -> list[list[str]]:
    """The groups of modules that import each other (strongly connected components larger than one)."""
    known = modules(root, package)
    graph = {name: imports(path, name, known) for name, path in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_circle_in_the_runtime_package() -> None:
    assert circles(PROJECT_ROOT, "bot") == []


def test_a_circle_is_found_even_behind_type_checking(tmp_path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "a.py").write_text("from pkg.sub import b\n")
    (tmp_path / "pkg" / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nfrom pkg import c\n")
    (tmp_path / "pkg" / "c.py").write_text("if TYPE_CHECKING:\n    from .sub.a import x\n")
    (tmp_path / "pkg" / "d.py").write_text("import pkg.c\n")
    assert circles(tmp_path, "pkg") == [["pkg.c", "pkg.sub.a", "pkg.sub.b"]]
