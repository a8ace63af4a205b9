"""Statements an author writes explicitly inside a claim, as a fenced Turtle block:

    ### [evidence] Zephyr-7B-beta scores 7.34 on MT-Bench.

    ```turtle
    <#score> a cg:Score ; cg:model cgid:model\\/zephyr-7b-beta ; cg:benchmark cgid:benchmark\\/mt-bench ;
        cg:value 7.34 ; cg:unit "points" .
    ```

The block is taken as given (confidence 1) and replaces what the extractor would have guessed from the
claim's words. Inside it, ``<>`` is the claim itself and ``<#name>`` a node of the claim; the prefixes
cg, cgid, rdf, rdfs, xsd, skos, prov, dcterms, schema and oa are declared. Blank nodes are given stable
IRIs under the claim (``<claim>/block/1``), so re-ingesting the same text changes nothing.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from claimgraph.errors import DossierSyntaxError
from claimgraph.extract.records import StatementBlock
from claimgraph.namespaces import CG, PREFIXES, RDF, XSD

__all__ = ["block_quads"]

_PRELUDE = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in PREFIXES.items())
_PRELUDE_LINES = _PRELUDE.count("\n")
_STATEMENT_TYPES = {CG.Score, CG.Comparison, CG.MethodFact}


def block_quads(claim: NamedNode, graph: NamedNode, blocks: tuple[StatementBlock, ...], source: str) -> list[Quad]:
    """The quads of a claim's explicit blocks, for its named graph; a block that does not parse raises
    DossierSyntaxError at the line of the dossier where the error is."""
    quads: dict[Quad, None] = {}
    skolem: dict[str, NamedNode] = {}

    def stable(term: object) -> object:
        if isinstance(term, BlankNode):
            if term.value not in skolem:
                skolem[term.value] = NamedNode(f"{claim.value}/block/{len(skolem) + 1}")
            return skolem[term.value]
        return term

    for block in blocks:
        try:
            triples = list(ox.parse(_PRELUDE + block.text, format=ox.RdfFormat.TURTLE, base_iri=claim.value))
        except SyntaxError as exc:
            message = " ".join(str(exc).split())
            where = re.search(r"\bline (\d+)|\b(\d+):\d+", message)
            number = int(where.group(1) or where.group(2)) if where else _PRELUDE_LINES + 1
            line = block.line + max(1, number - _PRELUDE_LINES)
            detail = re.sub(r"^(?:Parser )?error at (?:line \d+(?: between columns \d+ and \d+)?|[\d:-]+):?\s*", "",
                            message)
            detail = re.sub(r"\s*\(line \d+\)$", "", detail)
            raise DossierSyntaxError(source, line, f"expected Turtle in the statement block: {detail}") from None
        for t in triples:
            quads[Quad(stable(t.subject), t.predicate, stable(t.object), graph)] = None  # type: ignore[arg-type]
    statements = {q.subject for q in quads if q.predicate == RDF.type and q.object in _STATEMENT_TYPES}
    extra: list[Quad] = []
    for node in statements:
        has = {q.predicate for q in quads if q.subject == node}
        if CG.assertedBy not in has:
            extra.append(Quad(node, CG.assertedBy, claim, graph))
        extra += [Quad(node, CG.extractedBy, Literal("explicit"), graph),
                  Quad(node, CG.confidence, Literal("1", datatype=XSD.decimal), graph)]
    if not any(q.subject == claim and q.predicate == CG.dependsOn for q in quads):
        for q in list(quads):
            if q.subject in statements and q.predicate in (CG.model, CG.benchmark, CG.comparedWith) and \
                    isinstance(q.object, NamedNode):
                extra.append(Quad(claim, CG.dependsOn, q.object, graph))
    for q in extra:
        quads[q] = None
    return list(quads)
