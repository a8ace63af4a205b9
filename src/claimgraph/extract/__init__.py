"""Sources → plain records. Nothing here knows RDF."""

from claimgraph.extract.dossier import parse_dossier, read_dossier
from claimgraph.extract.mentions import Lexicon, LexiconEntry, Mention
from claimgraph.extract.records import Authorship, ClaimRecord, DossierRecord, ProvenanceEntry

__all__ = [
    "Authorship",
    "ClaimRecord",
    "DossierRecord",
    "Lexicon",
    "LexiconEntry",
    "Mention",
    "ProvenanceEntry",
    "parse_dossier",
    "read_dossier",
]
