"""Stable, readable IRIs for everything claimgraph mints.

A dossier's IRI comes from its canonical path (``/dossier/training-methodology-frontier-shift`` →
``…/id/dossier/training-methodology-frontier-shift``), or from its title when it has none; a claim's from
its dossier and its position. The same dossier therefore always maps to the same IRIs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from pyoxigraph import NamedNode

from claimgraph.namespaces import DATA

__all__ = ["slugify", "dossier_iri", "claim_iri", "claim_graph", "dossier_graph", "revisions_graph",
           "revision_iri", "event_iri", "entity_iri", "VOCABULARY_GRAPH", "AGENTS_GRAPH", "EXTRACTED_GRAPH", "ONTOLOGY_GRAPH", "CONFLICTS_GRAPH",
           "conflict_iri", "is_dossier_graph"]

VOCABULARY_GRAPH = NamedNode(DATA.iri + "graph/vocabulary")
AGENTS_GRAPH = NamedNode(DATA.iri + "graph/agents")
EXTRACTED_GRAPH = NamedNode(DATA.iri + "graph/extracted-entities")
ONTOLOGY_GRAPH = NamedNode("https://w3id.org/claimgraph/ns")
#: The conflicts between claims, as detected: derived data, recomputed from the claims' graphs.
CONFLICTS_GRAPH = NamedNode(DATA.iri + "graph/conflicts")


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 16)  # the same few names, minted again and again
def slugify(text: str) -> str:
    """Lower-case ASCII words joined by '-': 'Grok 4.20 Multi-Agent Beta' → 'grok-4-20-multi-agent-beta'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug or "x" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def dossier_iri(canonical_path: str | None, title: str) -> NamedNode:
    if canonical_path:
        segments = [slugify(s) for s in canonical_path.strip().strip("/").split("/") if s.strip()]
        if segments and segments[0] == "dossier":
            segments = segments[1:]
        if segments:
            return NamedNode(DATA.iri + "dossier/" + "/".join(segments))
    return NamedNode(DATA.iri + "dossier/" + slugify(title))


def dossier_graph(dossier: NamedNode) -> NamedNode:
    """The named graph holding a dossier's metadata and authorship."""
    return NamedNode(dossier.value + "/graph")


def revisions_graph(dossier: NamedNode) -> NamedNode:
    """The named graph holding every ingested revision of a dossier; never replaced, only added to."""
    return NamedNode(dossier.value + "/revisions")


def revision_iri(dossier: NamedNode, sha256: str, again: int = 0) -> NamedNode:
    """The revision of ``dossier`` with this content; ``again`` counts the earlier revisions with the same content
    (a dossier reverted to an earlier text is a new revision with that text)."""
    return NamedNode(f"{dossier.value}/revision/{sha256[:16]}" + (f"-{again}" if again else ""))


def claim_iri(dossier: NamedNode, position: int) -> NamedNode:
    return NamedNode(f"{dossier.value}/claim/{position}")


def claim_graph(claim: NamedNode) -> NamedNode:
    """The named graph holding what one claim asserts (nanopublication style)."""
    return NamedNode(claim.value + "/assertion")


def event_iri(claim: NamedNode, sequence: int) -> NamedNode:
    return NamedNode(f"{claim.value}/event/{sequence}")


def entity_iri(kind: str, name: str) -> NamedNode:
    """An entity minted from its kind and name: ('model', 'GPT-4o') → …/id/model/gpt-4o."""
    return NamedNode(f"{DATA.iri}{kind}/{slugify(name)}")


def conflict_iri(kind: str, statements: list[str]) -> NamedNode:
    """A conflict's IRI from its type and the statements it rests on: the same conflict, the same IRI."""
    digest = hashlib.sha256("\n".join([kind, *sorted(statements)]).encode("utf-8")).hexdigest()[:20]
    return NamedNode(f"{DATA.iri}conflict/{kind}/{digest}")


def is_dossier_graph(graph: NamedNode, dossier: NamedNode) -> bool:
    """Whether ``graph`` is one of the graphs that a dossier's ingest replaces (not its revisions)."""
    prefix = dossier.value + "/"
    return graph.value == prefix + "graph" or (graph.value.startswith(prefix + "claim/")
                                                and graph.value.endswith("/assertion"))
