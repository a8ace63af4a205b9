"""Data flows one way: extract → model → store → services → interfaces. A module imports only from its left."""

from __future__ import annotations

import ast
from pathlib import Path

import claimgraph

PACKAGE = Path(claimgraph.__file__).resolve().parent
ORDER = ["extract", "model", "store", "services", "interfaces"]
BASE = {"namespaces", "errors", "config", "resources", "lazy", "__init__", "__main__"}


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
    for name in ("namespaces", "errors", "config", "resources", "lazy"):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("claimgraph."):
                assert node.module.split(".")[1] not in ORDER, f"{name} imports {node.module}"


def test_rdflib_stays_in_validation() -> None:
    users = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if "import rdflib" in p.read_text()]
    assert users == ["model/validation.py"]


def test_the_command_starts_without_shacl_or_networkx() -> None:
    """`claimgraph query` needs neither the dossier mapping's SHACL (rdflib, pyshacl) nor networkx: importing the
    command loads none of them (they cost it ~200 ms of start-up); the packages still give every name they list."""
    import subprocess
    import sys

    code = ("import sys, claimgraph.interfaces.cli; print(sorted(m for m in ('rdflib', 'pyshacl', 'networkx') "
            "if m in sys.modules)); import claimgraph.model as m, claimgraph.services.conflicts as c; "
            "print(all(getattr(m, n) for n in m.__all__), all(getattr(c, n) is not None for n in c.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == ["[]", "True True"], out
