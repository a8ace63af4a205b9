"""The ontology and the vocabulary of known entities, read from ``ontology/`` as quads and as a lexicon."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from claimgraph.errors import InputError
from claimgraph.extract.mentions import Lexicon, LexiconEntry
from claimgraph.model.iris import ONTOLOGY_GRAPH, VOCABULARY_GRAPH
from claimgraph.namespaces import CG, RDF, RDFS, SKOS
from claimgraph.resources import ONTOLOGY_FILE, VOCABULARY_FILE, ontology_dir

__all__ = ["Vocabulary", "load_vocabulary", "read_turtle", "ENTITY_KINDS"]

#: The entity classes a lexicon entry may have, most specific first.
ENTITY_KINDS = ("Model", "Method", "Benchmark", "Metric", "Organization", "Event")


def read_turtle(path: Path, graph: NamedNode) -> list[Quad]:
    """Parse a Turtle file into quads of ``graph``; a syntax error names the file and line."""
    try:
        return [Quad(t.subject, t.predicate, t.object, graph)
                for t in parse(path=str(path), format=RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class Vocabulary:
    """The shipped ontology and entity vocabulary: their quads (for the store) and the lexicon (for mentions)."""

    ontology_quads: tuple[Quad, ...]
    vocabulary_quads: tuple[Quad, ...]
    lexicon: Lexicon



def load_vocabulary(folder: Path | None = None) -> Vocabulary:
    folder = folder or ontology_dir()
    ontology = tuple(read_turtle(folder / ONTOLOGY_FILE, ONTOLOGY_GRAPH))
    vocabulary = tuple(read_turtle(folder / VOCABULARY_FILE, VOCABULARY_GRAPH))
    return Vocabulary(ontology, vocabulary, Lexicon(_entries(vocabulary)))


def _entries(quads: tuple[Quad, ...]) -> list[LexiconEntry]:
    kinds: dict[str, str] = {}
    pref: dict[str, list[str]] = {}
    alt: dict[str, list[str]] = {}
    rank = {CG[k].value: i for i, k in enumerate(ENTITY_KINDS)}
    for q in quads:
        s, p, o = q.subject.value, q.predicate, q.object
        if p == RDF.type and o.value in rank:
            current = kinds.get(s)
            if current is None or rank[o.value] < rank[CG[current].value]:
                kinds[s] = o.value.rsplit("#", 1)[1]
        elif p in (SKOS.prefLabel, RDFS.label):
            if o.value not in pref.setdefault(s, []):
                pref[s].append(o.value)
        elif p in (SKOS.altLabel, SKOS.hiddenLabel):
            alt.setdefault(s, []).append(o.value)
    return [LexiconEntry(iri, kind, tuple(pref.get(iri, [])) + tuple(alt.get(iri, [])))
            for iri, kind in sorted(kinds.items())]
