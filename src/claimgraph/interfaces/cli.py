"""The ``claimgraph`` command.

Exit codes: 0 success; 1 bad input or data (a malformed dossier, a SPARQL error, SHACL violations);
2 bad command line; 3 the store cannot be used (locked by another process); 130 interrupted.
Errors are one line each on standard error, never a traceback (``CLAIMGRAPH_DEBUG=1`` shows it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from claimgraph import __version__
from claimgraph.config import DEFAULT_STORE, Settings
from claimgraph.errors import ClaimgraphError, InputError, QueryError, UsageError
from claimgraph.services.conflicts.conflict import SEVERITIES, TYPES
from claimgraph.services.engine import ABORTED, may_sort
from claimgraph.services.export import EXPORT_FORMATS, GRAPH_FORMATS
from claimgraph.services.sparql import FORMATS, run_query

if TYPE_CHECKING:
    from claimgraph.services.conflicts import Conflict, FactSet
    from claimgraph.services.ingest import IngestResult

# What a command needs beyond reading its arguments (the dossier mapping, SHACL, networkx: about 200 ms) is
# imported by the command, so that `claimgraph query` starts in about a third of the time.

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", metavar="STORE", default=argparse.SUPPRESS,
                        help=f"a store folder, or memory: (default: $CLAIMGRAPH_STORE, else {DEFAULT_STORE})")
    parser = argparse.ArgumentParser(
        prog="claimgraph", parents=[common],
        description="A knowledge graph of AI capability claims: ingest dossiers, query them with SPARQL, serve them.",
    )
    parser.add_argument("--version", action="version", version=f"claimgraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ingest", parents=[common], help="ingest dossier files or folders into the store")
    p.add_argument("paths", nargs="+", metavar="PATH", help="dossier files (.md, .markdown, .txt) or folders")
    p.add_argument("--keep-going", action="store_true",
                   help="ingest the good dossiers even if some are malformed (each is still all or nothing)")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation before writing")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    p = sub.add_parser("query", parents=[common], help="run a SPARQL query (prefixes cg, rdf, rdfs, xsd, owl, "
                                                       "skos, prov, dcterms, schema are predeclared)")
    p.add_argument("sparql", nargs="?", help="the query; '-' or nothing reads standard input")
    p.add_argument("-f", "--file", type=Path, help="read the query from this file")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    p.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)  # even if it may sort: _query_apart

    p = sub.add_parser("validate", parents=[common],
                       help="check the store (or the given RDF files or dossiers) against the SHACL shapes")
    p.add_argument("paths", nargs="*", metavar="PATH", help="RDF files or dossiers to check instead of the store")

    p = sub.add_parser("export", parents=[common],
                       help="write the store, or one dossier, as RDF; or the claims graph for graph tools")
    p.add_argument("--format", choices=tuple(EXPORT_FORMATS) + GRAPH_FORMATS, default="nquads",
                   help="RDF: nquads (default), trig, turtle, ntriples; graph tools: graphml, gexf, cytoscape, "
                        "nodelink, dot")
    p.add_argument("--dossier", help="only this dossier (its IRI, canonical path or slug; RDF formats)")
    p.add_argument("--around", metavar="ENTITY", help="graph formats: only the neighbourhood of this entity or "
                                                      "claim (IRI or label)")
    p.add_argument("--depth", type=int, default=2, help="graph formats: links followed from --around (default 2)")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: standard output)")

    p = sub.add_parser("dump", parents=[common], help="back the whole store up as N-Quads or TriG (streamed)")
    p.add_argument("--format", choices=("nquads", "trig"), default="nquads", help="default: nquads")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: standard output)")

    p = sub.add_parser("restore", parents=[common], help="load a dump into an empty store (all of it or nothing)")
    p.add_argument("dump", type=Path, help="an N-Quads (.nq) or TriG (.trig) file written by `claimgraph dump`")
    p.add_argument("--format", choices=("nquads", "trig"), help="default: by the file's extension")

    p = sub.add_parser("stats", parents=[common], help="count what the store holds")
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = sub.add_parser("eval-extraction", help="measure the extractor against gold annotations (precision, recall)")
    p.add_argument("gold", nargs="*", type=Path, metavar="GOLD",
                   help="gold files (default: every *.gold.json under seeds/ and tests/data/)")
    p.add_argument("--errors", action="store_true", help="list every miss and every false find")
    p.add_argument("--min-precision", type=float, default=0.0, help="exit 1 if any kind scores below this")
    p.add_argument("--min-recall", type=float, default=0.0, help="exit 1 if any kind scores below this")

    p = sub.add_parser("import", parents=[common],
                       help="import evaluation data as claims: a leaderboard table (CSV/TSV), a model card's "
                            "model-index (YAML), or JSON claims")
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument("--source", required=True, metavar="URL", help="where the data came from (kept with every claim)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="when it was retrieved (default: today); a later date is a "
                                                        "new snapshot of the same source")
    p.add_argument("--mapping", type=Path, metavar="FILE", help="what a table's columns mean (YAML or JSON)")
    p.add_argument("--format", choices=("table", "model-index", "json"), help="default: from the file")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation before writing")

    p = sub.add_parser("conflicts", parents=[common], help="list the conflicts between claims the graph holds")
    p.add_argument("--format", choices=("table", "json"), default="table", help="default: table")
    p.add_argument("--type", choices=TYPES, help="only conflicts of this type")
    p.add_argument("--severity", choices=SEVERITIES, help="only conflicts of this severity")
    p.add_argument("--claim", metavar="IRI", help="only conflicts involving this claim")
    p.add_argument("--entity", metavar="IRI|LABEL", help="only conflicts whose claims mention or depend on this entity")
    p.add_argument("--recompute", action="store_true", help="recompute every conflict from the claims first")

    p = sub.add_parser("check", parents=[common],
                       help="dry run: the conflicts a proposed claim would create (nothing is written)")
    p.add_argument("source", metavar="FILE|-", help="a dossier or claim snippet (Markdown), or JSON; '-' reads stdin")
    p.add_argument("--format", choices=("json", "table"), default="json", help="default: json")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="date the proposed claims carry if they give none (default: today)")

    p = sub.add_parser("mcp", parents=[common],
                       help="serve the graph to agents over the Model Context Protocol (stdio): sparql_query, "
                            "check_claim, list_conflicts, describe_entity, claims_depending_on")
    p.add_argument("--query-timeout", type=float, metavar="SECONDS",
                   help="stop a query after this long (default: $CLAIMGRAPH_QUERY_TIMEOUT, else 30)")

    p = sub.add_parser("serve", parents=[common], help="serve the store over HTTP (SPARQL endpoint and pages)")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="default: 8000")
    p.add_argument("--query-timeout", type=float, metavar="SECONDS",
                   help="stop a query after this long (default: $CLAIMGRAPH_QUERY_TIMEOUT, else 30)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="query worker processes (default: $CLAIMGRAPH_QUERY_WORKERS, else 2)")
    p.add_argument("--processes", type=int, metavar="N",
                   help="processes that accept connections (default: $CLAIMGRAPH_SERVE_PROCESSES, else one per "
                        "CPU, at most 4; 1: the store's process alone)")
    p.add_argument("--answer-cache", type=int, metavar="BYTES",
                   help="bytes of answers each front process keeps for the store's current state (default: "
                        "$CLAIMGRAPH_ANSWER_CACHE_BYTES, else 67108864; 0: none kept)")
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, so that it ends through its cleanup as after Ctrl-C (temporary
    folders removed, what an ingest wrote brought into the conflicts, the store closed)."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handles = threading.current_thread() is threading.main_thread()  # (tests call main from threads too)
    # the command line of this process (not a call from other code), which the command may start again
    args.argv = sys.argv[1:] if argv is None and handles else None
    previous = signal.signal(signal.SIGTERM, _terminate) if handles else None
    try:
        settings = Settings.from_env(store=getattr(args, "store", None))
        return _COMMANDS[args.command](args, settings)
    except ClaimgraphError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"claimgraph: error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, _Terminated)
        print(f"claimgraph: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:
        # the reader (head, less) went away: not an error of ours
        sys.stderr.close()
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if os.environ.get("CLAIMGRAPH_DEBUG"):
            raise
        print(f"claimgraph: internal error: {type(exc).__name__}: {exc} "
              "(set CLAIMGRAPH_DEBUG=1 to see where)", file=sys.stderr)
        return 70
    finally:
        if handles:
            signal.signal(signal.SIGTERM, previous)


def _open(settings: Settings, *, create: bool = False):  # type: ignore[no-untyped-def]
    from claimgraph.interfaces.core import Claimgraph

    return Claimgraph(settings, create=create)


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    progress = _Progress(sys.stderr) if not args.quiet and sys.stderr.isatty() else None
    with _open(settings, create=True) as graph:
        results, skipped = graph.ingest(args.paths, keep_going=args.keep_going, validate=not args.no_validate,
                                        progress=progress)
    if progress:
        progress.done()
    for error in skipped:
        print(f"claimgraph: skipped: {error}", file=sys.stderr)
    if not args.quiet:
        counts = {s: sum(1 for r in results if r.status == s) for s in ("added", "revised", "remapped", "unchanged")}
        claims = sum(r.claims for r in results)
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to do"
        print(f"ingested {len(results)} dossier{'s' if len(results) != 1 else ''} "
              f"({claims} claim{'s' if claims != 1 else ''}): {summary}; store: {settings.store}")
    return 1 if skipped else 0


def _query(args: argparse.Namespace, settings: Settings) -> int:
    if args.file is not None:
        if args.sparql is not None:
            raise UsageError("give the query as an argument or with --file, not both")
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{args.file}: cannot read the query: {exc}") from None
    elif args.sparql in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("no query: give it as an argument, with --file, or on standard input")
        text = sys.stdin.read()
    else:
        text = args.sparql
    if may_sort(text) and not args.in_process and settings.on_disk:
        return _query_apart(text, args.format, settings)
    from claimgraph.store import open_store  # the store alone: a query needs nothing else of claimgraph

    store = open_store(settings.store, create=False, remote=settings.remote)
    try:
        run_query(store, text, sys.stdout.buffer, args.format)
    finally:
        store.close()
    sys.stdout.flush()
    return 0


def _query_apart(text: str, fmt: str, settings: Settings) -> int:
    """Run a query that may sort on an embedded store in a child ``claimgraph query --in-process``, which writes to
    this one's standard output: the engine may abort the process it sorts in (``engine.ABORTED``), which this one
    can then say in words. The child opens the store itself (this process has not); what it says on standard error
    is passed on, unless it aborted."""
    sys.stdout.flush()
    child = subprocess.run([sys.executable, "-m", "claimgraph", "query", "--in-process", "--store", settings.store,
                            "--format", fmt, "-"], input=text.encode("utf-8"), stderr=subprocess.PIPE)
    if child.returncode == -signal.SIGABRT:
        raise QueryError(ABORTED)
    sys.stderr.write(child.stderr.decode("utf-8", "replace"))
    if child.returncode < 0:  # killed: no words of its own
        name = signal.Signals(-child.returncode).name
        raise QueryError(f"the process evaluating the query was ended by {name}"
                         + (" (out of memory?)" if child.returncode == -signal.SIGKILL else ""))
    return child.returncode


def _validate(args: argparse.Namespace, settings: Settings) -> int:
    if args.paths:
        # checking files needs no store: an in-memory one keeps a running server's store free
        settings = Settings(store="memory:", token=settings.token)
    with _open(settings) as graph:
        report = graph.validate(args.paths)
    for violation in report.violations:
        print(violation)
    failures = sum(1 for v in report.violations if v.severity == "Violation")
    what = ", ".join(args.paths) if args.paths else settings.store
    print(f"{failures} violation{'s' if failures != 1 else ''} in {report.triples} {report.counted} ({what})")
    return 0 if report.conforms else 1


def _export(args: argparse.Namespace, settings: Settings) -> int:
    graph_format = args.format in GRAPH_FORMATS
    if graph_format and args.dossier:
        raise UsageError("--dossier is for RDF formats; for graph formats use --around ENTITY")
    if not graph_format and getattr(args, "around", None):
        raise UsageError("--around is for graph formats (graphml, gexf, cytoscape, nodelink, dot)")
    with _open(settings) as graph:
        def write(out: BinaryIO) -> None:
            if graph_format:
                around = graph.resolve_entity(args.around) if args.around else None
                # a file for a graph tool (Gephi, Cytoscape): the whole graph, however large (the web's
                # graph view is what stops at analytics.MAX_NODES, a browser's drawing limit)
                from claimgraph.services.analytics import GraphFilter

                graph.export_graph(args.format, GraphFilter(around=around, depth=args.depth), max_nodes=None,
                                   output=out)
            else:
                graph.export(out, args.format, args.dossier)

        if args.output is None:
            write(sys.stdout.buffer)
            sys.stdout.flush()
        else:
            tmp = args.output.with_name(args.output.name + ".partial")
            try:
                with tmp.open("wb") as out:
                    write(out)
                tmp.replace(args.output)
            except OSError as exc:
                raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
            finally:
                tmp.unlink(missing_ok=True)
    return 0


def _dump(args: argparse.Namespace, settings: Settings) -> int:
    return _export(argparse.Namespace(format=args.format, dossier=None, output=args.output, around=None), settings)


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from pyoxigraph import RdfFormat

    if not args.dump.is_file():
        raise UsageError(f"{args.dump}: no such file")
    if args.format:
        fmt = RdfFormat.N_QUADS if args.format == "nquads" else RdfFormat.TRIG
    else:
        fmt = {".nq": RdfFormat.N_QUADS, ".nquads": RdfFormat.N_QUADS, ".trig": RdfFormat.TRIG}.get(
            args.dump.suffix.lower())
        if fmt is None:
            raise UsageError(f"{args.dump}: say --format nquads or --format trig")
    with _open(settings, create=True) as graph:
        graph.store.restore(args.dump, fmt)
        count = graph.store.count()
    print(f"restored {count} quads into {settings.store}")
    return 0


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    with _open(settings) as graph:
        result = graph.stats()
    if args.format == "json":
        print(json.dumps(result.as_dict(), indent=2))
        return 0
    print(f"store: {settings.store}")
    print(f"quads: {result.quads}  named graphs: {result.named_graphs}")
    for name, n in result.classes.items():
        print(f"  {name:<18} {n}")
    if result.stances:
        print("claims by stance: " + ", ".join(f"{s} {n}" for s, n in result.stances.items()))
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    try:
        when = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise UsageError(f"--date: expected YYYY-MM-DD, got {args.date!r}") from None
    mapping = None
    if args.mapping is not None:
        import yaml

        try:
            mapping = yaml.safe_load(args.mapping.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise UsageError(f"{args.mapping}: cannot read the mapping: {exc}") from None
        if not isinstance(mapping, dict):
            raise UsageError(f"{args.mapping}: a mapping is key: value pairs (model, benchmark, columns, skip, long)")
    with _open(settings, create=True) as graph:
        plan, results = graph.import_file(args.path, source=args.source, when=when, mapping=mapping, fmt=args.format,
                                          validate=not args.no_validate)
    for note in plan.notes:
        print(f"claimgraph: review: {note}", file=sys.stderr)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("added", "revised", "remapped", "unchanged")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    print(f"imported {plan.rows} row{'s' if plan.rows != 1 else ''} ({plan.results} results) from {args.path} as "
          f"{len(results)} dossier{'s' if len(results) != 1 else ''}: {summary}; store: {settings.store}")
    return 0


def _conflicts(args: argparse.Namespace, settings: Settings) -> int:
    with _open(settings) as graph:
        entity = graph.resolve_entity(args.entity) if args.entity else None
        from claimgraph.services.conflicts import ConflictFilter

        found, facts = graph.list_conflicts(ConflictFilter(args.type, args.severity, args.claim, entity),
                                            recompute=args.recompute)
        _print_conflicts(found, facts, args.format)
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    if args.source == "-":
        if sys.stdin is None:
            raise UsageError("no proposal on standard input")
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{args.source}: cannot read the proposal: {exc}") from None
    try:
        today = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise UsageError(f"--date: expected YYYY-MM-DD, got {args.date!r}") from None
    proposal: object = text
    if text.lstrip().startswith(("{", "[")):
        try:
            proposal = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{args.source}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    with _open(settings) as graph:
        found, facts = graph.check(proposal, today=today)
        _print_conflicts(found, facts, args.format)
    return 0


def _print_conflicts(found: list[Conflict], facts: FactSet, fmt: str) -> None:
    if fmt == "json":
        from claimgraph.services.conflicts import conflicts_json

        print(json.dumps(conflicts_json(found, facts), indent=2, ensure_ascii=False))
        return
    if not found:
        print("no conflicts")
        return
    for conflict in found:
        print(f"{conflict.type} [{conflict.severity}] {conflict.explanation}")
        for claim in conflict.claims:
            print(f"    {claim}")
    print(f"{len(found)} conflict{'s' if len(found) != 1 else ''}")


def _mcp(args: argparse.Namespace, settings: Settings) -> int:
    from claimgraph.interfaces.agent_tools import build_server

    if args.query_timeout is not None:
        if args.query_timeout <= 0:
            raise UsageError("--query-timeout must be positive")
        settings = dataclasses.replace(settings, query_timeout=args.query_timeout)
    _open(settings).close()  # a missing or locked store is an error here, not inside the protocol
    build_server(settings).run("stdio")
    return 0


def _eval_extraction(args: argparse.Namespace, settings: Settings) -> int:
    from claimgraph.model import load_vocabulary
    from claimgraph.services.evaluation import evaluate

    files = args.gold or sorted(p for folder in ("seeds", "tests/data") for p in Path(folder).rglob("*.gold.json"))
    if not files:
        raise UsageError("no gold files given, and none under seeds/ or tests/data/")
    tallies = evaluate(files, load_vocabulary().lexicon)
    print(f"{'kind':<12} {'gold':>5} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7}")
    failed = False
    for kind, t in tallies.items():
        print(f"{kind:<12} {t.gold:>5} {t.found:>6} {t.correct:>6} {t.precision:>10.3f} {t.recall:>7.3f}")
        failed |= t.precision < args.min_precision or t.recall < args.min_recall
        if args.errors:
            for line in t.misses:
                print(f"  missed  {line}")
            for line in t.false:
                print(f"  false   {line}")
    print(f"({len(files)} gold file{'s' if len(files) != 1 else ''})")
    return 1 if failed else 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from claimgraph.interfaces import malloc

    lib = malloc.library(settings.malloc)
    if lib is not None and args.argv is not None and not malloc.preloaded(lib):
        malloc.restart_with(lib, args.argv)  # does not return: this command again, on that malloc
    import uvicorn

    from claimgraph.interfaces.http.app import create_app

    overrides = {k: v for k, v in (("query_timeout", args.query_timeout), ("query_workers", args.workers),
                                   ("serve_processes", args.processes)) if v is not None}
    if any(v <= 0 for v in overrides.values()):
        raise UsageError("--query-timeout, --workers and --processes must be positive")
    if args.answer_cache is not None:
        if args.answer_cache < 0:
            raise UsageError("--answer-cache must be 0 or more")
        overrides["answer_cache_bytes"] = args.answer_cache
    settings = dataclasses.replace(settings, **overrides)
    graph = _open(settings, create=True)  # opened here so that a locked store fails before the server starts
    # several processes accept connections only over an on-disk store, whose snapshots they can read
    processes = settings.serve_processes if settings.on_disk else 1
    host = f"[{args.host}]" if ":" in args.host else args.host
    # SIGTERM (how service managers stop a server) stops it, a success: uvicorn handles it while serving, then
    # raises it again once it has stopped, which ends the process through the cleanup below (by default it
    # would end it there, the store unclosed and the temporary folders left behind)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    try:
        if processes > 1:
            from claimgraph.interfaces.http.front import serve_with_fronts

            serve_with_fronts(graph, args.host, args.port, processes,
                              lambda: _announce(settings, host, args.port, processes))
        else:
            _announce(settings, host, args.port, 1)
            uvicorn.run(create_app(graph), host=args.host, port=args.port, log_level="warning")
    finally:
        graph.close()
    return 0


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _announce(settings: Settings, host: str, port: int, processes: int) -> None:
    from claimgraph.interfaces import malloc

    print(f"claimgraph: serving {settings.store} at http://{host}:{port}/  "
          f"(SPARQL endpoint: http://{host}:{port}/sparql; writes "
          f"{'need the bearer token' if settings.token else 'disabled: no CLAIMGRAPH_TOKEN'}; "
          f"{processes} serving process{'es' if processes != 1 else ''}; malloc: {malloc.in_use()})", flush=True)


_COMMANDS = {
    "ingest": _ingest,
    "query": _query,
    "validate": _validate,
    "export": _export,
    "stats": _stats,
    "serve": _serve,
    "eval-extraction": _eval_extraction,
    "dump": _dump,
    "restore": _restore,
    "conflicts": _conflicts,
    "import": _import,
    "check": _check,
    "mcp": _mcp,
}


class _Progress:
    """A one-line progress display on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def __call__(self, result: IngestResult, done: int, total: int) -> None:
        self.count = done
        width = 30
        filled = width * done // max(total, 1)
        name = Path(result.source).name
        self.stream.write(f"\r\033[K[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                          f"{result.status:<9} {name[:40]}")
        self.stream.flush()

    def done(self) -> None:
        if self.count:
            self.stream.write("\r\033[K")
            self.stream.flush()
