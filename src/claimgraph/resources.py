"""Where the files claimgraph ships live: the ontology, the SHACL shapes and the entity vocabulary.

In a source checkout they are in ``ontology/`` at the top of the repository; an installed wheel carries
them as ``claimgraph/ontology``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ontology_dir", "ONTOLOGY_FILE", "SHAPES_FILE", "VOCABULARY_FILE"]

ONTOLOGY_FILE = "claimgraph.ttl"
SHAPES_FILE = "shapes.ttl"
VOCABULARY_FILE = "vocabulary.ttl"


def ontology_dir() -> Path:
    """The folder holding the ontology files; raises FileNotFoundError when the install is broken."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "ontology", here.parents[1] / "ontology"):
        if (candidate / ONTOLOGY_FILE).is_file():
            return candidate
    raise FileNotFoundError("claimgraph's ontology files are missing from this installation")
