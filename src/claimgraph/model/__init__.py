"""Records → RDF: stable IRIs, the dossier mapping, the shipped vocabulary, SHACL validation.

The names below are imported from their modules when first used (PEP 562), not with the package: SHACL validation
brings rdflib and pyshacl (about 70 ms), which a command that only reads IRIs (``iris``) need not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claimgraph.model.mapping import MappedDossier, map_dossier, revision_quads
    from claimgraph.model.validation import ValidationReport, Validator, Violation
    from claimgraph.model.vocabulary import Vocabulary, load_vocabulary

_FROM = {"MappedDossier": "mapping", "map_dossier": "mapping", "revision_quads": "mapping",
         "ValidationReport": "validation", "Validator": "validation", "Violation": "validation",
         "Vocabulary": "vocabulary", "load_vocabulary": "vocabulary"}

__all__ = ["MappedDossier", "ValidationReport", "Validator", "Violation", "Vocabulary", "load_vocabulary",
           "map_dossier", "revision_quads"]


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_FROM[name]}"), name)
    globals()[name] = value
    return value
