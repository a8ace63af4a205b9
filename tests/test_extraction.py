"""Reading claims: the seed's gold, the done-when queries, spelling variants, new names, negatives, and
arbitrary text (never raises)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimgraph.extract.claim_text import extract_claim, parse_setting
from claimgraph.interfaces.core import Claimgraph
from claimgraph.model import load_vocabulary
from claimgraph.services.evaluation import evaluate
from tests.conftest import ROOT, run_cli, select

LEXICON = load_vocabulary().lexicon
SEED_CLAIM = "https://w3id.org/claimgraph/id/dossier/training-methodology-frontier-shift/claim/"


def test_seed_gold_is_found_exactly() -> None:
    tallies = evaluate(sorted((ROOT / "seeds" / "gold").glob("*.gold.json")), LEXICON)
    for kind, tally in tallies.items():
        assert tally.misses == [] and tally.false == [], kind
        assert tally.gold > 0 or kind == "scores"


def test_real_dossiers_meet_the_bar() -> None:
    """Precision of at least 0.9 and recall of at least 0.85 for each kind on the real-data dossiers."""
    tallies = evaluate(sorted((ROOT / "seeds" / "real" / "gold").glob("*.gold.json")), LEXICON)
    for kind, tally in tallies.items():
        assert tally.precision >= 0.9, (kind, tally.false)
        assert tally.recall >= 0.85, (kind, tally.misses)
    assert tallies["scores"].gold >= 20 and tallies["comparisons"].gold >= 5


def test_eval_extraction_command() -> None:
    done = run_cli("eval-extraction", "--min-precision", "0.9", "--min-recall", "0.85")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scores" in done.stdout and "1.000" in done.stdout


def test_only_the_grok_claim_depends_on_aa_omniscience(seeded: Claimgraph) -> None:
    rows = select(seeded, 'SELECT ?c WHERE { ?c cg:dependsOn ?b . ?b rdfs:label "AA-Omniscience" }')
    assert rows == [{"c": SEED_CLAIM + "3"}]


@pytest.mark.parametrize(("position", "label"), [(1, "Flow-GRPO"), (1, "GPT-4o"), (2, "RLVR")])
def test_claims_depend_on_what_they_rest_on(seeded: Claimgraph, position: int, label: str) -> None:
    rows = select(seeded, "SELECT ?c ?label WHERE { ?c cg:dependsOn/rdfs:label ?label ; cg:position ?p }",
                  label=_lit(label))
    assert {r["c"] for r in rows} == {SEED_CLAIM + str(position)}


def test_grok_claim_holds_its_scores(seeded: Claimgraph) -> None:
    rows = select(seeded, """
        SELECT ?model ?bench ?value ?unit ?rank WHERE {
          ?s a cg:Score ; cg:assertedBy ?c ; cg:model/rdfs:label ?model ; cg:benchmark/rdfs:label ?bench ;
             cg:value ?value .
          ?c cg:position 3 .
          OPTIONAL { ?s cg:unit ?unit } OPTIONAL { ?s cg:rank ?rank }
          FILTER NOT EXISTS { ?s cg:model/rdfs:label ?other FILTER(?other > ?model) }
        }""")
    got = {(r["model"], r["bench"], r["value"], r.get("unit"), r.get("rank")) for r in rows}
    assert got == {
        ("Grok 4.20 Multi-Agent Beta", "AA-Omniscience", "78", "percent", None),
        ("Grok 4.20 Multi-Agent Beta", "Intelligence Index", "48", None, "8"),
        ("Gemini 3.1 Pro", "Intelligence Index", "57", None, None),
        ("Claude Opus 4.6", "Intelligence Index", "53", None, None),
    }


def test_statements_carry_rule_confidence_and_span(seeded: Claimgraph) -> None:
    rows = select(seeded, """
        SELECT ?rule ?confidence ?start ?end ?exact ?text WHERE {
          ?s a cg:Score ; cg:rank 8 ; cg:extractedBy ?rule ; cg:confidence ?confidence ; cg:assertedBy ?c ;
             oa:hasSelector [ oa:start ?start ; oa:end ?end ; oa:exact ?exact ] .
          ?c cg:text ?text .
        }""")
    (row,) = rows
    assert row["rule"] == "rank" and 0 < float(row["confidence"]) <= 1
    assert row["text"][int(row["start"]):int(row["end"])] == row["exact"] == \
        "Grok 4.20 ranks 8th on the Intelligence Index at 48"


def test_seed_is_still_shacl_valid_with_extraction(seeded: Claimgraph) -> None:
    assert seeded.validate().conforms


@pytest.mark.parametrize(("text", "expected"), [
    ("GPT4o scores 88.7% on AA-Omniscience (5-shot).", ("GPT-4o", "AA-Omniscience", Decimal("88.7"), "shots=5")),
    ("Qwen/Qwen2.5-72B-Instruct scores 86.1% on MMLU (5-shot, lm-eval-harness).",
     ("Qwen2.5-72B-Instruct", "MMLU", Decimal("86.1"), "shots=5;harness=lm-eval-harness")),
    ("Llama-3-8B achieved 79.6 on GSM8K (8-shot CoT).", ("Llama-3-8B", "GSM8K", Decimal("79.6"), "shots=8;cot=yes")),
])
def test_scores_in_other_shapes(text: str, expected: tuple[object, ...]) -> None:
    (score,) = extract_claim(text, LEXICON).scores
    model = LEXICON.preferred(score.model.key) if score.model.key else score.model.surface.split("/")[-1]
    bench = LEXICON.preferred(score.benchmark.key) if score.benchmark and score.benchmark.key else \
        score.benchmark.surface  # type: ignore[union-attr]
    assert (model, bench, score.value, score.setting.key()) == expected


def test_new_names_are_flagged_not_dropped() -> None:
    x = extract_claim("Zephyr-7B-beta was trained with DPO and ranks 2nd on the AlpacaEval leaderboard.", LEXICON)
    new = {(e.surface, e.kind) for e in x.entities if e.status == "new"}
    assert new == {("Zephyr-7B-beta", "Model"), ("DPO", "Method"), ("AlpacaEval", "Benchmark")}
    assert [(f.subject.surface, f.relation, f.object.surface) for f in x.facts] == [
        ("Zephyr-7B-beta", "trainedWith", "DPO")]
    assert [(s.rank, s.benchmark.surface) for s in x.scores] == [(2, "AlpacaEval")]  # type: ignore[union-attr]


def test_ambiguous_names_are_reported_not_guessed() -> None:
    from claimgraph.extract import Lexicon, LexiconEntry

    lexicon = Lexicon([LexiconEntry("m", "Model", ("Orion",)), LexiconEntry("b", "Benchmark", ("Orion",)),
                       LexiconEntry("x", "Benchmark", ("MATH",))])
    x = extract_claim("Orion scores 50% on MATH.", lexicon)
    assert [e.status for e in x.entities] == ["ambiguous", "known"]
    assert x.scores == ()  # the model is not guessed


@pytest.mark.parametrize("text", [
    "GPT-4o beats expectations.",                        # no second model: no comparison
    "The AA-Omniscience benchmark has 78 questions.",    # a number, but no model scoring it
    "Claude Opus 4.6 ranks among the best on the Intelligence Index.",  # no rank number
    "Scores of 57 and 53 were reported elsewhere.",
])
def test_nearby_negatives_give_no_scores_or_comparisons(text: str) -> None:
    x = extract_claim(text, LEXICON)
    assert x.scores == () and x.comparisons == ()


def test_setting_parsing() -> None:
    assert parse_setting("0-shot, no CoT, judge: gpt-4-turbo, v2").key() == \
        "shots=0;cot=no;judge=gpt-4-turbo;version=2"
    assert parse_setting("zero-shot").shots == 0
    assert parse_setting("").key() == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text: str) -> None:
    x = extract_claim(text, LEXICON)
    for item in (*x.entities, *x.scores, *x.comparisons, *x.facts):
        span = item.span
        assert 0 <= span.start <= span.end <= len(text) and text[span.start:span.end] == span.text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["GPT-4o", "beats", "Claude Opus 4.6", "on", "the", "AA-Omniscience", "scores",
                                 "78%", "ranks", "8th", "(57)", "and", ",", "trailing", "at", "48", "."]),
                max_size=30))
def test_claim_like_word_salad_never_raises(words: list[str]) -> None:
    text = " ".join(words)
    x = extract_claim(text, LEXICON)
    for item in (*x.scores, *x.comparisons):
        assert text[item.span.start:item.span.end] == item.span.text


def _lit(text: str):  # type: ignore[no-untyped-def]
    from pyoxigraph import Literal

    return Literal(text)


def test_explicit_block_replaces_the_guesses(graph: Claimgraph) -> None:
    from tests.conftest import DOSSIERS

    (result,), _ = graph.ingest([DOSSIERS / "explicit"])
    claim = "https://w3id.org/claimgraph/id/dossier/explicit-block-example/claim/1"
    rows = select(graph, "SELECT ?s ?rule ?conf WHERE { ?s cg:assertedBy ?c ; cg:extractedBy ?rule ; "
                         "cg:confidence ?conf } ORDER BY ?s")
    assert [(r["s"], r["rule"], r["conf"]) for r in rows] == [
        (claim + "#score", "explicit", "1"), (claim + "/block/1", "explicit", "1")]
    depends = {r["e"] for r in select(graph, "SELECT ?e WHERE { ?c cg:dependsOn ?e }")}
    assert depends == {"https://w3id.org/claimgraph/id/model/gpt-4o",
                       "https://w3id.org/claimgraph/id/model/claude-opus-4-6",
                       "https://w3id.org/claimgraph/id/benchmark/aa-omniscience"}
    # the words' "7.34 on MT-Bench" is not read again beside the block
    assert select(graph, "SELECT ?s WHERE { ?s cg:extractedBy ?r FILTER(?r != 'explicit') }") == []
    (again,), _ = graph.ingest([DOSSIERS / "explicit"])
    assert again.status == "unchanged"
    assert graph.validate().conforms


def test_a_bad_block_names_its_line_and_writes_nothing(graph: Claimgraph) -> None:
    from claimgraph.errors import DossierSyntaxError
    from tests.conftest import DOSSIERS

    with pytest.raises(DossierSyntaxError) as info:
        graph.ingest([DOSSIERS / "malformed" / "bad-block.md"])
    assert info.value.line == 9 and "Turtle" in info.value.message
    assert graph.store.count() == 0


def test_propositions_and_trends_of_the_seed(seeded: Claimgraph) -> None:
    rows = select(seeded, """SELECT ?label ?text ?polarity WHERE { ?p a cg:Proposition ; cg:about/rdfs:label ?label ;
                               cg:propertyText ?text ; cg:polarity ?polarity } ORDER BY ?label""")
    assert [(r["label"], r["text"], r["polarity"]) for r in rows] == [
        ("Jensen-Shannon", "guarantee monotonic policy improvement", "negative"),
        ("reverse KL", "guarantee monotonic policy improvement", "negative")]
    (trend,) = select(seeded, "SELECT ?x ?y ?sign WHERE { ?t a cg:Trend ; cg:xQuantity ?x ; cg:yQuantity ?y ; cg:sign ?sign }")
    assert trend == {"x": "intelligence", "y": "hallucination", "sign": "positive"}


@pytest.mark.parametrize(("text", "sign"), [("Larger models are more accurate.", "positive"),
                                            ("Smarter models hallucinate less.", "negative")])
def test_trend_signs(text: str, sign: str) -> None:
    (trend,) = extract_claim(text, LEXICON).trends
    assert trend.sign == sign


def test_positive_proposition() -> None:
    (p,) = extract_claim("Flow-GRPO guarantees stable credit assignment.", LEXICON).propositions
    assert (p.subject.surface, p.property, p.polarity) == ("Flow-GRPO", "stable credit assignment", "positive")


def test_parameter_count_and_architecture_describe_the_sentences_model() -> None:
    from claimgraph.extract.claim_text import extract_claim

    text = ("xAI's Grok 4.20 Multi-Agent Beta achieved 78% non-hallucination on the AA-Omniscience benchmark "
            "using four agents on a shared 500B-parameter MoE backbone. GPT-4o trails Gemini 3.1 Pro.")
    refs = {e.surface: dict(e.qualifiers) for e in extract_claim(text, LEXICON).entities}
    assert refs["Grok 4.20 Multi-Agent Beta"] == {"parameters": "500B", "architecture": "MoE"}
    assert refs["GPT-4o"] == {} and refs["Gemini 3.1 Pro"] == {}
    # a qualifier after another model describes that one, not the sentence's first
    other = extract_claim("GPT-4o beats Gemini 3.1 Pro, a 300B-parameter dense transformer.", LEXICON).entities
    assert all(dict(e.qualifiers) == {} for e in other if e.surface == "GPT-4o")
