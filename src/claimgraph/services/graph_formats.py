"""The claims graph written for graph tools, streamed: GraphML and GEXF (Gephi, networkx, yEd), Cytoscape JSON
(Cytoscape, Cytoscape.js), node-link JSON (networkx, D3) and DOT (Graphviz).

Each is written element by element to the output as it goes, in chunks: networkx's own writers build the whole
document first (an XML tree, or one JSON value, then its text), which at 100k claims held 1-2.4 GB on top of the
graph. What is written has the shapes those writers give, and networkx reads it back as the graph it was written
from (``tests/test_graphs.py``): GraphML and GEXF with a typed attribute for each name the nodes and edges use,
node-link JSON in the shape of ``nx.node_link_data(graph, edges="edges")``, Cytoscape JSON in the shape
Cytoscape.js takes. An attribute whose value is None is left out; characters XML 1.0 cannot hold are left out of
XML text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any, BinaryIO

import networkx as nx

from claimgraph.errors import UsageError
from claimgraph.services.export import GRAPH_FORMATS

__all__ = ["write", "write_parts", "cytoscape_elements"]

#: bytes gathered before each write to the output
_CHUNK = 1 << 20
#: characters XML 1.0 does not allow (control characters other than tab, newline, carriage return)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHAPES = {"Claim": "note", "Model": "box", "Method": "ellipse", "Benchmark": "cylinder", "Organization": "house",
           "Event": "diamond", "Metric": "plain"}


#: a graph as the writers read it: its nodes (id, attributes), and its edges (source, target, key, attributes),
#: each a function that gives them anew (GraphML and GEXF read them twice: once for the attributes they use)
Nodes = Callable[[], Iterable[tuple[str, dict[str, Any]]]]
Edges = Callable[[], Iterable[tuple[str, str, str, dict[str, Any]]]]


def write(graph: nx.MultiDiGraph, fmt: str, output: BinaryIO) -> None:
    """Write ``graph`` in ``fmt`` (one of ``GRAPH_FORMATS``) to ``output``."""
    write_parts(fmt, output, lambda: graph.nodes(data=True), lambda: graph.edges(keys=True, data=True))


def write_parts(fmt: str, output: BinaryIO, nodes: Nodes, edges: Edges,
                edge_attrs: Iterable[dict[str, Any]] | None = None) -> None:
    """Write the graph of ``nodes`` and ``edges`` in ``fmt`` to ``output``, without holding it: what a whole
    graph too large for networkx is written with (``analytics.write_whole_graph``). ``edge_attrs``: attributes
    of edges that between them have every name and type the edges use, where the caller knows them (else the
    edges are read once more for them, by GraphML and GEXF)."""
    writers = {"graphml": _graphml, "gexf": _gexf, "nodelink": _nodelink, "cytoscape": _cytoscape, "dot": _dot}
    if fmt not in writers:
        raise UsageError(f"unknown graph format {fmt!r}; expected one of {', '.join(GRAPH_FORMATS)}")
    held: list[str] = []
    size = 0
    known = None if edge_attrs is None else _kinds(edge_attrs)
    for text in writers[fmt](nodes, edges, known):
        held.append(text)
        size += len(text)
        if size >= _CHUNK:
            output.write("".join(held).encode("utf-8"))
            held, size = [], 0
    output.write("".join(held).encode("utf-8"))


def cytoscape_elements(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes and edges in Cytoscape.js's element form (what the web's graph view draws)."""
    return {"nodes": [_cytoscape_node(n, d) for n, d in graph.nodes(data=True)],
            "edges": [_cytoscape_edge(u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True)]}


def _cytoscape_node(node: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"id": node, **data}}


def _cytoscape_edge(source: str, target: str, key: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"id": f"{source}|{key}|{target}", "source": source, "target": target, **data}}


def _set(data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    return ((name, value) for name, value in data.items() if value is not None)


def _xml(value: object) -> str:
    """``value`` as XML text or attribute value: escaped, line breaks and tabs as references (an attribute's
    would be read as spaces otherwise), what XML cannot hold left out."""
    text = _NOT_XML.sub("", str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def _kinds(items: Iterable[dict[str, Any]]) -> dict[str, type]:
    """Each attribute name the items use, in the order first met, with the type of its first value."""
    found: dict[str, type] = {}
    for data in items:
        for name, value in _set(data):
            found.setdefault(name, type(value))
    return found


_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double"}


def _graphml_value(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else _xml(value)


def _graphml(nodes: Nodes, edges: Edges, edge_keys: dict[str, type] | None) -> Iterator[str]:
    node_keys = _kinds(d for _, d in nodes())
    edge_keys = _kinds(d for _, _, _, d in edges()) if edge_keys is None else edge_keys
    ids: dict[tuple[str, str], str] = {}
    yield ('<?xml version="1.0" encoding="utf-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/'
           'xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for scope, keys in (("node", node_keys), ("edge", edge_keys)):
        for name, kind in keys.items():
            ids[scope, name] = key = f"d{len(ids)}"
            yield (f'  <key id="{key}" for="{scope}" attr.name="{_xml(name)}" '
                   f'attr.type="{_GRAPHML_TYPES.get(kind, "string")}" />\n')
    yield '  <graph edgedefault="directed">\n'
    for node, data in nodes():
        yield f'    <node id="{_xml(node)}">\n' + "".join(
            f'      <data key="{ids["node", name]}">{_graphml_value(value)}</data>\n' for name, value in _set(data)
        ) + "    </node>\n"
    for source, target, key, data in edges():
        yield f'    <edge source="{_xml(source)}" target="{_xml(target)}" id="{_xml(key)}">\n' + "".join(
            f'      <data key="{ids["edge", name]}">{_graphml_value(value)}</data>\n' for name, value in _set(data)
        ) + "    </edge>\n"
    yield "  </graph>\n</graphml>\n"


_GEXF_TYPES = {bool: "boolean", int: "long", float: "double"}


def _gexf(nodes: Nodes, edges: Edges, edge_keys: dict[str, type] | None) -> Iterator[str]:
    """GEXF 1.2 as networkx writes it: a node's ``label`` is its label, the others its attribute values; an edge's
    key is the ``networkx_key`` attribute networkx reads back as the key."""
    node_keys = {name: kind for name, kind in _kinds(d for _, d in nodes()).items() if name != "label"}
    edge_keys = {"networkx_key": str, **{name: kind for name, kind in (
        _kinds(d for _, _, _, d in edges()) if edge_keys is None else edge_keys).items() if name != "label"}}
    ids: dict[tuple[str, str], str] = {}
    yield ('<?xml version="1.0" encoding="utf-8"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.gexf.net/1.2draft '
           'http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
           f'  <meta lastmodifieddate="{date.today().isoformat()}">\n    <creator>claimgraph</creator>\n  </meta>\n'
           '  <graph defaultedgetype="directed" mode="static" name="claimgraph">\n')
    for scope, keys in (("node", node_keys), ("edge", edge_keys)):
        yield f'    <attributes mode="static" class="{scope}">\n'
        for name, kind in keys.items():
            ids[scope, name] = key = str(len(ids))
            yield f'      <attribute id="{key}" title="{_xml(name)}" type="{_GEXF_TYPES.get(kind, "string")}" />\n'
        yield "    </attributes>\n"

    def values(scope: str, data: Iterable[tuple[str, Any]]) -> str:
        held = "".join(f'          <attvalue for="{ids[scope, name]}" value="{_graphml_value(value)}" />\n'
                       for name, value in data if name != "label")
        return f"        <attvalues>\n{held}        </attvalues>\n" if held else ""

    yield "    <nodes>\n"
    for node, data in nodes():
        label = data.get("label")
        yield (f'      <node id="{_xml(node)}" label="{_xml(node if label is None else label)}">\n'
               f'{values("node", _set(data))}      </node>\n')
    yield "    </nodes>\n    <edges>\n"
    for number, (source, target, key, data) in enumerate(edges()):
        label = data.get("label")
        named = f' label="{_xml(label)}"' if label is not None else ""
        yield (f'      <edge source="{_xml(source)}" target="{_xml(target)}" id="{number}"{named}>\n'
               f'{values("edge", [("networkx_key", key), *_set(data)])}      </edge>\n')
    yield "    </edges>\n  </graph>\n</gexf>\n"


def _json_list(items: Iterable[Any]) -> Iterator[str]:
    first = True
    for item in items:
        yield ("\n  " if first else ",\n  ") + json.dumps(item, ensure_ascii=False, default=str)
        first = False
    yield "\n ]" if not first else "]"


def _nodelink(nodes: Nodes, edges: Edges, _: object = None) -> Iterator[str]:
    """``nx.node_link_data(graph, edges="edges")``, which ``nx.node_link_graph(data, edges="edges")`` reads."""
    yield '{"directed": true, "multigraph": true, "graph": {},\n "nodes": ['
    yield from _json_list({**dict(_set(d)), "id": n} for n, d in nodes())
    yield ',\n "edges": ['
    yield from _json_list({**dict(_set(d)), "source": u, "target": v, "key": k} for u, v, k, d in edges())
    yield "\n}\n"


def _cytoscape(nodes: Nodes, edges: Edges, _: object = None) -> Iterator[str]:
    yield '{"data": {"name": "claimgraph"},\n "elements": {"nodes": ['
    yield from _json_list(_cytoscape_node(n, dict(_set(d))) for n, d in nodes())
    yield ',\n "edges": ['
    yield from _json_list(_cytoscape_edge(u, v, k, dict(_set(d))) for u, v, k, d in edges())
    yield "}\n}\n"


def _dot(nodes: Nodes, edges: Edges, _: object = None) -> Iterator[str]:
    def quote(text: object) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    yield "digraph claimgraph {\n  rankdir=LR;\n"
    for n, d in nodes():
        colour = ", color=red" if d.get("conflicted") else ""
        shape = _SHAPES.get(d.get("kind"), "ellipse")
        yield f"  {quote(n)} [label={quote(d.get('label', n))}, shape={shape}{colour}];\n"
    for u, v, _, d in edges():
        colour = ", color=red" if d.get("conflict") else ""
        yield f"  {quote(u)} -> {quote(v)} [label={quote(d.get('label', ''))}{colour}];\n"
    yield "}\n"
