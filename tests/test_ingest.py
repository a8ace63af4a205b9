"""Ingest: idempotent, revisions kept, all or nothing, on disk."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal

from claimgraph.config import Settings
from claimgraph.errors import DossierSyntaxError, InputError, ManyErrors, StoreError, ValidationError
from claimgraph.extract import read_dossier
from claimgraph.interfaces.core import Claimgraph
from claimgraph.model import Validator
from claimgraph.resources import SHAPES_FILE, ontology_dir
from tests.conftest import DOSSIERS, SEED, SEEDS, select

T = "https://w3id.org/claimgraph/id/dossier/test-time-compute"


def quads(graph: Claimgraph) -> set[object]:
    return set(graph.store.quads())


def test_ingesting_twice_changes_nothing(graph: Claimgraph) -> None:
    (first,), _ = graph.ingest([SEED])
    before = quads(graph)
    (second,), _ = graph.ingest([SEED])
    assert (first.status, second.status) == ("added", "unchanged")
    assert quads(graph) == before
    assert graph.store.count() == len(before)


def test_revised_dossier_replaces_graphs_and_keeps_the_old_revision(graph: Claimgraph, tmp_path: Path) -> None:
    path = tmp_path / "ttc.md"
    shutil.copy(DOSSIERS / "revision" / "v1.md", path)
    (r1,), _ = graph.ingest([path])
    shutil.copy(DOSSIERS / "revision" / "v2.md", path)
    (r2,), _ = graph.ingest([path])
    assert (r1.status, r2.status) == ("added", "revised")

    # the current graphs hold v2 only
    rows = select(graph, "SELECT ?pos ?stance ?text WHERE { ?c a cg:Claim ; cg:position ?pos ; cg:stance ?stance ;"
                         " cg:text ?text } ORDER BY ?pos")
    assert [(r["pos"], r["stance"]) for r in rows] == [("1", "evidence"), ("2", "speculation")]
    assert "Intelligence Index" in rows[0]["text"]
    mentioned = select(graph, "SELECT ?e WHERE { ?c cg:mentions ?e }")
    assert mentioned == [{"e": "https://w3id.org/claimgraph/id/benchmark/intelligence-index"}]
    (status,) = select(graph, "SELECT ?s WHERE { ?d cg:status ?s }")
    assert status["s"] == "budding"

    # the old revision stays reachable, with its full text
    (row,) = select(graph, """SELECT ?old ?text WHERE { ?d a cg:Dossier ; prov:wasRevisionOf ?old ;
                                cg:currentRevision ?cur . ?cur prov:wasRevisionOf ?old .
                                ?old a cg:DossierRevision ; cg:sourceText ?text }""")
    assert row["text"] == (DOSSIERS / "revision" / "v1.md").read_text(encoding="utf-8")
    assert len(select(graph, "SELECT ?r WHERE { ?r a cg:DossierRevision }")) == 2

    # and re-ingesting v2 is a no-op; going back to v1 is a third revision, not a loop
    before = quads(graph)
    (r3,), _ = graph.ingest([path])
    assert r3.status == "unchanged" and quads(graph) == before
    assert graph.validate().conforms
    shutil.copy(DOSSIERS / "revision" / "v1.md", path)
    (r4,), _ = graph.ingest([path])
    (r5,), _ = graph.ingest([path])
    assert (r4.status, r5.status) == ("revised", "unchanged")
    chain = select(graph, """SELECT ?cur ?prev ?first WHERE { ?d cg:currentRevision ?cur . ?cur prov:wasRevisionOf ?prev .
                               ?prev prov:wasRevisionOf ?first }""")
    assert len(chain) == 1 and chain[0]["cur"] == chain[0]["first"] + "-1"
    assert len(select(graph, "SELECT ?r WHERE { ?r a cg:DossierRevision }")) == 3
    assert graph.validate().conforms


def test_changed_mapping_rewrites_without_new_revision(graph: Claimgraph) -> None:
    graph.ingest([SEED])
    graph.store.update("DELETE WHERE { GRAPH ?g { ?c <https://w3id.org/claimgraph/ns#mentions> ?e } }")
    (result,), _ = graph.ingest([SEED])
    assert result.status == "remapped"
    assert len(select(graph, "SELECT ?c ?e WHERE { ?c cg:mentions ?e }")) > 0
    assert len(select(graph, "SELECT ?r WHERE { ?r a cg:DossierRevision }")) == 1


def test_malformed_file_in_a_batch_writes_nothing(graph: Claimgraph, tmp_path: Path) -> None:
    shutil.copy(DOSSIERS / "variants" / "minimal.md", tmp_path / "a.md")
    shutil.copy(DOSSIERS / "malformed" / "bad-date.md", tmp_path / "b.md")
    with pytest.raises(DossierSyntaxError) as info:
        graph.ingest([tmp_path])
    assert str(info.value).startswith(f"{tmp_path / 'b.md'}:8:")
    assert graph.store.count() == 0


def test_several_malformed_files_are_all_reported(graph: Claimgraph) -> None:
    with pytest.raises(ManyErrors) as info:
        graph.ingest([DOSSIERS / "malformed"])
    assert len(info.value.errors) == len(list((DOSSIERS / "malformed").glob("*.md")))
    assert graph.store.count() == 0


def test_keep_going_writes_the_good_ones(graph: Claimgraph, tmp_path: Path) -> None:
    shutil.copy(DOSSIERS / "variants" / "minimal.md", tmp_path / "a.md")
    shutil.copy(DOSSIERS / "malformed" / "no-title.md", tmp_path / "b.md")
    results, skipped = graph.ingest([tmp_path], keep_going=True)
    assert [r.status for r in results] == ["added"] and len(skipped) == 1
    assert len(select(graph, "SELECT ?c WHERE { ?c a cg:Claim }")) == 1


def test_shape_violation_writes_nothing(graph: Claimgraph, monkeypatch: pytest.MonkeyPatch) -> None:
    # a mapping bug that breaks a shape must be caught before the write
    from claimgraph.services import ingest as ingest_module

    real = ingest_module.map_dossier

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        from pyoxigraph import Literal, Quad

        from claimgraph.namespaces import CG, XSD

        mapped = real(*args, **kwargs)
        claim = mapped.claims[0]
        extra = Quad(claim, CG.position, Literal("0", datatype=XSD.integer),
                     ingest_module.iris.claim_graph(claim))
        return type(mapped)(mapped.iri, mapped.graph, mapped.claims, mapped.quads + (extra,))

    monkeypatch.setattr(ingest_module, "map_dossier", broken)
    with pytest.raises(ValidationError, match="cg:position"):
        graph.ingest([SEED])
    assert graph.store.count() == 0


def test_two_files_for_one_dossier_are_refused(graph: Claimgraph) -> None:
    with pytest.raises(Exception, match="same dossier"):
        graph.ingest([DOSSIERS / "revision"])
    assert graph.store.count() == 0


def test_on_disk_store_persists_and_is_locked(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with Claimgraph(Settings(store=str(store))) as g:
        g.ingest([SEED])
        count = g.store.count()
        with pytest.raises(StoreError, match="in use by another process"):
            Claimgraph(Settings(store=str(store)))
    with Claimgraph(Settings(store=str(store))) as g:
        assert g.store.count() == count
        assert len(select(g, "SELECT ?c WHERE { ?c a cg:Claim }")) == 3


def test_validator_reports_seed_clean() -> None:
    from claimgraph.model import load_vocabulary, map_dossier
    from claimgraph.services.ingest import dossier_files

    vocabulary = load_vocabulary()
    data = list(vocabulary.vocabulary_quads)
    for path in dossier_files([SEEDS, DOSSIERS / "variants"]):
        mapped = map_dossier(read_dossier(path), vocabulary.lexicon)
        data.extend(mapped.quads + mapped.shared)
    report = Validator().validate_quads(data)
    assert report.conforms, [str(v) for v in report.violations]


def test_everything_ingested_is_shacl_valid(graph: Claimgraph, tmp_path: Path) -> None:
    graph.ingest([SEEDS, DOSSIERS / "variants", DOSSIERS / "revision" / "v1.md"])
    shutil.copy(DOSSIERS / "revision" / "v2.md", tmp_path / "v2.md")
    graph.ingest([tmp_path])
    report = graph.validate()
    assert report.conforms, [str(v) for v in report.violations]
    assert report.triples > 500


def test_no_triple_is_repeated_across_graphs(graph: Claimgraph, tmp_path: Path) -> None:
    """The union default graph does not merge equal triples of different graphs: a description repeated in
    every dossier's graph would multiply every join through it. Shared things are stated once."""
    for n in range(3):  # three dossiers by the same agent, operator, person and model
        text = (DOSSIERS / "revision" / "v1.md").read_text(encoding="utf-8")
        (tmp_path / f"d{n}.md").write_text(text.replace("/dossier/test-time-compute", f"/dossier/ttc-{n}"),
                                           encoding="utf-8")
    graph.ingest([SEEDS, DOSSIERS / "variants", tmp_path])
    seen: dict[tuple[object, object, object], object] = {}
    repeated = []
    for q in graph.store.quads():
        key = (q.subject, q.predicate, q.object)
        if key in seen and seen[key] != q.graph_name:
            repeated.append(f"{key} in {seen[key]} and {q.graph_name}")
        seen[key] = q.graph_name
    assert repeated == []


def test_a_large_folder_goes_in_batches_and_writes_what_one_batch_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder of more dossiers than a batch holds: checked whole, then written a batch at a time through the
    bulk loader; the store holds what one transaction per dossier writes, and a bad dossier in the last batch
    still stops everything before the first write."""
    from pyoxigraph import Quad

    from claimgraph.namespaces import CG, XSD
    from claimgraph.services import ingest as ingest_module

    with Claimgraph(Settings(store="memory:")) as whole:
        results, _ = whole.ingest([SEEDS])
        assert len(results) > 4
        expected, conflicts = _content(whole), sorted(c.iri.value for c in whole.list_conflicts()[0])
    monkeypatch.setattr(ingest_module, "INGEST_BATCH", 2)
    monkeypatch.setattr(ingest_module, "MAPPERS", 1)  # mapped here, where the broken mapping below is
    real = ingest_module.map_dossier
    last = sorted(p.name for p in ingest_module.dossier_files([SEEDS]))[-1]

    def broken(record, *args, **kwargs):  # type: ignore[no-untyped-def]
        mapped = real(record, *args, **kwargs)
        if not record.source.endswith(last):
            return mapped
        claim = mapped.claims[0]
        extra = Quad(claim, CG.position, Literal("0", datatype=XSD.integer), ingest_module.iris.claim_graph(claim))
        return type(mapped)(mapped.iri, mapped.graph, mapped.claims, mapped.quads + (extra,))

    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        monkeypatch.setattr(ingest_module, "map_dossier", broken)
        with pytest.raises(ValidationError, match="cg:position"):
            graph.ingest([SEEDS])
        assert graph.store.count() == 0
        monkeypatch.setattr(ingest_module, "map_dossier", real)
        seen: list[tuple[int, int]] = []
        batched, _ = graph.ingest([SEEDS], progress=lambda result, done, total: seen.append((done, total)))
        assert [r.status for r in batched] == [r.status for r in results]
        assert seen == [(n, len(results)) for n in range(1, len(results) + 1)]
        assert _content(graph) == expected
        assert sorted(c.iri.value for c in graph.list_conflicts()[0]) == conflicts


def _content(graph: Claimgraph) -> set[object]:
    """What a store holds but the times of ingest (which differ between runs)."""
    return {q for q in graph.store.quads() if not (isinstance(q.object, Literal) and
                                                   q.object.datatype.value.endswith("#dateTime"))}


def _copies(folder: Path, n: int) -> list[Path]:
    """``n`` dossiers of the seed's text, each under its own title and canonical path."""
    text = SEED.read_text(encoding="utf-8")
    title, rest = text.split("\n", 1)
    canonical = next(line for line in rest.splitlines() if line.startswith("- **canonical:**"))
    folder.mkdir()
    paths = []
    for i in range(n):
        path = folder / f"copy-{i:02d}.md"
        path.write_text(f"{title} ({i})\n" + rest.replace(canonical, f"- **canonical:** /dossier/copy-{i}"),
                        encoding="utf-8")
        paths.append(path)
    return paths


def test_a_large_folder_is_mapped_once_and_written_from_a_spool_a_batch_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder is read whole once to check it, then again batch by batch to plan it, each dossier mapped once;
    the writing takes the planned batches back from a spool on disk one at a time (memory holds a batch), and the
    spool is gone afterwards."""
    from claimgraph.services import ingest as ingest_module

    _copies(tmp_path / "folder", 20)
    monkeypatch.setattr(ingest_module, "INGEST_BATCH", 3)
    monkeypatch.setattr(ingest_module, "MAPPERS", 1)  # mapped here, where the events are counted
    events: list[str] = []
    folders: list[Path] = []
    real_read, real_map = ingest_module.read_dossier, ingest_module.map_dossier
    monkeypatch.setattr(ingest_module, "read_dossier", lambda path: (events.append("read"), real_read(path))[1])
    monkeypatch.setattr(ingest_module, "map_dossier", lambda *a, **k: (events.append("map"), real_map(*a, **k))[1])

    class Watched(ingest_module._Spool):
        def __init__(self) -> None:
            super().__init__()
            folders.append(self._folder)

        def __iter__(self):  # type: ignore[no-untyped-def]
            for batch in super().__iter__():
                events.append("unspool")
                yield batch

    monkeypatch.setattr(ingest_module, "_Spool", Watched)
    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        results, _ = graph.ingest([tmp_path / "folder"], progress=lambda *_: events.append("written"))
        recorded = list(events)
        with Claimgraph(Settings(store="memory:")) as small:  # one batch: planned and written without a spool
            monkeypatch.setattr(ingest_module, "INGEST_BATCH", 250)
            small.ingest([tmp_path / "folder"])
            assert graph.store.count() == small.store.count()
    assert [r.status for r in results] == ["added"] * 20
    assert recorded[:20] == ["read"] * 20  # the check
    batches = [3] * 6 + [2]
    assert recorded[20:60] == [e for n in batches for e in ["read"] * n + ["map"] * n]  # the plan: mapped once
    # the writing takes the batches back one at a time, in three passes: the dossiers that replace what the store
    # holds (none here); the bulk loader's; then each batch's marks, after which its dossiers are written
    assert recorded[60:] == ["unspool"] * 14 + [e for n in batches for e in ["unspool"] + ["written"] * n]
    assert len(folders) == 1 and not folders[0].exists()


def test_the_spool_is_decompressed_ahead_of_the_loader_within_a_budget_of_bytes() -> None:
    """The thread that decompresses the spool for the bulk loader runs ahead of it by fewer than ``depth`` items,
    and takes no new item while those ahead hold ``budget`` bytes or more, whatever their size: a part of an
    import decompresses to tens of megabytes, and 64 of them ahead held 2 GB. Every item comes out, in order."""
    from claimgraph.services.ingest import _ahead

    for sizes, depth, budget in [([100] * 50, 64, 350), ([10] * 50, 4, 10_000), ([500, 1, 1, 900, 2] * 9, 64, 800)]:
        items = [bytes([i % 256]) * size for i, size in enumerate(sizes)]
        taken: list[int] = []

        def source(items: list[bytes], taken: list[int]) -> Iterator[bytes]:
            for i, item in enumerate(items):
                taken.append(i)
                yield item

        out = []
        for got in _ahead(source(items, taken), lambda item: item[::-1], depth=depth, budget=budget):
            ahead = items[len(out) + 1:len(taken)]  # taken from the source, not yet given to the reader
            assert len(ahead) < depth and sum(map(len, ahead[:-1])) < budget
            out.append(got)
        assert out == [item[::-1] for item in items]


def test_a_folder_is_written_as_it_was_checked_even_if_a_file_changes_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file edited before its batch is planned stops the ingest with nothing written; one edited after it was
    planned is written as it was read (the next ingest revises it)."""
    from claimgraph.services import ingest as ingest_module

    paths = _copies(tmp_path / "folder", 12)
    monkeypatch.setattr(ingest_module, "INGEST_BATCH", 3)
    real = ingest_module.read_dossier
    reads = [0]

    def read_then_edit(path: Path):  # type: ignore[no-untyped-def]
        reads[0] += 1
        if reads[0] == 13:  # the check has read every file; the planning pass begins
            paths[-1].write_text(paths[-1].read_text(encoding="utf-8") + "\nA line added meanwhile.\n",
                                 encoding="utf-8")
        return real(path)

    def edit_a_later_file(result, done: int, total: int) -> None:  # type: ignore[no-untyped-def]
        if done == 1:
            paths[-1].write_text(paths[-1].read_text(encoding="utf-8") + "\nAnother line.\n", encoding="utf-8")

    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        monkeypatch.setattr(ingest_module, "read_dossier", read_then_edit)
        with pytest.raises(InputError, match="copy-11.md: changed while the folder was being ingested"):
            graph.ingest([tmp_path / "folder"])
        assert graph.store.count() == 0
        monkeypatch.setattr(ingest_module, "read_dossier", real)
        checked = paths[-1].read_text(encoding="utf-8")
        results, _ = graph.ingest([tmp_path / "folder"], progress=edit_a_later_file)
        assert [r.status for r in results] == ["added"] * 12
        texts = {r["t"] for r in select(graph, "SELECT ?t WHERE { ?r cg:sourceText ?t }")}
        assert checked in texts and paths[-1].read_text(encoding="utf-8") not in texts
        again, _ = graph.ingest([tmp_path / "folder"])
        assert sorted(r.status for r in again) == ["revised"] + ["unchanged"] * 11


def test_a_large_folder_without_validation_is_mapped_in_processes_and_written_as_one_process_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SHACL, the batches of a large folder are mapped in processes of their own (none here maps); what
    is written, what a second run finds unchanged or revised, and the errors a mapping raises, file and line,
    are those of a folder ingested in one process."""
    from claimgraph.services import ingest as ingest_module

    paths = _copies(tmp_path / "folder", 12)
    bad = tmp_path / "folder" / "copy-99.md"  # sorts last: its batch is the last one mapped
    bad.write_text("# Bad block\n\n- **canonical:** /dossier/bad-block\n\n## Claims\n\n"
                   "### [speculation] GPT-4 is the strongest model.\n\n```turtle\n<> cg:dependsOn <unclosed .\n```\n",
                   encoding="utf-8")
    monkeypatch.setattr(ingest_module, "INGEST_BATCH", 3)
    monkeypatch.setattr(ingest_module, "MAPPERS", 2)

    real = ingest_module.map_dossier

    def not_here(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("mapped in the ingesting process")

    def one_process(folder: Path) -> set[object]:
        with Claimgraph(Settings(store="memory:")) as fresh:
            with monkeypatch.context() as m:
                m.setattr(ingest_module, "INGEST_BATCH", 250)
                m.setattr(ingest_module, "map_dossier", real)
                fresh.ingest([folder], validate=False)
            return _content(fresh)

    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        with monkeypatch.context() as m:
            m.setattr(ingest_module, "map_dossier", not_here)
            with pytest.raises(DossierSyntaxError) as info:
                graph.ingest([tmp_path / "folder"], validate=False)
            assert info.value.source.endswith("copy-99.md") and info.value.line == 10
            assert graph.store.count() == 0
            bad.unlink()
            results, _ = graph.ingest([tmp_path / "folder"], validate=False)
            assert [r.status for r in results] == ["added"] * 12
            assert _content(graph) == one_process(tmp_path / "folder")
            again, _ = graph.ingest([tmp_path / "folder"], validate=False)
            assert [r.status for r in again] == ["unchanged"] * 12
            paths[4].write_text(paths[4].read_text(encoding="utf-8") + "\nA line added later.\n", encoding="utf-8")
            revised, _ = graph.ingest([tmp_path / "folder"], validate=False)
            assert [r.status for r in revised] == ["unchanged"] * 4 + ["revised"] + ["unchanged"] * 7
        expected = one_process(tmp_path / "folder")
        assert {q for q in _content(graph) if "/revision/" not in str(q)} == \
            {q for q in expected if "/revision/" not in str(q)}


def test_a_large_folder_is_validated_in_the_mapping_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With SHACL on, the batches of a large folder are mapped and validated in processes of their own: a
    dossier of the last batch that breaks a shape stops the ingest, file named, before anything is written; and
    what a clean run writes is what one process writes."""
    from claimgraph.services import ingest as ingest_module

    _copies(tmp_path / "folder", 12)
    monkeypatch.setattr(ingest_module, "INGEST_BATCH", 3)
    monkeypatch.setattr(ingest_module, "MAPPERS", 2)
    strict = tmp_path / "strict"  # the shipped shapes, and one that only the last copy breaks
    shutil.copytree(ontology_dir(), strict)
    with open(strict / SHAPES_FILE, "a", encoding="utf-8") as shapes:
        shapes.write('\ncgsh:Strict a sh:NodeShape ; sh:targetClass cg:Dossier ;\n'
                     '  sh:property [ sh:path dcterms:title ; sh:pattern "^(?![^(]*[(]11[)])" ;'
                     ' sh:message "Not the eleventh." ] .\n')

    def not_here(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("mapped in the ingesting process")

    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        graph.validator = Validator(strict)  # type: ignore[misc]
        with monkeypatch.context() as m:
            m.setattr(ingest_module, "map_dossier", not_here)
            with pytest.raises(ValidationError, match="in .*copy-11.md:[\\s\\S]*Not the eleventh"):
                graph.ingest([tmp_path / "folder"])
            assert graph.store.count() == 0
            graph.validator = Validator()  # type: ignore[misc]
            results, _ = graph.ingest([tmp_path / "folder"])
        assert [r.status for r in results] == ["added"] * 12
        with Claimgraph(Settings(store="memory:")) as one:
            monkeypatch.setattr(ingest_module, "INGEST_BATCH", 250)
            one.ingest([tmp_path / "folder"])
            assert _content(graph) == _content(one)


def test_a_folder_whose_bulk_write_fails_half_way_is_completed_by_running_it_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new dossiers of a large folder go through the bulk loader in one run, and only then is each marked as
    written. A run that fails half-way through the loader marks none of them: the conflicts then are those of what
    the store holds (read back from it, not taken from the mapping), and running the ingest again writes what one
    clean run writes."""
    from claimgraph.services import ingest as ingest_module
    from claimgraph.store.oxigraph import OxigraphStore

    folder = tmp_path / "folder"
    shutil.copytree(SEEDS, folder)
    monkeypatch.setattr(ingest_module, "INGEST_BATCH", 3)
    monkeypatch.setattr(ingest_module, "MAPPERS", 2)
    real = OxigraphStore.bulk_replace_graphs

    def torn(self: OxigraphStore, remove: object, add: object, last: object = ()) -> None:
        data = add.read()  # type: ignore[attr-defined]  # the whole run, as one stream
        self._store.bulk_load(input=data[: data.rindex(b"\n", 0, len(data) // 2) + 1],
                              format=ingest_module.RdfFormat.N_QUADS)
        raise StoreError("the bulk write failed, part of it may be written: disk full")

    with Claimgraph(Settings(store=str(tmp_path / "store"))) as graph:
        monkeypatch.setattr(OxigraphStore, "bulk_replace_graphs", torn)
        with pytest.raises(StoreError, match="disk full"):
            graph.ingest([folder], validate=False)
        monkeypatch.setattr(OxigraphStore, "bulk_replace_graphs", real)
        assert graph.store.count() > 0
        assert select(graph, "SELECT ?d WHERE { ?d cg:currentRevision ?r }") == []  # none marked as written
        held = set(graph.store.quads(ingest_module.iris.CONFLICTS_GRAPH))
        with graph.store.write_lock:
            graph.conflicts.recompute()
        assert set(graph.store.quads(ingest_module.iris.CONFLICTS_GRAPH)) == held
        results, _ = graph.ingest([folder], validate=False)
        assert {r.status for r in results} == {"added"}
        with Claimgraph(Settings(store="memory:")) as clean:
            with monkeypatch.context() as m:
                m.setattr(ingest_module, "INGEST_BATCH", 250)
                clean.ingest([folder], validate=False)
            assert _content(graph) == _content(clean)


def test_an_ingest_stopped_by_sigterm_ends_as_after_ctrl_c(tmp_path: Path) -> None:
    """SIGTERM while a large folder is being planned: the command ends with a message, not a traceback, its
    spool folder removed and nothing written; run again, it writes the folder."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT, run_cli

    _copies(tmp_path / "folder", 300)  # more than a batch: planned into a spool, in mapping processes
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    store = tmp_path / "store"
    ingest = subprocess.Popen([sys.executable, "-m", "claimgraph", "ingest", "--no-validate", "--store", str(store),
                               str(tmp_path / "folder")], env={**os.environ, "TMPDIR": str(scratch)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not any(p.name.startswith("claimgraph-ingest-") for p in scratch.iterdir()):
            assert ingest.poll() is None and time.monotonic() < deadline, "no spool was made"
            time.sleep(0.02)
        ingest.send_signal(signal.SIGTERM)
        _, errors = ingest.communicate(timeout=60)
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait()
    assert ingest.returncode == 143 and errors.strip().endswith("claimgraph: terminated"), errors
    assert "Traceback" not in errors, errors
    assert [p.name for p in scratch.iterdir() if p.name.startswith("claimgraph-ingest-")] == []
    assert run_cli("ingest", "--no-validate", str(tmp_path / "folder"), store=store).returncode == 0
