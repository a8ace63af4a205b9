"""Records → RDF: stable IRIs, the dossier mapping, the shipped vocabulary, SHACL validation."""

from claimgraph.model.mapping import MappedDossier, map_dossier, revision_quads
from claimgraph.model.validation import ValidationReport, Validator, Violation
from claimgraph.model.vocabulary import Vocabulary, load_vocabulary

__all__ = ["MappedDossier", "ValidationReport", "Validator", "Violation", "Vocabulary", "load_vocabulary",
           "map_dossier", "revision_quads"]
