"""Where the files claimgraph ships live: the ontology, the SHACL shapes and the entity vocabulary.

In a source checkout they are in ``ontology/`` at the top of the repository; an installed wheel carries
them as ``claimgraph/ontology``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

__all__ = ["ontology_dir", "claim_context", "ONTOLOGY_FILE", "SHAPES_FILE", "VOCABULARY_FILE", "CONTEXT_FILE",
           "CONTEXT_IRI"]

ONTOLOGY_FILE = "claimgraph.ttl"
SHAPES_FILE = "shapes.ttl"
VOCABULARY_FILE = "vocabulary.ttl"
#: The JSON-LD context of JSON claims, and where it is published (a served claimgraph answers it at /context.jsonld).
CONTEXT_FILE = "context.jsonld"
CONTEXT_IRI = "https://w3id.org/claimgraph/context.jsonld"


def ontology_dir() -> Path:
    """The folder holding the ontology files; raises FileNotFoundError when the install is broken."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "ontology", here.parents[1] / "ontology"):
        if (candidate / ONTOLOGY_FILE).is_file():
            return candidate
    raise FileNotFoundError("claimgraph's ontology files are missing from this installation")


@lru_cache(maxsize=1)
def claim_context() -> dict[str, object]:
    """The JSON-LD context of JSON claims (the ``@context`` member of the shipped file)."""
    return json.loads((ontology_dir() / CONTEXT_FILE).read_text(encoding="utf-8"))["@context"]  # type: ignore[no-any-return]
