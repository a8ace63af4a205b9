"""Conflict detection: each detector on a positive case and on the nearby case it must not flag; the
conflicts graph kept incrementally equal to a full recomputation; the dry run writes nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from claimgraph.config import Settings
from claimgraph.errors import DossierSyntaxError, InputError
from claimgraph.interfaces.core import Claimgraph
from claimgraph.model import iris
from claimgraph.services.conflicts import ConflictFilter

from .conftest import REAL, SEED, run_cli

GROK_RANK = "Grok 4.20 Multi-Agent Beta ranks {rank} on the Intelligence Index at 48"


def dossier(tmp: Path, slug: str, *claims: tuple[str, str, str] | tuple[str, str, str, str]) -> Path:
    """Write a dossier whose claims are (stance, text, date[, later action line]) and return its path."""
    lines = [f"# Test dossier {slug}", "", "- **status:** seedling  ·  **importance:** 3/10",
             f"- **canonical:** /dossier/{slug}", "", "## Claims", ""]
    for stance, text, when, *later in claims:
        lines += [f"### [{stance}] {text}", "", "**Provenance history** (how this claim ripened):",
                  f"- `{when}` **asserted as {stance}** — First asserted."]
        lines += [later[0]] if later else []
        lines.append("")
    path = tmp / f"{slug}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def types(conflicts: list) -> list[str]:  # type: ignore[type-arg]
    return [c.type for c in conflicts]


def conflicts_graph(graph: Claimgraph) -> set[object]:
    return set(graph.store.quads(iris.CONFLICTS_GRAPH))


@pytest.fixture
def strict() -> Claimgraph:
    """No tolerance beyond rounding."""
    with Claimgraph(Settings(store="memory:", score_tolerance=0, score_relative_tolerance=0)) as g:
        yield g


# -- the seed and the real dossiers --------------------------------------------------------------------

def test_the_seed_holds_no_conflict(seeded: Claimgraph) -> None:
    found, _ = seeded.list_conflicts()
    assert found == []
    assert seeded.conflicts.current()


def test_real_dossiers_flag_disagreeing_sources_but_not_different_harnesses(graph: Claimgraph) -> None:
    graph.ingest([SEED, REAL])
    found, facts = graph.list_conflicts()
    flagged = set()
    for conflict in found:
        evidence = conflict.to_json(facts)["evidence"]
        flagged.add((conflict.type, evidence[0]["model_label"], evidence[0].get("benchmark_label")))
        settings = {e["setting"] for e in evidence if e["kind"] == "score"}
        assert len(settings) <= 1, conflict.explanation  # never two settings in one conflict
    assert flagged == {
        # one model, one setting, different figures from different sources
        ("score-disagreement", "Falcon-7B", "MMLU"),  # 35.0 (Falcon2-11B report) vs 26.2 (Llama 2 paper)
        ("score-disagreement", "Mistral-7B-v0.1", "MMLU"),  # 62.5 / 60.1 / 56.6, all 5-shot
        ("score-disagreement", "Mistral-7B-v0.1", "GSM8K"),  # 50.0 (Mixtral paper) vs 35.4 (Nemotron-4 report)
        ("score-disagreement", "Llama-2-70B", "GSM8K"),  # 56.8 / 69.6 / 63.3, all 8-shot
        ("score-disagreement", "LLaMA-65B", "MMLU"),  # the Open LLM Leaderboard: 48.8 in May 2023, 63.4 in July
        ("score-disagreement", "Falcon-40B", "MMLU"),  # 52.7 then 57.0 on the same leaderboard
        ("comparison-cycle", "Falcon-40B", "MMLU"),  # and the order of the two flipped
    }
    # LLaMA-65B's MMLU is 63.7 under HELM and 48.8 under the harness: two settings, not a conflict between them
    assert not any("harness=" in e.get("setting", "") for c in found for e in c.to_json(facts)["evidence"])


# -- score-disagreement --------------------------------------------------------------------------------

def test_score_disagreement_between_two_claims(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 57.0% on MMLU (5-shot).", "2024-01-10")),
                  dossier(tmp_path, "b", ("evidence", "Falcon-40B scores 52.7% on MMLU (5-shot).", "2024-02-10"))])
    found, facts = graph.list_conflicts()
    assert types(found) == ["score-disagreement"]
    body = found[0].to_json(facts)
    assert len(body["claims"]) == 2 and body["severity"] == "medium"
    assert sorted(e["value"] for e in body["evidence"]) == [52.7, 57]
    assert "Falcon-40B" in body["explanation"] and "4.3 points" in body["explanation"]


def test_scores_under_different_settings_are_not_comparable(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 57.0% on MMLU (5-shot).", "2024-01-10")),
                  dossier(tmp_path, "b", ("evidence", "Falcon-40B scores 52.7% on MMLU (0-shot).", "2024-02-10"))])
    assert graph.list_conflicts()[0] == []


def test_fraction_and_percent_are_one_scale(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 57.1% on MMLU (5-shot).", "2024-01-10"))])
    same = {"assertions": {"scores": [{"model": "Falcon-40B", "benchmark": "MMLU", "value": 0.571, "unit": "fraction",
                                       "shots": 5}]}}
    assert graph.check(same)[0] == []
    other = {"assertions": {"scores": [{"model": "Falcon-40B", "benchmark": "MMLU", "value": 0.52, "unit": "fraction",
                                        "shots": 5}]}}
    assert types(graph.check(other)[0]) == ["score-disagreement"]


def test_rounding_is_not_a_disagreement(strict: Claimgraph, tmp_path: Path) -> None:
    strict.ingest([dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 82.46% on MMLU (5-shot).", "2024-01-10"))])
    assert strict.check("Falcon-40B scores 82.5% on MMLU (5-shot).")[0] == []
    assert types(strict.check("Falcon-40B scores 82.6% on MMLU (5-shot).")[0]) == ["score-disagreement"]


# -- comparison-contradicted ---------------------------------------------------------------------------

def test_comparison_contradicted_by_scores(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([dossier(tmp_path, "a", ("evidence", "LLaMA-65B scores 68.9% on MMLU (5-shot).", "2024-01-10"),
                          ("evidence", "Falcon-40B scores 55.4% on MMLU (5-shot).", "2024-01-10"))])
    found, facts = graph.check("Falcon-40B outperforms LLaMA-65B on MMLU.")
    assert types(found) == ["comparison-contradicted"]
    kinds = [e["kind"] for e in found[0].to_json(facts)["evidence"]]
    assert kinds == ["comparison", "score", "score"]
    assert graph.check("LLaMA-65B outperforms Falcon-40B on MMLU.")[0] == []
    assert graph.check("Falcon-40B outperforms LLaMA-65B on GSM8K.")[0] == []  # no scores there


# -- comparison-cycle ----------------------------------------------------------------------------------

def test_comparison_cycle(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([dossier(tmp_path, "a", ("evidence", "LLaMA-7B beats LLaMA-13B on GSM8K.", "2024-01-10")),
                  dossier(tmp_path, "b", ("evidence", "LLaMA-13B outperforms LLaMA-30B on GSM8K.", "2024-01-11"))])
    assert graph.list_conflicts()[0] == []
    found, _ = graph.check("LLaMA-30B beats LLaMA-7B on GSM8K.")
    assert types(found) == ["comparison-cycle"] and len(found[0].claims) == 3
    assert "LLaMA-13B > LLaMA-30B > LLaMA-7B > LLaMA-13B" in found[0].explanation
    assert graph.check("LLaMA-7B beats LLaMA-30B on GSM8K.")[0] == []
    assert graph.check("LLaMA-30B beats LLaMA-7B on MMLU.")[0] == []  # another benchmark: no chain


# -- rank-inconsistent ---------------------------------------------------------------------------------

def test_rank_inconsistent_with_the_seed(seeded: Claimgraph) -> None:
    found, facts = seeded.check({"text": GROK_RANK.format(rank="1st")})
    assert types(found) == ["rank-inconsistent"]
    evidence = found[0].to_json(facts)["evidence"]
    assert sorted(e["value"] for e in evidence[1:]) == [53, 57]
    assert "3rd at best" in found[0].explanation
    assert seeded.check({"text": GROK_RANK.format(rank="3rd")})[0] == []
    # a rank stated before the higher scores were recorded is not contradicted by them
    assert seeded.check({"text": GROK_RANK.format(rank="1st"), "date": "2026-01-01"})[0] == []


# -- superlative-contradicted --------------------------------------------------------------------------

def test_superlative_contradicted_only_by_an_earlier_higher_score(seeded: Claimgraph) -> None:
    text = "Gemini 3.1 Pro achieved 81% non-hallucination on the AA-Omniscience benchmark."
    found, _ = seeded.check({"text": text, "date": "2026-03-01"})
    assert types(found) == ["superlative-contradicted"]
    assert "highest ever recorded" in found[0].explanation
    assert seeded.check({"text": text, "date": "2026-09-01"})[0] == []
    lower = "Gemini 3.1 Pro achieved 71% non-hallucination on the AA-Omniscience benchmark."
    assert seeded.check({"text": lower, "date": "2026-03-01"})[0] == []


# -- proposition-contradicted --------------------------------------------------------------------------

def test_proposition_with_opposite_polarity(seeded: Claimgraph) -> None:
    found, _ = seeded.check("Objectives based on reverse KL guarantee monotonic policy improvement.")
    assert types(found) == ["proposition-contradicted"]
    assert seeded.check("Objectives based on reverse KL guarantee stable training.")[0] == []


def test_trend_reversed(seeded: Claimgraph) -> None:
    found, _ = seeded.check("Across the leaderboard, smarter models hallucinate less.")
    assert types(found) == ["proposition-contradicted"]
    assert seeded.check("Across the leaderboard, smarter models hallucinate more.")[0] == []


AA = "{model} achieved {value}% non-hallucination on the AA-Omniscience benchmark."
II = "{model} scores {value} on the Intelligence Index."


def landscape(tmp: Path, rates: dict[str, int], slug: str = "aa") -> Path:
    """A dossier of non-hallucination rates, plus GPT-4o's Intelligence Index score (the seed holds the others)."""
    claims = [("evidence", AA.format(model=m, value=v), "2026-07-01") for m, v in rates.items()]
    return dossier(tmp, slug, ("evidence", II.format(model="GPT-4o", value=40), "2026-07-01"), *claims)


def test_trend_contradicted_by_the_scores_in_the_graph(seeded: Claimgraph, tmp_path: Path) -> None:
    # the seed says smarter models hallucinate more; here the smarter ones hallucinate less (Intelligence Index
    # 57, 53, 48, 40 against non-hallucination 85, 80, 78 (the seed's), 60)
    seeded.ingest([landscape(tmp_path, {"Gemini 3.1 Pro": 85, "Claude Opus 4.6": 80, "GPT-4o": 60})])
    found, facts = seeded.list_conflicts()
    assert types(found) == ["proposition-contradicted"]
    trend = "https://w3id.org/claimgraph/id/dossier/training-methodology-frontier-shift/claim/3"
    assert trend in found[0].claims and len(found[0].claims) == 5
    assert "+1.00" in found[0].explanation and "measures hallucination inversely" in found[0].explanation
    evidence = found[0].to_json(facts)["evidence"]
    assert sorted(e["kind"] for e in evidence) == ["score"] * 8 + ["trend"]
    assert {e["model_label"] for e in evidence if e["kind"] == "score"} == {"Gemini 3.1 Pro", "Claude Opus 4.6", "GPT-4o",
                                                        "Grok 4.20 Multi-Agent Beta"}
    incremental = conflicts_graph(seeded)
    with seeded.store.write_lock:
        seeded.conflicts.recompute()
    assert conflicts_graph(seeded) == incremental
    # scores that agree with the trend, or too few models to say, contradict nothing; again as a full recompute would
    for rates in ({"Gemini 3.1 Pro": 60, "Claude Opus 4.6": 70, "GPT-4o": 85}, {"Gemini 3.1 Pro": 85, "Claude Opus 4.6": 80}):
        seeded.ingest([landscape(tmp_path, rates)])
        assert seeded.list_conflicts()[0] == []
        incremental = conflicts_graph(seeded)
        with seeded.store.write_lock:
            seeded.conflicts.recompute()
        assert conflicts_graph(seeded) == incremental
    # the fourth model's rate, proposed, would make the contradiction: a check says so before it is written
    proposal = {"text": AA.format(model="GPT-4o", value=60), "date": "2026-07-02"}
    assert types(seeded.check(proposal)[0]) == ["proposition-contradicted"]
    # and so does a proposed trend against the scores held
    seeded.ingest([landscape(tmp_path, {"Gemini 3.1 Pro": 85, "Claude Opus 4.6": 80, "GPT-4o": 60})])
    assert types(seeded.check("Across the leaderboard, smarter models hallucinate more.")[0]) == \
        ["proposition-contradicted"]
    # the opposite trend agrees with the scores (it still contradicts the seed's claim, which says the reverse)
    honest = seeded.check("Across the leaderboard, smarter models are more honest.")[0]
    assert len(honest) == 1 and "scores in the graph" not in honest[0].explanation


def test_scores_under_another_setting_do_not_speak_for_a_trend(seeded: Claimgraph, tmp_path: Path) -> None:
    # each rate under its own setting: no two models share a comparable series, so no correlation is read
    # (the same values with one setting contradict the seed's trend: the test above)
    rates = {"Gemini 3.1 Pro": (85, 0), "Claude Opus 4.6": (80, 5), "GPT-4o": (60, 3)}
    claims = [("evidence", f"{m} achieved {v}% non-hallucination on the AA-Omniscience benchmark ({k}-shot).",
               "2026-07-01") for m, (v, k) in rates.items()]
    seeded.ingest([dossier(tmp_path, "aa", ("evidence", II.format(model="GPT-4o", value=40), "2026-07-01"), *claims)])
    from claimgraph.services.conflicts import load_facts
    read = {s.setting for s in load_facts(seeded.store).scores if s.metric.endswith("non-hallucination-rate")}
    assert read == {"", "shots=0", "shots=5", "shots=3"}  # the rates were read, each under its own setting
    assert seeded.list_conflicts()[0] == []


def test_quantities_are_read_from_metric_words_and_benchmark_names() -> None:
    import doctest

    from claimgraph.services.conflicts import quantities
    from claimgraph.services.conflicts.proposition_contradicted import spearman
    assert doctest.testmod(quantities).failed == 0
    assert quantities.quantity("Honesty") == ("hallucination", -1)
    # a named metric is read, never the benchmark behind it
    assert quantities.score_measures("accuracy", "Hallucination Leaderboard", {"hallucination"}) == {}
    assert quantities.score_measures("", "Hallucination Leaderboard", {"hallucination"}) == {"hallucination": 1}
    from decimal import Decimal as D
    assert spearman([D(1), D(2), D(3), D(4)], [D(10), D(20), D(30), D(40)]) == pytest.approx(1)
    assert spearman([D(1), D(2), D(3), D(4)], [D(4), D(3), D(2), D(1)]) == pytest.approx(-1)
    assert spearman([D(1), D(2), D(2), D(3)], [D(1), D(3), D(2), D(4)]) == pytest.approx(0.9486832980505138)
    assert spearman([D(1), D(1), D(1), D(1)], [D(1), D(2), D(3), D(4)]) is None


# -- stale-dependence ----------------------------------------------------------------------------------

def test_stale_dependence_on_a_retracted_claim(graph: Claimgraph, tmp_path: Path) -> None:
    base = ("evidence", "LLaMA-65B scores 68.9% on MMLU (5-shot).", "2024-01-10")
    graph.ingest([dossier(tmp_path, "base", base)])
    target = "https://w3id.org/claimgraph/id/dossier/base/claim/1"
    dependent = tmp_path / "dependent.md"
    dependent.write_text("# Dependent\n\n- **canonical:** /dossier/dependent\n\n## Claims\n\n"
                         "### [speculation] LLaMA-65B is the strongest open model of its time.\n\n"
                         f"```turtle\n<> cg:dependsOn <{target}> .\n```\n", encoding="utf-8")
    graph.ingest([dependent])
    assert graph.list_conflicts()[0] == []
    graph.ingest([dossier(tmp_path, "base", base + ("- `2024-03-01` **retracted** — contaminated test set.",))])
    found, _ = graph.list_conflicts()
    assert types(found) == ["stale-dependence"]
    assert "retracted" in found[0].explanation and target in found[0].claims
    # a proposed claim resting on the retracted claim is flagged before it is written; on a standing one, not
    proposal = {"text": "LLaMA-65B leads open models.", "assertions": {"depends_on": [target]}}
    assert types(graph.check(proposal)[0]) == ["stale-dependence"]
    standing = "https://w3id.org/claimgraph/id/dossier/dependent/claim/1"
    assert graph.check({"text": "x", "assertions": {"depends_on": [standing]}})[0] == []


# -- kept as data, incrementally -----------------------------------------------------------------------

def test_incremental_updates_equal_full_recomputation(graph: Claimgraph, tmp_path: Path) -> None:
    steps = [
        dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 57.0% on MMLU (5-shot).", "2024-01-10"),
                ("evidence", "LLaMA-7B beats LLaMA-13B on GSM8K.", "2024-01-10")),
        dossier(tmp_path, "b", ("evidence", "Falcon-40B scores 52.7% on MMLU (5-shot).", "2024-02-10"),
                ("evidence", "LLaMA-13B outperforms LLaMA-30B on GSM8K.", "2024-02-10")),
        dossier(tmp_path, "c", ("evidence", "LLaMA-30B beats LLaMA-7B on GSM8K.", "2024-03-10")),
    ]
    for step in steps:
        graph.ingest([step])
    assert sorted(types(graph.list_conflicts()[0])) == ["comparison-cycle", "score-disagreement"]
    incremental = conflicts_graph(graph)
    with graph.store.write_lock:
        graph.conflicts.recompute()
    assert conflicts_graph(graph) == incremental
    # revising a dossier removes what it no longer says, again equal to a full recomputation
    graph.ingest([dossier(tmp_path, "b", ("evidence", "Falcon-40B scores 57.1% on MMLU (5-shot).", "2024-02-10"))])
    assert types(graph.list_conflicts()[0]) == []
    incremental = conflicts_graph(graph)
    with graph.store.write_lock:
        graph.conflicts.recompute()
    assert conflicts_graph(graph) == incremental


def test_conflicts_are_queryable_with_sparql(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 57.0% on MMLU (5-shot).", "2024-01-10")),
                  dossier(tmp_path, "b", ("evidence", "Falcon-40B scores 52.7% on MMLU (5-shot).", "2024-02-10"))])
    from .conftest import select

    rows = select(graph, "SELECT ?type ?claim WHERE { GRAPH ?g { ?c a cg:Conflict ; cg:conflictType ?type ; "
                         "cg:involves ?claim } }")
    assert {r["type"] for r in rows} == {"score-disagreement"} and len(rows) == 2


def test_raw_writes_make_the_conflicts_recomputed(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 57.0% on MMLU (5-shot).", "2024-01-10")),
                  dossier(tmp_path, "b", ("evidence", "Falcon-40B scores 52.7% on MMLU (5-shot).", "2024-02-10"))])
    assert len(graph.list_conflicts()[0]) == 1
    graph.invalidate_conflicts()
    graph.store.update("DROP GRAPH <https://w3id.org/claimgraph/id/dossier/b/claim/1/assertion>")
    assert not graph.conflicts.current()
    assert graph.list_conflicts()[0] == []


def test_filters(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([SEED, REAL])
    assert len(graph.list_conflicts(ConflictFilter(entity=graph.resolve_entity("Falcon-7B")))[0]) == 1
    assert len(graph.list_conflicts(ConflictFilter(type="comparison-cycle"))[0]) == 1
    assert graph.list_conflicts(ConflictFilter(type="rank-inconsistent"))[0] == []
    assert len(graph.list_conflicts(ConflictFilter(severity="high"))[0]) == 5


# -- the dry run ---------------------------------------------------------------------------------------

def test_check_writes_nothing(seeded: Claimgraph) -> None:
    before = set(seeded.store.quads())
    seeded.check({"text": GROK_RANK.format(rank="1st")})
    seeded.check("### [evidence] " + GROK_RANK.format(rank="1st"))
    assert set(seeded.store.quads()) == before


def test_check_reports_bad_proposals_clearly(seeded: Claimgraph) -> None:
    today = date(2026, 11, 26)
    with pytest.raises(InputError, match=r"claims\[0\]\.assertions\.scores\[0\]\.value: expected a number"):
        seeded.check({"assertions": {"scores": [{"model": "GPT-4o", "benchmark": "MMLU", "value": "lots"}]}},
                     today=today)
    with pytest.raises(InputError, match="unknown field"):
        seeded.check({"txt": "typo"})
    with pytest.raises(InputError, match="empty"):
        seeded.check("   ")
    with pytest.raises(DossierSyntaxError) as caught:
        seeded.check("### [evidence] fine\n\n**Provenance history** (how this claim ripened):\n- `20x` **bad**\n")
    assert caught.value.line == 4


def test_cli_conflicts_and_check(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("ingest", str(SEED), str(REAL), store=store).returncode == 0
    listed = run_cli("conflicts", "--format", "json", store=store)
    assert listed.returncode == 0, listed.stderr
    body = json.loads(listed.stdout)
    assert {c["type"] for c in body} == {"score-disagreement", "comparison-cycle"}
    for conflict in body:
        assert {"type", "claims", "explanation", "severity", "evidence"} <= set(conflict)
    checked = run_cli("check", "-", stdin=GROK_RANK.format(rank="1st"), store=store)
    assert checked.returncode == 0, checked.stderr
    assert [c["type"] for c in json.loads(checked.stdout)] == ["rank-inconsistent"]
    fine = run_cli("check", "-", stdin=json.dumps({"text": GROK_RANK.format(rank="3rd")}), store=store)
    assert json.loads(fine.stdout) == []
    bad = run_cli("check", "-", stdin='{"text": ', store=store)
    assert bad.returncode == 1 and "not valid JSON" in bad.stderr and "Traceback" not in bad.stderr


def test_the_cache_of_facts_follows_the_store(graph: Claimgraph, tmp_path: Path) -> None:
    from claimgraph.services.conflicts import Scope, load_facts

    def content(facts: object) -> tuple[set[str], ...]:
        return tuple({s.iri if hasattr(s, "iri") else (s.claim, s.target) for s in items}  # type: ignore[attr-defined]
                     for items in (facts.scores, facts.comparisons, facts.propositions, facts.trends))  # type: ignore[attr-defined]

    graph.ingest([SEED, REAL])
    graph.ingest([dossier(tmp_path, "a", ("evidence", "Falcon-40B scores 57.0% on MMLU (5-shot).", "2024-01-10"))])
    graph.ingest([dossier(tmp_path, "a", ("evidence", "LLaMA-7B beats LLaMA-13B on GSM8K.", "2024-01-10"))])
    everything = Scope.of({f"benchmark {s.benchmark}" for s in load_facts(graph.store).scores} | {"trends"})
    assert graph.conflicts._cache is not None  # noqa: SLF001 - kept by the recomputations, never re-read
    assert content(graph.conflicts.held_facts(everything)) == content(load_facts(graph.store, everything))


def test_a_check_reports_what_the_claim_creates_not_what_was_there(seeded: Claimgraph, tmp_path: Path) -> None:
    # the graph already holds an impossible rank: a check about another model must not report it as new
    seeded.ingest([dossier(tmp_path, "old", ("evidence", "GPT-4o ranks 1st on the Intelligence Index at 40.",
                                             "2026-07-01"))])
    assert types(seeded.list_conflicts()[0]) == ["rank-inconsistent"]
    later = {"text": "AgentFlow scores 60 on the Intelligence Index.", "date": "2026-08-01"}
    assert seeded.check(later)[0] == []
    # a higher score dated before a rank that was consistent makes it inconsistent: that one is reported
    seeded.ingest([dossier(tmp_path, "old", ("evidence", "GPT-4o ranks 4th on the Intelligence Index at 40.",
                                             "2026-07-01"))])
    assert seeded.list_conflicts()[0] == []
    earlier = {"text": "AgentFlow scores 60 on the Intelligence Index.", "date": "2026-06-01"}
    assert types(seeded.check(earlier)[0]) == ["rank-inconsistent"]


def test_a_recomputation_part_by_part_equals_the_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Recomputations read the store a part at a time (benchmarks up to a number of statements, the rest with
    the last part): the conflicts are those found with every fact read at once."""
    from claimgraph.services.conflicts import index, scopes_of_quads
    from claimgraph.services.conflicts.detectors import detect
    from claimgraph.services.conflicts.facts import load_facts

    from .conftest import SEEDS

    settings = Settings(store=str(tmp_path / "store"))
    with Claimgraph(settings) as g:
        g.ingest([SEEDS])
        whole = conflicts_graph(g)
        scopes = scopes_of_quads(g.store.quads())
    assert len([s for s in scopes if s.startswith("benchmark ")]) > 3 and "trends" in scopes
    with Claimgraph(settings) as g:
        # the oracle: every fact read at once, every conflict detected at once
        oracle = {c.iri.value for c in detect(load_facts(g.store), g.conflicts.tolerance)}
        assert {c.iri.value for c in g.conflicts.conflicts()} == oracle and len(oracle) >= 5
        with g.store.write_lock:
            g.store.change_quads(list(g.store.quads(iris.CONFLICTS_GRAPH)), [])  # as if never computed
            g.conflicts.recompute(scopes)
        assert conflicts_graph(g) == whole
    # and with parts as small as they get: one benchmark each
    monkeypatch.setattr(index, "PART_STATEMENTS", 1)
    with Claimgraph(settings) as g:
        with g.store.write_lock:
            assert len(g.conflicts._parts(None)) > 3
            g.conflicts.recompute()
            assert conflicts_graph(g) == whole
            g.conflicts.recompute(scopes)
            assert conflicts_graph(g) == whole


def test_the_facts_read_from_quads_are_those_read_from_a_store_that_holds_them(seeded: Claimgraph) -> None:
    """What a mapping process reads in the quads it mapped (only those with a predicate the fact queries name)
    is what the queries read in the store."""
    from dataclasses import replace

    from claimgraph.services.conflicts.facts import Scope, facts_of_quads, load_facts

    seeded.ingest([REAL])
    quads = [q for q in seeded.store.quads() if q.graph_name != iris.CONFLICTS_GRAPH]
    held = load_facts(seeded.store, replace(Scope.everything(), dependence=False))
    read = facts_of_quads(quads)
    assert len(held.scores) > 30 and held.comparisons and held.propositions and held.trends
    for kind in ("scores", "comparisons", "propositions", "trends"):
        assert sorted(getattr(read, kind), key=repr) == sorted(getattr(held, kind), key=repr)
    assert read.claims == held.claims and read.labels == held.labels


@pytest.mark.parametrize("held", [True, False], ids=["facts-held", "facts-let-go"])
def test_a_folder_mapped_in_processes_leaves_the_conflicts_a_full_recomputation_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: bool) -> None:
    """A large folder ingested without SHACL is mapped in processes of their own, which read the facts of what
    each batch writes: an ingest into a store without statements then never reads them back from the store.
    The conflicts graph it leaves is the one a full recomputation finds, and the one an ingest in one process
    leaves, with conflicts of every kind; and so after a second ingest that revises, retracts and supersedes.
    Past a number of statements (``_FACTS_HELD``; here none) the ingest lets the facts go and the conflicts read
    what it wrote back from the store: the same graph."""
    import shutil

    from claimgraph.services import ingest as ingest_module
    from claimgraph.services.conflicts import index

    from .conftest import SEEDS

    folder = tmp_path / "folder"
    shutil.copytree(SEEDS, folder)
    lab = ("evidence", "LLaMA-65B scores 68.9% on MMLU (5-shot).", "2024-01-10")
    dossier(folder, "cycle-a", ("evidence", "LLaMA-7B beats LLaMA-13B on GSM8K.", "2024-01-10"),
            ("evidence", "Falcon-40B scores 55.4% on MMLU (5-shot).", "2024-01-10"))
    dossier(folder, "cycle-b", ("evidence", "LLaMA-13B outperforms LLaMA-30B on GSM8K.", "2024-01-11"))
    dossier(folder, "cycle-c", ("evidence", "LLaMA-30B beats LLaMA-7B on GSM8K.", "2024-01-12"),
            ("evidence", "Falcon-40B outperforms LLaMA-65B on MMLU.", "2024-01-12"))
    dossier(folder, "base", lab, ("evidence", "Falcon-40B scores 52.7% on MMLU (5-shot).", "2024-02-10"))
    target = "https://w3id.org/claimgraph/id/dossier/base/claim/1"
    (folder / "dependent.md").write_text(
        "# Dependent\n\n- **canonical:** /dossier/dependent\n\n## Claims\n\n"
        "### [speculation] LLaMA-65B is the strongest open model of its time.\n\n"
        f"```turtle\n<> cg:dependsOn <{target}> .\n```\n", encoding="utf-8")
    later = [("evidence", f"LLaMA-13B scores {v}% on GSM8K (8-shot).", "2024-04-01") for v in ("17.8", "29.0")]

    def one_process() -> set[object]:
        with Claimgraph(Settings(store="memory:")) as fresh, monkeypatch.context() as m:
            m.setattr(ingest_module, "INGEST_BATCH", 250)
            fresh.ingest([folder], validate=False)
            return conflicts_graph(fresh)

    copied = []  # the graphs just written, read back from the store
    graphs_copy = index.graphs_copy
    monkeypatch.setattr(index, "graphs_copy", lambda *a, **kw: (copied.append(a), graphs_copy(*a, **kw))[1])

    read = []  # the scopes of the store's statements read (the dependences are read from the store)
    load_facts = index.load_facts
    monkeypatch.setattr(index, "load_facts", lambda store, scope=None, **kw: (
        read.append(scope) if scope is None or scope.benchmarks != frozenset() or scope.trends else None,
        load_facts(store, scope, **kw))[1])

    monkeypatch.setattr(ingest_module, "INGEST_BATCH", 3)
    monkeypatch.setattr(ingest_module, "MAPPERS", 2)
    if not held:
        monkeypatch.setattr(ingest_module, "_FACTS_HELD", 0)
    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        graph.ingest([folder], validate=False)
        assert (read, copied) == ([], []) if held else copied or read
        found, before = conflicts_graph(graph), types(graph.list_conflicts()[0])
        assert set(before) == {"score-disagreement", "comparison-cycle", "comparison-contradicted"}
        assert found == one_process()
        with graph.store.write_lock:
            graph.conflicts.recompute()
        assert conflicts_graph(graph) == found
        # the second ingest follows the cache the first left: retracts the base's score, so the claim that
        # rests on it is stale, revises a cycle away, adds a disagreeing score
        dossier(folder, "base", lab + ("- `2024-03-01` **retracted** — contaminated test set.",))
        dossier(folder, "cycle-b", ("evidence", "LLaMA-30B outperforms LLaMA-13B on GSM8K.", "2024-01-11"))
        dossier(folder, "later", *later)
        read.clear()
        copied.clear()
        results, _ = graph.ingest([folder], validate=False)
        assert (read, copied) == ([], []) if held else copied or read
        assert sorted(r.status for r in results if r.status != "unchanged") == ["added", "revised", "revised"]
        again = conflicts_graph(graph)
        now = types(graph.list_conflicts()[0])
        assert "stale-dependence" in now and now.count("comparison-cycle") < before.count("comparison-cycle")
        assert now.count("score-disagreement") == before.count("score-disagreement") + 1
        assert again == one_process()
        with graph.store.write_lock:
            graph.conflicts.recompute()
        assert conflicts_graph(graph) == again


def test_lower_is_better_applies_to_its_own_metric_or_benchmark_only(graph: Claimgraph) -> None:
    from claimgraph.namespaces import PREFIXES
    from claimgraph.services.conflicts.facts import load_facts

    from .conftest import SEEDS

    graph.ingest([SEEDS])
    before = {s.iri: (s.metric, s.lower_is_better) for s in load_facts(graph.store).scores}
    # a lower-is-better metric no score uses changes nothing (a score without a metric once took it as its own)
    graph.store.update("INSERT DATA { GRAPH <urn:x> { <urn:some-metric> cg:lowerIsBetter true } }", prefixes=PREFIXES)
    assert {s.iri: (s.metric, s.lower_is_better) for s in load_facts(graph.store).scores} == before
    graph.store.update("INSERT DATA { GRAPH <urn:x> { cgid:benchmark\\/mmlu cg:lowerIsBetter true } }",
                       prefixes=PREFIXES)
    after = load_facts(graph.store).scores
    assert {s.benchmark.endswith("/mmlu") for s in after if s.lower_is_better} == {True}
    assert any(s.lower_is_better for s in after)


ODD = """INSERT DATA {
  GRAPH <urn:odd:a> {
    <urn:odd:c1> a cg:Claim ; cg:inDossier <urn:odd:d> ; cg:stance "evidence" ; dcterms:created "2024-03-01"^^xsd:date .
    <urn:odd:c2> a cg:Claim ; cg:stance "evidence" .
    <urn:odd:c3> a cg:Claim ; cg:inDossier <urn:odd:d> ; dcterms:isReplacedBy <urn:odd:c1> .
    <urn:odd:c4> cg:inDossier <urn:odd:d> ; cg:latestAction "retracted" .
    <urn:odd:by-domain> a cg:Comparison ; cg:assertedBy <urn:odd:c1> ; cg:model <urn:odd:m1> ;
        cg:comparedWith <urn:odd:m2> ; cg:direction "better" ; cg:domain "coding" .
    <urn:odd:by-both> a cg:Comparison ; cg:assertedBy <urn:odd:c3> ; cg:model <urn:odd:m1> ;
        cg:comparedWith <urn:odd:m2> ; cg:direction "worse" ; cg:domain "coding" ; cg:benchmark <urn:odd:b> .
    <urn:odd:no-model> a cg:Score ; cg:assertedBy <urn:odd:c1> ; cg:benchmark <urn:odd:b> ; cg:value 1 .
    <urn:odd:no-dossier> a cg:Score ; cg:assertedBy <urn:odd:c2> ; cg:benchmark <urn:odd:b> ; cg:model <urn:odd:m1> .
    <urn:odd:split> a cg:Score ; cg:benchmark <urn:odd:b> ; cg:metric <urn:odd:metric> .
    <urn:odd:sel> oa:exact "odd split score" .
    <urn:odd:untyped-claim> a cg:Score ; cg:assertedBy <urn:odd:c4> ; cg:benchmark <urn:odd:b> ;
        cg:model <urn:odd:m2> ; cg:value "not a number" ; cg:rank "first" ; cg:shots 5 ; cg:chainOfThought true .
    <urn:odd:metric> cg:lowerIsBetter true .
    <urn:odd:trend> a cg:Trend ; cg:xQuantity "cost" ; cg:yQuantity "accuracy" ; cg:sign "positive" .
  }
  GRAPH <urn:odd:b> {
    <urn:odd:split> cg:assertedBy <urn:odd:c3> ; cg:model <urn:odd:m1> ; cg:value "0.5"^^xsd:decimal ;
        oa:hasSelector <urn:odd:sel> ; cg:judge "gpt-4" ; cg:harness "helm" ; cg:unit "%" .
    <urn:odd:trend> cg:assertedBy <urn:odd:c1> .
  }
}"""


def test_every_fact_read_at_once_is_what_the_statement_queries_read(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's start-up reads every fact of the store at once, a statement's properties together
    (``conflicts.scan``): the facts are those the statement queries read, on a generated corpus, the seeds and
    data the mapping never writes (a statement spread over two graphs, a comparison with a domain and no
    benchmark, statements missing what the queries require, withdrawn and superseded claims); and where the
    engine gives a statement's properties in two runs, the queries are read instead."""
    import sys

    from claimgraph.namespaces import PREFIXES
    from claimgraph.services.conflicts import scan
    from claimgraph.services.conflicts.facts import Scope, _load_facts, load_facts

    from .conftest import ROOT, SEEDS

    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import write_corpus

    write_corpus(tmp_path / "corpus", 300, seed=3)
    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        graph.ingest([tmp_path / "corpus", SEEDS])
        graph.store.update(ODD, prefixes=PREFIXES)
        by_queries = _load_facts(graph.store, Scope.everything(), None, None)
        assert len(by_queries.scores) > 200 and by_queries.comparisons and by_queries.propositions
        assert by_queries.trends
        assert any(c.withdrawn for c in by_queries.claims.values())
        odd = {f.iri: f for f in by_queries.scores + by_queries.comparisons + by_queries.trends
               if f.iri.startswith("urn:odd:")}
        assert set(odd) == {"urn:odd:by-domain", "urn:odd:by-both", "urn:odd:split", "urn:odd:untyped-claim",
                            "urn:odd:trend"}
        assert odd["urn:odd:split"].lower_is_better and odd["urn:odd:split"].text == "odd split score"
        assert odd["urn:odd:by-both"].domain is None and odd["urn:odd:by-domain"].domain == "coding"

        def same(facts: object) -> None:
            for kind in ("scores", "comparisons", "propositions", "trends", "dependences", "series"):
                assert sorted(getattr(facts, kind), key=repr) == sorted(getattr(by_queries, kind), key=repr), kind
            assert facts.claims == by_queries.claims and facts.labels == by_queries.labels  # type: ignore[attr-defined]

        read = []
        monkeypatch.setattr(scan.StatementRows, "release", lambda self: read.append(self))
        same(load_facts(graph.store))
        assert read, "the statements were read by the queries"

        def scattered(self: object, kind: object) -> object:
            raise scan.Scattered("a statement's properties in two runs")
        monkeypatch.setattr(scan.StatementRows, "_rows", scattered)
        same(load_facts(graph.store))


# -- kept between two runs of a server -------------------------------------------------------------------

def _kept_store(tmp_path: Path) -> Settings:
    """An on-disk store with every kind of fact, and every kind of field in them (a generated corpus, the seeds,
    a dependence on a claim and one on a claim that is not there, the odd data above, labels with quotes and
    accents)."""
    import sys

    from claimgraph.namespaces import PREFIXES

    from .conftest import ROOT, SEEDS

    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import write_corpus

    write_corpus(tmp_path / "corpus", 150, seed=5)
    (tmp_path / "dependent").mkdir()
    (tmp_path / "dependent" / "dependent.md").write_text(
        "# Dependent\n\n- **canonical:** /dossier/dependent\n\n## Claims\n\n"
        "### [speculation] LLaMA-65B is the strongest open model of its time.\n\n"
        "```turtle\n<> cg:dependsOn <https://w3id.org/claimgraph/id/dossier/no-such/claim/1> .\n```\n\n"
        "### [evidence] LLaMA-65B scores 68.9% on MMLU (5-shot).\n\n"
        "```turtle\n<> cg:dependsOn <https://w3id.org/claimgraph/id/dossier/dependent/claim/1> .\n```\n",
        encoding="utf-8")
    settings = Settings(store=str(tmp_path / "store"))
    with Claimgraph(settings) as graph:
        graph.ingest([tmp_path / "corpus", SEEDS, tmp_path / "dependent"], validate=False)
        graph.store.update(ODD, prefixes=PREFIXES)
        graph.store.update('INSERT DATA { GRAPH <urn:odd:a> { <urn:odd:m1> rdfs:label "Modèle \\"un\\" — 1" } }',
                           prefixes=PREFIXES)
    return settings


MMLU = "LLaMA-65B scores 12% on MMLU (5-shot)."
FACTS_FILE = "claimgraph-facts.json"


def _same_cache(kept: object, held: object) -> None:
    assert kept is not None and held is not None
    for part in ("claims", "labels", "scores", "comparisons", "propositions", "trends", "dependences", "_metrics"):
        assert getattr(kept, part) == getattr(held, part), part


def test_a_server_keeps_its_facts_for_its_next_start_while_nothing_writes_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server (``prepare_conflicts``) keeps every fact it holds in the store's folder as it closes; the next one
    takes them from there instead of reading the store, the same facts, field for field, when nothing but a
    read-only reader opened the store in between, and only stamps the file anew if it wrote nothing itself; after a
    write by anyone else it reads the store."""
    import pyoxigraph

    from claimgraph.services.conflicts import index, kept
    from claimgraph.services.conflicts.facts import FactCache, load_facts

    settings = _kept_store(tmp_path)
    folder = Path(settings.store)
    with Claimgraph(settings) as server:
        server.prepare_conflicts()
        first = server.conflicts.whole_cache()
        assert first is not None
        fresh = FactCache(load_facts(server.store))
        _same_cache(first, fresh)
        checked = [c.to_json() for c in server.check(MMLU)[0]]
        assert "score-disagreement" in [c["type"] for c in checked]
    assert (folder / FACTS_FILE).exists() and not (folder / (FACTS_FILE + ".part")).exists()
    # every kind of field is in what was kept
    scores = [s for group in first.scores.values() for s in group]
    assert any(s.rank is not None for s in scores) and any(s.lower_is_better for s in scores)
    assert any(s.value is not None and s.value != s.value.to_integral() for s in scores)
    assert {d.exists for d in first.dependences} == {True, False}
    assert any(d.target_claim is None for d in first.dependences)
    assert any(c.withdrawn for c in first.claims.values()) and any(c.date for c in first.claims.values())
    assert any(c.date is None for c in first.claims.values())
    assert first.labels["urn:odd:m1"] == 'Modèle "un" — 1' and first.propositions and first.trends

    reader = pyoxigraph.Store.read_only(str(folder))  # another tool reading the store
    assert len(reader) > 0
    del reader
    read: list[object] = []
    load = index.load_facts
    monkeypatch.setattr(index, "load_facts", lambda *a, **k: (read.append(a), load(*a, **k))[1])
    data = (folder / FACTS_FILE).read_bytes().partition(b"\n")[2]
    written: list[object] = []
    write = kept.write
    monkeypatch.setattr(kept, "write", lambda *a: (written.append(a), write(*a))[1])
    for _ in range(2):  # a server that wrote nothing only stamps the file anew as it stops: its facts are those
        with Claimgraph(settings) as server:
            server.prepare_conflicts()
            assert read == [], "the store was read, not the facts kept"
            _same_cache(server.conflicts.whole_cache(), first)
            assert [c.to_json() for c in server.check(MMLU)[0]] == checked
        assert written == [] and (folder / FACTS_FILE).read_bytes().partition(b"\n")[2] == data

    with Claimgraph(settings) as writer:  # written by something that is not a server: the facts kept are not it
        writer.ingest([dossier(tmp_path, "later", ("evidence", "Falcon-40B scores 12.5% on GSM8K (8-shot).",
                                                   "2024-05-01"))])
    read.clear()
    with Claimgraph(settings) as server:
        server.prepare_conflicts()
        assert [len(a) for a in read] == [1], "the facts kept were read after the store was written"
        _same_cache(server.conflicts.whole_cache(), FactCache(load(server.store)))
        assert any(c.endswith("/later/claim/1") for c in server.conflicts.whole_cache().claims)  # type: ignore[union-attr]


def test_what_a_server_wrote_is_in_the_facts_it_keeps_and_a_raw_write_removes_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The facts a server keeps are those it holds as it closes, its own ingests included (the same as reading
    the store again); after a SPARQL update, which its facts do not follow, it keeps none and removes the file."""
    from claimgraph.namespaces import PREFIXES
    from claimgraph.services.conflicts import index
    from claimgraph.services.conflicts.facts import load_facts

    settings = _kept_store(tmp_path)
    folder = Path(settings.store)
    with Claimgraph(settings) as server:
        server.prepare_conflicts()
        server.ingest([dossier(tmp_path, "later", ("evidence", "Falcon-40B scores 12.5% on GSM8K (8-shot).",
                                                   "2024-05-01"))])
        held = server.conflicts.whole_cache()
        assert held is not None and any(c.endswith("/later/claim/1") for c in held.claims)
    monkeypatch.setattr(index, "load_facts", lambda *a, **k: pytest.fail("the store was read"))
    with Claimgraph(settings) as server:
        server.prepare_conflicts()
        again = server.conflicts.whole_cache()
        _same_cache(again, held)
        fresh = load_facts(server.store)
        assert again is not None
        for kind in ("scores", "comparisons", "propositions"):
            assert sorted(map(repr, (f for group in getattr(again, kind).values() for f in group))) == \
                sorted(map(repr, getattr(fresh, kind))), kind
        server.invalidate_conflicts()
        server.store.update('INSERT DATA { GRAPH <urn:odd:c> { <urn:odd:x> rdfs:label "x" } }', prefixes=PREFIXES)
    assert not (folder / FACTS_FILE).exists()


@pytest.mark.parametrize("damage", ["truncated", "a line missing", "not JSON", "a text out of the table",
                                    "a rank that is text", "another version", "another stamp", "a field too many"])
def test_a_kept_file_that_is_not_what_was_written_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             damage: str) -> None:
    """Facts kept in a file that is cut short, not JSON, inconsistent, of another version of the code or of
    another state of the store are not read (the store is, as without the file), never a crash."""
    from claimgraph.services.conflicts import kept
    from claimgraph.services.conflicts.facts import FactCache, load_facts
    from claimgraph.store.oxigraph import folder_stamp

    monkeypatch.setattr(kept, "CHUNK", 3)  # several lines of each kind
    with Claimgraph(Settings(store="memory:")) as graph:
        graph.ingest([SEED])
        facts = FactCache(load_facts(graph.store))
    stamp = folder_stamp(tmp_path)
    path = kept.write(tmp_path, stamp, facts)
    _same_cache(FactCache(kept.read(tmp_path, stamp)), facts)  # type: ignore[arg-type]
    text = path.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line[0] for line in lines[1:-1]].count("scores") > 1
    scores = next(i for i, line in enumerate(lines) if isinstance(line, list) and line[0] == "scores")
    if damage == "truncated":
        text = text[: len(text) // 2]
    elif damage == "a line missing":
        del lines[scores]
    elif damage == "not JSON":
        text = "\x00" + text
    elif damage == "a text out of the table":
        lines[scores][1][0][1] = 10**6
    elif damage == "a rank that is text":
        lines[scores][1][0][7] = "first"
    elif damage == "another version":
        lines[0]["code"] = "0" * 64
    elif damage == "another stamp":
        lines[0]["stamp"] = "0" * 64
    elif damage == "a field too many":
        lines[scores][1][0].append(None)
    if damage not in ("truncated", "not JSON"):
        text = "".join(json.dumps(line) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    assert kept.read(tmp_path, stamp) is None
