"""Every model, method, benchmark and organisation the seed names is a typed, labelled node, linked from
the claims that mention it."""

from __future__ import annotations

import pytest

from claimgraph.extract import Lexicon, LexiconEntry
from claimgraph.interfaces.core import Claimgraph
from tests.conftest import select

NAMED_IN_CLAIMS = [
    ("AgentFlow", "Model", 1), ("Flow-GRPO", "Method", 1), ("GPT-4o", "Model", 1), ("Lambda Labs", "Organization", 1),
    ("ICLR 2026", "Event", 1), ("DistIL", "Method", 2), ("RLVR", "Method", 2), ("self-distillation", "Method", 2),
    ("reverse KL", "Method", 2), ("Jensen-Shannon", "Method", 2), ("forward cross-entropy", "Method", 2),
    ("Grok 4.20 Multi-Agent Beta", "Model", 3), ("AA-Omniscience", "Benchmark", 3),
    ("Intelligence Index", "Benchmark", 3), ("Gemini 3.1 Pro", "Model", 3), ("Claude Opus 4.6", "Model", 3),
    ("xAI", "Organization", 3), ("non-hallucination rate", "Metric", 3),
]


@pytest.mark.parametrize(("label", "kind", "position"), NAMED_IN_CLAIMS)
def test_entity_typed_labelled_and_mentioned(seeded: Claimgraph, label: str, kind: str, position: int) -> None:
    rows = select(seeded, """SELECT ?e ?pos ?label ?type WHERE { ?e rdfs:label ?label ; a ?type .
                               OPTIONAL { ?c cg:mentions ?e ; cg:position ?pos } }""",
                  label=_lit(label), type=_cg(kind))
    assert rows, f"{label} is not a cg:{kind}"
    assert {int(r["pos"]) for r in rows if "pos" in r} == {position}


def test_underlying_model_is_a_model(seeded: Claimgraph) -> None:
    assert select(seeded, "SELECT ?m WHERE { ?m a cg:Model ; rdfs:label 'claude-opus-4-8' }")


def test_every_vocabulary_entry_has_a_source(seeded: Claimgraph) -> None:
    rows = select(seeded, """SELECT ?e WHERE { GRAPH ?g { ?e skos:inScheme ?s } FILTER NOT EXISTS {
                               GRAPH ?g { ?e dcterms:source ?src } } }""")
    assert rows == []


def test_longest_label_wins_and_no_overlap() -> None:
    lexicon = Lexicon([LexiconEntry("grok", "Model", ("Grok 4.20 Multi-Agent Beta", "Grok 4.20")),
                       LexiconEntry("grpo", "Method", ("GRPO",)), LexiconEntry("flow", "Method", ("Flow-GRPO",))])
    found = lexicon.find("Grok 4.20 Multi-Agent Beta and Grok 4.20 use Flow-GRPO, not GRPO; grokking is not Grok.")
    assert [(m.keys, m.surface) for m in found] == [
        (("grok",), "Grok 4.20 Multi-Agent Beta"), (("grok",), "Grok 4.20"), (("flow",), "Flow-GRPO"),
        (("grpo",), "GRPO")]


def test_ambiguous_label_is_reported_not_guessed() -> None:
    lexicon = Lexicon([LexiconEntry("a", "Model", ("Orion",)), LexiconEntry("b", "Benchmark", ("Orion",))])
    (mention,) = lexicon.find("Orion scored well")
    assert mention.ambiguous and set(mention.keys) == {"a", "b"}


def _lit(text: str):  # type: ignore[no-untyped-def]
    from pyoxigraph import Literal

    return Literal(text)


def _cg(name: str):  # type: ignore[no-untyped-def]
    from claimgraph.namespaces import CG

    return CG[name]
