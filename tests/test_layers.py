"""Data flows one way: extract → model → store → services → interfaces. A module imports only from its left."""

from __future__ import annotations

import ast
from pathlib import Path

import claimgraph

PACKAGE = Path(claimgraph.__file__).resolve().parent
ORDER = ["extract", "model", "store", "services", "interfaces"]
BASE = {"namespaces", "errors", "config", "resources", "__init__", "__main__"}


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "claimgraph" or len(parts) == 1:
        return None
    return ORDER.index(parts[1]) if parts[1] in ORDER else -1


def test_imports_flow_left_to_right() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        own = ORDER.index(rel.parts[0]) if rel.parts[0] in ORDER else -1
        if rel.parts[0] in BASE and own == -1 and rel.name not in BASE and len(rel.parts) == 1:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                layer = layer_of(name)
                if layer is not None and layer > own and not (rel.parts[0] == "__main__"):
                    wrong.append(f"{rel}: imports {name}")
    assert wrong == []


def test_base_modules_import_no_layer() -> None:
    for name in ("namespaces", "errors", "config", "resources"):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("claimgraph."):
                assert node.module.split(".")[1] not in ORDER, f"{name} imports {node.module}"


def test_rdflib_stays_in_validation() -> None:
    users = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if "import rdflib" in p.read_text()]
    assert users == ["model/validation.py"]
