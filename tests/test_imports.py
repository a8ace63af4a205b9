"""Importing evaluation data: real leaderboard tables, model-index metadata and JSON claims become claims with
their scores and sources; re-imports change nothing; a later snapshot supersedes an earlier one; bad files are
refused with their line and write nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from claimgraph.config import Settings
from claimgraph.errors import DossierSyntaxError, InputError
from claimgraph.extract.tables import read_model_index, read_table
from claimgraph.interfaces.core import Claimgraph
from claimgraph.interfaces.http.app import create_app
from claimgraph.services.conflicts import ConflictFilter

from .conftest import DATA, REAL, SEED, TOKEN, run_cli, select

TABLES = DATA / "imports"
LEADERBOARD = "https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard"


def test_a_leaderboard_table_is_read_with_settings_and_units() -> None:
    rows = list(read_table(TABLES / "open_llm_leaderboard_20230526.csv"))
    assert len(rows) == 58
    falcon = next(r for r in rows if r.model == "tiiuae/falcon-40b")
    assert {(r.benchmark, str(r.value), r.setting.shots) for r in falcon.results} == {
        ("ARC", "61.9", 25), ("HellaSwag", "85.3", 10), ("MMLU", "52.7", 5), ("TruthfulQA", "41.7", 0)}
    # Average, Parameters and URL are not scores
    assert all(r.benchmark not in ("Average", "Parameters", "URL") for row in rows for r in row.results)


def test_values_units_and_errors() -> None:
    rows = list(read_table("Model,GSM8K (8-shot),MATH\nm1,71.0%,0.713\nm2,-,0.5\n"))
    assert [(r.benchmark, str(r.value), r.unit) for r in rows[0].results] == [("GSM8K", "71.0", "percent"),
                                                                               ("MATH", "0.713", "fraction")]
    assert [r.benchmark for r in rows[1].results] == ["MATH"]  # "-" is no result
    with pytest.raises(DossierSyntaxError) as ragged:
        list(read_table("Model,MMLU\nm1,70.1\nm2,71,9\n", source="t.csv"))
    assert ragged.value.line == 3 and "expected 2 cells" in ragged.value.message
    with pytest.raises(DossierSyntaxError) as text:
        list(read_table("Model,MMLU\nm1,70.1\nm2,seventy\n", source="t.csv"))
    assert text.value.line == 3 and "'seventy'" in text.value.message
    long = list(read_table("model,benchmark,metric,value,setting\nm1,MMLU,accuracy,70.1,5-shot\n"))
    assert long[0].results[0].metric == "accuracy" and long[0].results[0].setting.shots == 5


def test_model_index_keeps_dataset_metric_and_setting() -> None:
    (row,) = read_model_index(TABLES / "HuggingFaceH4_zephyr-7b-beta.frontmatter.yaml")
    assert row.model == "zephyr-7b-beta"
    arc = next(r for r in row.results if r.benchmark == "AI2 Reasoning Challenge")
    assert arc.metric == "acc_norm" and arc.setting.shots == 25 and "config ARC-Challenge" in arc.setting.other
    assert "split test" in arc.setting.other and arc.source_url and "open_llm_leaderboard" in arc.source_url
    with pytest.raises(DossierSyntaxError) as bad:
        read_model_index("model-index:\n  - name: x\n    results: [\n", source="card.yaml")
    assert bad.value.line >= 2


def test_import_resolves_models_and_shows_disagreements_but_not_setting_differences(tmp_path: Path) -> None:
    with Claimgraph(Settings(store="memory:")) as graph:
        graph.ingest([SEED, REAL])
        before = {c.iri.value for c in graph.list_conflicts()[0]}
        plan, results = graph.import_file(TABLES / "open_llm_leaderboard_20230526.csv", source=LEADERBOARD,
                                          when=date(2023, 5, 26))
        assert plan.rows == 58 and [r.status for r in results] == ["added"]
        # tiiuae/falcon-40b is the dossiers' Falcon-40B; llama-65b their LLaMA-65B
        rows = select(graph, "SELECT DISTINCT ?claim WHERE { ?s cg:assertedBy ?claim ; cg:model ?m . ?m rdfs:label 'Falcon-40B' . "
                             "FILTER(CONTAINS(STR(?claim), '/source/')) }")
        assert len(rows) == 1
        new = [c for c in graph.list_conflicts()[0] if c.iri.value not in before]
        assert new and all(any("/source/" in x for x in c.claims) for c in new)  # where the leaderboard disagrees
        found, facts = graph.list_conflicts(ConflictFilter(entity=graph.resolve_entity("LLaMA-65B")))
        imported = [c for c in found if any("/source/" in x for x in c.claims)]
        assert imported and all(c.type in ("score-disagreement", "comparison-cycle") for c in imported)
        for conflict in imported:  # never between the harness and HELM figures of mmlu-implementations
            settings = {e["setting"] for e in conflict.to_json(facts)["evidence"] if e["kind"] == "score"}
            assert settings == {"shots=5"}
        # provenance: the source URL and the file's checksum on the dossier, the row on the claim
        meta = select(graph, "SELECT ?m WHERE { ?d cg:canonicalPath ?p ; cg:metadata ?m FILTER(STRSTARTS(?p, '/source/')) }")
        assert {r["m"].split(":")[0] for r in meta} == {"source", "sha256"}
        notes = select(graph, "SELECT ?n WHERE { ?c cg:inDossier ?d ; cg:provenanceEvent/skos:note ?n "
                              "FILTER(CONTAINS(STR(?d), '/source/')) } LIMIT 1")
        assert "row " in notes[0]["n"] and LEADERBOARD in notes[0]["n"]
        # the same file again: nothing changes
        count = graph.store.count()
        _, again = graph.import_file(TABLES / "open_llm_leaderboard_20230526.csv", source=LEADERBOARD,
                                     when=date(2023, 5, 26))
        assert [r.status for r in again] == ["unchanged"] and graph.store.count() == count


def test_a_later_snapshot_supersedes_and_keeps_the_older_values(tmp_path: Path) -> None:
    later = tmp_path / "later.csv"
    later.write_text("Model,MMLU (5-shot)\nhuggyllama/llama-65b,63.4\ntiiuae/falcon-40b,57.0\n", encoding="utf-8")
    with Claimgraph(Settings(store="memory:")) as graph:
        graph.import_file(TABLES / "open_llm_leaderboard_20230526.csv", source=LEADERBOARD, when=date(2023, 5, 26))
        assert len(graph.list_conflicts()[0]) == 0
        graph.import_file(later, source=LEADERBOARD, when=date(2023, 7, 14))
        # May's values stay queryable with their date; the superseded ones no longer conflict with July's
        may = select(graph, "SELECT ?v WHERE { ?s cg:model/rdfs:label 'LLaMA-65B' ; cg:benchmark/rdfs:label 'MMLU' ; "
                            "cg:value ?v ; cg:assertedBy ?c . "
                            "?c dcterms:created '2023-05-26'^^xsd:date }")
        assert [r["v"] for r in may] == ["48.8"]
        replaced = select(graph, "SELECT ?old WHERE { ?old dcterms:isReplacedBy ?new }")
        assert len(replaced) == 2
        assert graph.list_conflicts()[0] == []


def test_bad_files_write_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Model,MMLU (5-shot)\nm1,70.1\nm2,lots\n", encoding="utf-8")
    with Claimgraph(Settings(store="memory:")) as graph:
        graph.ingest([SEED])
        count = graph.store.count()
        with pytest.raises(DossierSyntaxError, match="bad.csv:3"):
            graph.import_file(bad, source="https://example.org/board")
        with pytest.raises(InputError):
            (tmp_path / "bad.json").write_text('{"claims": [{"txt": 1}]}', encoding="utf-8")
            graph.import_file(tmp_path / "bad.json", source="https://example.org/agent")
        assert graph.store.count() == count
    done = run_cli("import", str(bad), "--source", "https://example.org/board", store=tmp_path / "s")
    assert done.returncode == 1 and "bad.csv:3" in done.stderr and "Traceback" not in done.stderr


def test_json_claims_by_cli_and_by_post(tmp_path: Path) -> None:
    claims = {"claims": [{"text": "Zephyr-7B-beta scores 7.34 on MT-Bench.", "stance": "evidence", "date": "2023-10-26",
                          "assertions": {"scores": [{"model": "Zephyr-7B-beta", "benchmark": "MT-Bench",
                                                     "value": 7.34}]}}]}
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims), encoding="utf-8")
    store = tmp_path / "store"
    done = run_cli("import", str(path), "--source", "https://huggingface.co/HuggingFaceH4/zephyr-7b-beta", store=store)
    assert done.returncode == 0, done.stderr
    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph, TestClient(create_app(graph)) as client:
        assert client.post("/claims", json=claims, params={"source": "https://example.org/agent"}).status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        posted = client.post("/claims", json=claims, params={"source": "https://example.org/agent"}, headers=auth)
        assert posted.status_code == 201, posted.text
        (claim,) = posted.json()["claims"]
        rows = select(graph, "SELECT ?c ?v ?note WHERE { ?s cg:assertedBy ?c ; cg:value ?v . "
                             "?c cg:provenanceEvent/skos:note ?note }", c=__import__("pyoxigraph").NamedNode(claim))
        assert rows[0]["v"] == "7.34" and "https://example.org/agent" in rows[0]["note"]
        again = client.post("/claims", json=claims, params={"source": "https://example.org/agent"}, headers=auth)
        assert again.status_code == 200 and again.json()["status"] == "unchanged"
        bad = client.post("/claims", json={"claims": [{"assertions": {"scores": [{"model": "x"}]}}]},
                          params={"source": "https://example.org/agent"}, headers=auth)
        assert bad.status_code == 400 and "scores[0]" in bad.json()["detail"]


def test_json_claims_are_json_ld_in_the_published_context(tmp_path: Path) -> None:
    import rdflib

    from claimgraph.resources import CONTEXT_IRI, claim_context
    falcon, mmlu = "https://w3id.org/claimgraph/id/model/falcon-40b", "https://w3id.org/claimgraph/id/benchmark/mmlu"
    claim = {"@type": "Claim", "text": "Falcon-40B scores 57.0% on MMLU (5-shot).", "stance": "evidence",
             "date": "2023-06-01",
             "assertions": {"scores": [{"@type": "Score", "model": falcon, "benchmark": mmlu, "value": 57.0,
                                        "unit": "percent", "shots": 5}],
                            "comparisons": [{"model": falcon, "other": "https://w3id.org/claimgraph/id/model/llama-65b",
                                             "direction": "worse", "benchmark": mmlu}]}}
    with Claimgraph(Settings(store="memory:", token=TOKEN)) as graph, TestClient(create_app(graph)) as client:
        # the context is published, and what a JSON-LD processor reads with it is the claim, in claimgraph's terms
        served = client.get("/context.jsonld")
        assert served.status_code == 200 and served.headers["content-type"].startswith("application/ld+json")
        assert served.json()["@context"] == claim_context()
        read = rdflib.Dataset()
        read.parse(data=json.dumps({"@context": served.json()["@context"], "claims": [claim]}), format="json-ld")
        cg = rdflib.Namespace("https://w3id.org/claimgraph/ns#")
        (node,) = read.subjects(cg.text, None)
        assert (node, rdflib.RDF.type, cg.Claim) in read and (node, cg.stance, rdflib.Literal("evidence")) in read
        (score,) = read.subjects(rdflib.RDF.type, cg.Score)
        assert (score, cg.assertedBy, node) in read and (score, cg.model, rdflib.URIRef(falcon)) in read
        assert (score, cg.shots, rdflib.Literal(5)) in read
        (comparison,) = read.subjects(cg.direction, rdflib.Literal("worse"))
        assert (comparison, cg.comparedWith, rdflib.URIRef("https://w3id.org/claimgraph/id/model/llama-65b")) in read
        # claimgraph takes the same document by the context's IRI, as application/ld+json
        auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/ld+json"}
        body = json.dumps({"@context": CONTEXT_IRI, "claims": [claim]})
        posted = client.post("/claims", content=body, params={"source": "https://example.org/agent"}, headers=auth)
        assert posted.status_code == 201, posted.text
        rows = select(graph, "SELECT ?m ?v ?shots WHERE { ?s cg:model ?m ; cg:value ?v ; cg:shots ?shots }",
                      m=__import__("pyoxigraph").NamedNode(falcon))
        assert [(r["v"], r["shots"]) for r in rows] in ([("57", "5")], [("57.0", "5")])
        # another context would make the same keys mean something else: refused, naming the field
        for other in ({"@context": "https://schema.org/", "claims": [claim]},
                      {"claims": [{**claim, "@context": {"text": "http://example.org/text"}}]},
                      {"claims": [{**claim, "assertions": {"scores": [{"model": falcon, "benchmark": mmlu,
                                                                       "value": 1, "shot": 5}]}}]}):
            refused = client.post("/claims", json=other, params={"source": "https://example.org/agent"},
                                  headers={"Authorization": f"Bearer {TOKEN}"})
            assert refused.status_code == 400, refused.text
            assert any(k in refused.json()["detail"] for k in ("@context", "shot"))


# -- arbitrary input: a result or an error with a position, never a crash --------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_CELLS = st.sampled_from(["Model", "MMLU (5-shot)", "GSM8K", "71.3", "0.713", "82%", "-", "", "abc", "1e400",
                          "nan", "\"", "\"a,b\"", "x\ty", "Falcon-40B", "NaN", "−3", "1,234.5", "((", "(5-shot"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=1, max_size=5).map(",".join), min_size=1, max_size=8).map("\n".join))
def test_tables_of_anything_read_or_fail_with_a_line(text: str) -> None:
    try:
        for row in read_table(text, source="t.csv"):
            assert row.model and row.line >= 2
            for result in row.results:
                assert result.value.is_finite()
    except DossierSyntaxError as exc:
        assert exc.source == "t.csv" and exc.line >= 1
    except InputError as exc:
        assert str(exc).startswith("t.csv")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_bytes_read_as_a_table_or_a_model_index_never_crash(data: bytes) -> None:
    for read in (lambda: list(read_table(data, source="x")), lambda: read_model_index(data, source="x")):
        try:
            read()
        except DossierSyntaxError as exc:
            assert exc.line >= 1
        except InputError:
            pass


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["claims", "text", "stance", "date", "assertions", "scores", "model",
                                         "benchmark", "value", "rank", "unit", "depends_on", "x"]), inner, max_size=4),
                    max_leaves=12))
def test_json_claims_of_anything_map_or_fail_clearly(data: object) -> None:
    from claimgraph.model import load_vocabulary
    from claimgraph.services.imports import plan_json_claims

    try:
        plan_json_claims(data, source="https://example.org/fuzz", when=date(2026, 1, 1),
                         lexicon=load_vocabulary().lexicon)
    except InputError as exc:
        assert str(exc)


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports in parts of 2 rows, written one part per batch: a 7-row table is four parts, four batches."""
    from functools import partial

    from claimgraph.interfaces import core
    from claimgraph.services.imports import plan_import

    monkeypatch.setattr(core, "plan_import", partial(plan_import, part_rows=2))
    monkeypatch.setattr(core, "IMPORT_BATCH", 1)


MANY_PARTS = ("Model,MMLU (5-shot),GSM8K (8-shot)\nFalcon-40B,57.0,19.6\nm2,40.1,20\nm3,41,21\nm4,42,22\n"
              "m5,43,23\nm6,44,24\nFalcon-40B,52.7,-\n")


@pytest.mark.parametrize("how", ["cache-follows", "re-read-from-store", "fresh-process"])
def test_an_import_in_many_parts_keeps_the_conflicts_a_full_recomputation_finds(
        tmp_path: Path, small_parts: None, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimgraph.services import ingest

    if how != "cache-follows":  # as a long import does: the scopes re-read from the store, part by part
        monkeypatch.setattr(ingest, "_FOLLOW_GRAPHS", 0)
    table = tmp_path / "board.csv"
    table.write_text(MANY_PARTS, encoding="utf-8")
    settings = Settings(store=str(tmp_path / "store"))
    with Claimgraph(settings) as graph:
        graph.ingest([SEED, REAL])
    with Claimgraph(settings) as graph:  # no facts in memory: a CLI import on a store that exists
        if how != "fresh-process":
            graph.conflicts.warm()
        _, results = graph.import_file(table, source="https://example.org/board", when=date(2026, 1, 1))
        assert [r.status for r in results] == ["added"] * 4
        held = sorted(c.iri.value for c in graph.list_conflicts()[0])
        # Falcon-40B's two MMLU rows are in the first and the last part: found across parts
        assert any(c.type == "score-disagreement" and
                   sum("/source/example-org-board/" in claim for claim in c.claims) == 2
                   for c in graph.list_conflicts()[0])
        assert sorted(c.iri.value for c in graph.list_conflicts(recompute=True)[0]) == held


def test_a_part_that_fails_validation_leaves_the_parts_before_it_unwritten(
        tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyoxigraph import Literal, Quad

    from claimgraph.errors import ValidationError
    from claimgraph.namespaces import CG, XSD
    from claimgraph.services import ingest as ingest_module

    real = ingest_module.map_dossier

    def broken_last_part(record, *args, **kwargs):  # type: ignore[no-untyped-def]
        mapped = real(record, *args, **kwargs)
        if not record.canonical_path.endswith("/part-4"):
            return mapped
        claim = mapped.claims[0]
        extra = Quad(claim, CG.position, Literal("0", datatype=XSD.integer), ingest_module.iris.claim_graph(claim))
        return type(mapped)(mapped.iri, mapped.graph, mapped.claims, mapped.quads + (extra,))

    monkeypatch.setattr(ingest_module, "map_dossier", broken_last_part)
    monkeypatch.setattr(ingest_module, "MAPPERS", 1)  # mapped here, where the broken mapping is
    table = tmp_path / "board.csv"
    table.write_text(MANY_PARTS, encoding="utf-8")
    with Claimgraph(Settings(store="memory:")) as graph:
        graph.ingest([SEED])
        count = graph.store.count()
        with pytest.raises(ValidationError, match="part-4"):
            graph.import_file(table, source="https://example.org/board", when=date(2026, 1, 1))
        assert graph.store.count() == count
        assert graph.conflicts.current()


@pytest.mark.parametrize("validate", [True, False])
def test_a_part_that_cannot_be_mapped_leaves_the_parts_before_it_unwritten(
        tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch, validate: bool) -> None:
    """All of a table or none of it, with SHACL or without: a part that fails to map stops the import before
    the parts before it are written."""
    from claimgraph.errors import InputError
    from claimgraph.services import ingest as ingest_module

    real = ingest_module.map_dossier

    def failing_last_part(record, *args, **kwargs):  # type: ignore[no-untyped-def]
        if record.canonical_path.endswith("/part-4"):
            raise InputError(f"{record.canonical_path}: cannot be mapped")
        return real(record, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "map_dossier", failing_last_part)
    monkeypatch.setattr(ingest_module, "MAPPERS", 1)  # mapped here, where the failing mapping is
    table = tmp_path / "board.csv"
    table.write_text(MANY_PARTS, encoding="utf-8")
    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        graph.ingest([SEED])
        count = graph.store.count()
        with pytest.raises(InputError, match="part-4: cannot be mapped"):
            graph.import_file(table, source="https://example.org/board", when=date(2026, 1, 1), validate=validate)
        assert graph.store.count() == count
        assert graph.conflicts.current()


@pytest.mark.parametrize("validate", [True, False])
def test_a_long_import_goes_through_the_bulk_loader_and_writes_what_a_transaction_would(
        tmp_path: Path, small_parts: None, validate: bool) -> None:
    """With SHACL or without, every part is planned before the first is written, and written in one run of the
    bulk loader."""
    from pyoxigraph import Literal, Quad

    table = tmp_path / "board.csv"
    table.write_text(MANY_PARTS, encoding="utf-8")

    class Counting:
        """The pyoxigraph store, with its bulk loader's calls counted."""

        def __init__(self, store: object) -> None:
            self.store, self.bulk = store, 0

        def __getattr__(self, name: str) -> object:
            return getattr(self.store, name)

        def bulk_extend(self, quads: object) -> None:
            self.bulk += 1
            self.store.bulk_extend(quads)  # type: ignore[attr-defined]

        def bulk_load(self, **kwargs: object) -> None:  # the planned parts, taken back from the spool
            self.bulk += 1
            self.store.bulk_load(**kwargs)  # type: ignore[attr-defined]

    def written(store: str, counting: bool) -> set[Quad]:
        with Claimgraph(Settings(store=store)) as graph:
            graph.ingest([SEED])
            if counting:
                graph.store._store = engine = Counting(graph.store._store)  # type: ignore[attr-defined]
            graph.import_file(table, source="https://example.org/board", when=date(2026, 1, 1), validate=validate)
            if counting:
                assert engine.bulk == 1  # every part, each a new dossier, in one run of the loader
                again = graph.import_file(table, source="https://example.org/board", when=date(2026, 1, 1))[1]
                assert [r.status for r in again] == ["unchanged"] * 4
            # the times of ingest differ between runs: compared without them
            return {q for q in graph.store.quads() if not (isinstance(q.object, Literal) and
                                                           q.object.datatype.value.endswith("#dateTime"))}

    assert written(str(tmp_path / "bulk"), True) == written("memory:", False)


def test_an_import_killed_half_way_through_a_bulk_write_is_completed_by_running_it_again(
        tmp_path: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyoxigraph import Literal

    from claimgraph.store.base import nquads
    from claimgraph.store.oxigraph import OxigraphStore

    table = tmp_path / "board.csv"
    table.write_text(MANY_PARTS, encoding="utf-8")
    real = OxigraphStore.bulk_replace_graphs

    def torn(self: OxigraphStore, remove: object, add: object, last: object = ()) -> None:
        # the parts go through the loader in one run: half of it written, then the process dies
        quads = nquads(add.read())  # type: ignore[attr-defined]
        self._store.bulk_extend(quads[: len(quads) // 2])
        raise KeyboardInterrupt

    def content(graph: Claimgraph) -> set[object]:
        return {q for q in graph.store.quads() if not (isinstance(q.object, Literal) and
                                                       q.object.datatype.value.endswith("#dateTime"))}

    settings = Settings(store=str(tmp_path / "store"))
    with Claimgraph(settings) as graph:
        graph.ingest([SEED])
        monkeypatch.setattr(OxigraphStore, "bulk_replace_graphs", torn)
        with pytest.raises(KeyboardInterrupt):
            graph.import_file(table, source="https://example.org/board", when=date(2026, 1, 1))
    monkeypatch.setattr(OxigraphStore, "bulk_replace_graphs", real)
    with Claimgraph(settings) as graph:
        _, again = graph.import_file(table, source="https://example.org/board", when=date(2026, 1, 1))
        assert [r.status for r in again] == ["added"] * 4  # none was marked as written: each is written whole
        repaired = content(graph)
        conflicts = sorted(c.iri.value for c in graph.list_conflicts()[0])
    with Claimgraph(Settings(store="memory:")) as clean:
        clean.ingest([SEED])
        clean.import_file(table, source="https://example.org/board", when=date(2026, 1, 1))
        assert repaired == content(clean)
        assert conflicts == sorted(c.iri.value for c in clean.list_conflicts()[0])


def test_an_ambiguous_model_name_is_kept_apart_and_reported(tmp_path: Path) -> None:
    """A name that could be two entities becomes a new entity of its own, and the plan says so for review."""
    from claimgraph.extract.mentions import Lexicon, LexiconEntry
    from claimgraph.services.imports import plan_import

    lexicon = Lexicon([LexiconEntry("https://w3id.org/claimgraph/id/model/orion-a", "Model", ("Orion",)),
                       LexiconEntry("https://w3id.org/claimgraph/id/model/orion-b", "Model", ("Orion",)),
                       LexiconEntry("https://w3id.org/claimgraph/id/benchmark/mmlu", "Benchmark", ("MMLU",))])
    table = tmp_path / "board.csv"
    table.write_text("Model,MMLU (5-shot)\nOrion,70.1\n", encoding="utf-8")
    plan = plan_import(table, source="https://example.org/board", when=date(2026, 1, 1), lexicon=lexicon)
    assert plan.notes == ["'Orion' could be https://w3id.org/claimgraph/id/model/orion-a, "
                          "https://w3id.org/claimgraph/id/model/orion-b: kept apart as a new entity, for review"]
    (record,) = list(plan.records)
    model = record.claims[0].given.scores[0].model  # type: ignore[union-attr]
    assert model.status == "new" and model.key is None
