"""What the extractor read in a claim → RDF in the claim's named graph.

Each extracted thing is a node minted under the claim (``<claim>/score/1``, ``<claim>/comparison/1``,
``<claim>/fact/1``, ``<claim>/mention/1``) that records the rule that read it (``cg:extractedBy``), a
confidence, and the span of the claim text it came from as a W3C Web Annotation
``oa:TextPositionSelector`` (``oa:start``, ``oa:end``, ``oa:exact``). Method facts are also stated directly
(``<AgentFlow> cg:trainedWith <Flow-GRPO>``) so that queries need not go through the statement nodes.

Names the vocabulary lacks become entities of their own, marked ``cg:reviewStatus "new"``; they are
described once, in the shared graph of extracted entities, never repeated per claim.
"""

from __future__ import annotations

from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from claimgraph.extract.assertions import EntityRef, Extraction, Span
from claimgraph.extract.mentions import without_org
from claimgraph.model import iris
from claimgraph.namespaces import CG, OA, RDF, RDFS, XSD

__all__ = ["extraction_quads", "entity_node", "FACT_RELATIONS"]

FACT_RELATIONS = ("trainedWith", "presentedAt", "presentedBy", "proposedBy", "usesObjective", "improvesOver",
                  "variantOf")


def entity_node(ref: EntityRef) -> NamedNode | None:
    """The IRI of what a name refers to: its vocabulary entity, or a new entity minted from kind and name."""
    if ref.status == "known" and ref.key:
        return NamedNode(ref.key)
    if ref.status == "new":
        # an "org/" prefix does not make another entity: Qwen/Qwen2.5-72B-Instruct = Qwen2.5-72B-Instruct
        return iris.entity_iri(ref.kind.lower(), without_org(ref.surface))
    return None


def _decimal(value: Decimal | float) -> Literal:
    # the canonical form ("78", not "78.0"): the store keeps decimals canonical, and a re-ingest compares
    # what it would write with what the store holds
    return Literal(format(Decimal(str(value)).normalize(), "f"), datatype=XSD.decimal)


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


class _Out:
    def __init__(self, graph: NamedNode) -> None:
        self.graph = graph
        self.items: dict[Quad, None] = {}

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal | None, graph: NamedNode | None = None) -> None:
        if o is not None:
            self.items[Quad(s, p, o, graph or self.graph)] = None

    def statement(self, claim: NamedNode, kind: str, n: int, cls: NamedNode) -> NamedNode:
        """A node for the n-th statement of a kind read in ``claim``, typed and linked to the claim."""
        node = NamedNode(f"{claim.value}/{kind}/{n}")
        self.add(node, RDF.type, cls)
        self.add(node, CG.assertedBy, claim)
        return node

    def provenance(self, node: NamedNode, claim: NamedNode, span: Span, rule: str, confidence: float) -> None:
        selector = NamedNode(node.value + "/selector")
        self.add(node, CG.extractedBy, Literal(rule))
        self.add(node, CG.confidence, _decimal(confidence))
        self.add(node, OA.hasSource, claim)
        self.add(node, OA.hasSelector, selector)
        self.add(selector, RDF.type, OA.TextPositionSelector)
        self.add(selector, OA.start, _integer(span.start))
        self.add(selector, OA.end, _integer(span.end))
        self.add(selector, OA.exact, Literal(span.text))


def extraction_quads(claim: NamedNode, graph: NamedNode, extraction: Extraction) -> tuple[list[Quad], list[Quad]]:
    """(quads for the claim's graph, quads for the shared graph of new entities)."""
    out = _Out(graph)
    shared = _Out(iris.EXTRACTED_GRAPH)
    for ref in extraction.entities:
        node = entity_node(ref)
        if ref.status == "new" and node is not None:
            kind = ref.kind if ref.kind in ("Model", "Method", "Benchmark", "Metric", "Organization", "Event") else None
            if kind:
                shared.add(node, RDF.type, CG[kind])
            shared.add(node, RDFS.label, Literal(ref.surface))
            shared.add(node, CG.reviewStatus, Literal("new"))
    for n, ref in enumerate(extraction.entities, start=1):
        node = entity_node(ref)
        mention = NamedNode(f"{claim.value}/mention/{n}")
        out.add(claim, CG.mention, mention)
        out.add(mention, RDF.type, CG.Mention)
        out.add(mention, CG.reviewStatus, Literal(ref.status))
        out.add(mention, OA.hasBody, node)
        for candidate in ref.candidates if ref.status == "ambiguous" else ():
            out.add(mention, CG.candidate, NamedNode(candidate))
        for name, value in ref.qualifiers:
            out.add(mention, CG[name], Literal(value))
        out.provenance(mention, claim, ref.span, "vocabulary" if ref.status != "new" else "new-name", 1.0
                       if ref.status == "known" else 0.6)
        if node is not None:
            out.add(claim, CG.mentions, node)
    for n, score in enumerate(extraction.scores, start=1):
        node = out.statement(claim, "score", n, CG.Score)
        out.add(node, CG.model, entity_node(score.model))
        out.add(node, CG.benchmark, entity_node(score.benchmark) if score.benchmark else None)
        out.add(node, CG.metric, entity_node(score.metric_ref) if score.metric_ref else None)
        out.add(node, CG.metricLabel, Literal(score.metric) if score.metric else None)
        out.add(node, CG.value, _decimal(score.value) if score.value is not None else None)
        out.add(node, CG.unit, Literal(score.unit) if score.unit else None)
        out.add(node, CG.rank, _integer(score.rank) if score.rank is not None else None)
        out.add(node, CG.setting, Literal(score.setting.key()))
        setting = score.setting
        out.add(node, CG.shots, _integer(setting.shots) if setting.shots is not None else None)
        out.add(node, CG.chainOfThought, Literal("true" if setting.chain_of_thought else "false", datatype=XSD.boolean)
                if setting.chain_of_thought is not None else None)
        out.add(node, CG.judge, Literal(setting.judge) if setting.judge else None)
        out.add(node, CG.benchmarkVersion, Literal(setting.version) if setting.version else None)
        out.add(node, CG.harness, Literal(setting.harness) if setting.harness else None)
        out.add(node, CG.superlative, Literal(score.superlative) if score.superlative else None)
        out.provenance(node, claim, score.span, score.rule, score.confidence)
    for n, comparison in enumerate(extraction.comparisons, start=1):
        node = out.statement(claim, "comparison", n, CG.Comparison)
        out.add(node, CG.model, entity_node(comparison.subject))
        out.add(node, CG.comparedWith, entity_node(comparison.object))
        out.add(node, CG.direction, Literal(comparison.direction))
        out.add(node, CG.benchmark, entity_node(comparison.benchmark) if comparison.benchmark else None)
        out.add(node, CG.domain, Literal(comparison.domain) if comparison.domain else None)
        out.provenance(node, claim, comparison.span, comparison.rule, comparison.confidence)
    for n, fact in enumerate(extraction.facts, start=1):
        subject, value = entity_node(fact.subject), entity_node(fact.object)
        if subject is None or value is None:
            continue
        out.add(subject, CG[fact.relation], value)
        node = out.statement(claim, "fact", n, CG.MethodFact)
        out.add(node, RDF.subject, subject)
        out.add(node, RDF.predicate, CG[fact.relation])
        out.add(node, RDF.object, value)
        out.provenance(node, claim, fact.span, fact.rule, fact.confidence)
    for n, proposition in enumerate(extraction.propositions, start=1):
        node = out.statement(claim, "proposition", n, CG.Proposition)
        out.add(node, CG.about, entity_node(proposition.subject))
        out.add(node, CG.propertyText, Literal(proposition.property))
        out.add(node, CG.polarity, Literal(proposition.polarity))
        out.provenance(node, claim, proposition.span, proposition.rule, proposition.confidence)
    for n, trend in enumerate(extraction.trends, start=1):
        node = out.statement(claim, "trend", n, CG.Trend)
        out.add(node, CG.xQuantity, Literal(trend.x))
        out.add(node, CG.yQuantity, Literal(trend.y))
        out.add(node, CG.sign, Literal(trend.sign))
        out.provenance(node, claim, trend.span, trend.rule, trend.confidence)
    for ref in extraction.depends_on():
        out.add(claim, CG.dependsOn, entity_node(ref))
    return list(out.items), list(shared.items)
