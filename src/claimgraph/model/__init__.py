"""Records → RDF: stable IRIs, the dossier mapping, the shipped vocabulary, SHACL validation.

The names below are imported from their modules when first used (PEP 562), not with the package: SHACL validation
brings rdflib and pyshacl (about 70 ms), which a command that only reads IRIs (``iris``) need not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claimgraph.lazy import lazy_exports

if TYPE_CHECKING:
    from claimgraph.model.mapping import MappedDossier, map_dossier, revision_quads
    from claimgraph.model.validation import ValidationReport, Validator, Violation
    from claimgraph.model.vocabulary import Vocabulary, load_vocabulary

_FROM = {"MappedDossier": "mapping", "map_dossier": "mapping", "revision_quads": "mapping",
         "ValidationReport": "validation", "Validator": "validation", "Violation": "validation",
         "Vocabulary": "vocabulary", "load_vocabulary": "vocabulary"}

__all__ = ["MappedDossier", "ValidationReport", "Validator", "Violation", "Vocabulary", "load_vocabulary",
           "map_dossier", "revision_quads"]

__getattr__ = lazy_exports(__name__, _FROM)
