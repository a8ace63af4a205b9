"""SHACL Core, evaluated over pyoxigraph terms: the constraints claimgraph's shapes use, without rdflib.

pyshacl holds its data in rdflib (about 1.5 KB a triple) and walks it node by node: an ingest of 100k claims with it
took 12.4 min, against 2.2 min with SHACL off (docs/performance.md, *SHACL on*). Here a shapes graph is read once into
plain objects (:func:`compile_shapes`), and evaluated property by property: for each path every (subject, value)
pair is read from a :class:`Source` at once, and the constraints are checked on the focus nodes' values in Python.
The data comes as quads (:class:`QuadSource`) or from whatever can answer those two reads (a store, see
``services/validate.py``).

The constraint components evaluated are those of SHACL Core whose meaning is local to one focus node's values:
``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:minCount``, ``sh:maxCount``, ``sh:minInclusive`` and its three
siblings, ``sh:minLength``, ``sh:maxLength``, ``sh:pattern`` (with ``sh:flags``), ``sh:in``, ``sh:hasValue`` and
``sh:or``; targets by ``sh:targetClass`` and ``sh:targetNode``; paths that are one IRI; ``sh:severity``,
``sh:message`` and ``sh:deactivated``. A shapes graph that uses anything else gets None from
:func:`compile_shapes`, and its caller falls back to pyshacl, which knows all of SHACL. The results are those
pyshacl gives for the same data and shapes (tested against it, ``tests/test_shacl.py``).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Protocol

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from claimgraph.namespaces import RDF, RDFS, compact
from claimgraph.namespaces import SH as SHACL
from claimgraph.namespaces import XSD as XML_SCHEMA

__all__ = ["Result", "Shape", "Source", "QuadSource", "compile_shapes", "evaluate", "predicates_read"]

SH, XSD = SHACL.iri, XML_SCHEMA.iri  # written before local names
RDF_TYPE, RDF_FIRST, RDF_REST, RDF_NIL, SUBCLASS_OF = RDF.type, RDF.first, RDF.rest, RDF.nil, RDFS.subClassOf

Term = NamedNode | BlankNode | Literal

#: what a shape may say that changes nothing about what it checks
_DESCRIPTIVE = {RDF.type.value, RDFS.label.value, RDFS.comment.value, SH + "name", SH + "description",
                SH + "order", SH + "group", SH + "defaultValue"}
_NODE_KINDS = {  # sh:nodeKind's values -> which kinds of term conform
    "IRI": (NamedNode,), "Literal": (Literal,), "BlankNode": (BlankNode,), "BlankNodeOrIRI": (BlankNode, NamedNode),
    "BlankNodeOrLiteral": (BlankNode, Literal), "IRIOrLiteral": (NamedNode, Literal),
}
_RANGES = {"minInclusive": lambda v, b: v >= b, "maxInclusive": lambda v, b: v <= b,
           "minExclusive": lambda v, b: v > b, "maxExclusive": lambda v, b: v < b}
_SINGLE = {"class", "datatype", "nodeKind", "minCount", "maxCount", "minLength", "maxLength", "pattern", "flags",
           "in", "hasValue", "or", "path", "severity", "deactivated", *_RANGES}


def _date(text: str) -> bool:
    match = re.fullmatch(r"(-?\d{4,})-(\d\d)-(\d\d)(?:Z|[+-]\d\d:\d\d)?", text)
    return match is not None and _calendar(match)


def _date_time(text: str) -> bool:
    match = re.fullmatch(r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?", text)
    if match is None or not _calendar(match):
        return False
    hour, minute, second = (int(match.group(i)) for i in (4, 5, 6))
    return (hour < 24 and minute < 60 and second < 60) or (hour, minute, second) == (24, 0, 0)


def _calendar(match: re.Match[str]) -> bool:
    try:
        datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return False
    return True


#: the lexical forms of the datatypes a shape may require (sh:datatype of any other falls back to pyshacl)
_LEXICAL: dict[str, Callable[[str], bool]] = {
    XSD + "string": lambda text: True,
    XSD + "integer": lambda text: re.fullmatch(r"[+-]?\d+", text) is not None,
    XSD + "decimal": lambda text: re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text) is not None,
    XSD + "boolean": lambda text: text in ("true", "false", "1", "0"),
    XSD + "date": _date,
    XSD + "dateTime": _date_time,
    XSD + "anyURI": lambda text: True,
}
_NUMERIC = {XSD + "integer", XSD + "decimal"}


@dataclass(frozen=True, slots=True)
class Result:
    """One validation result: what pyshacl writes as a ``sh:ValidationResult``."""
    focus: Term
    path: NamedNode | None
    value: Term | None
    message: str
    severity: str  # the local name: "Violation", "Warning" or "Info"
    shape: Term
    component: str  # the constraint component's local name, "MinCountConstraintComponent" …


@dataclass
class Shape:
    """A node shape, or a property shape (``path`` set), with the constraints it states."""
    node: Term
    path: NamedNode | None = None
    targets: list[NamedNode] = field(default_factory=list)  # sh:targetClass
    target_nodes: list[Term] = field(default_factory=list)
    constraints: dict[str, Term] = field(default_factory=dict)  # component's local name -> its parameter
    members: list[Term] = field(default_factory=list)  # sh:in's list
    alternatives: list[Shape] = field(default_factory=list)  # sh:or's list
    properties: list[Shape] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    severity: str = "Violation"


class Source(Protocol):
    """The reads SHACL evaluation makes of the data. Pairs may repeat (a triple held in several graphs)."""

    def pairs(self, predicate: NamedNode) -> Iterable[tuple[Term, Term]]:
        """Every (subject, object) of ``predicate``."""
        ...

    def typed(self, classes: set[Term]) -> Iterable[tuple[Term, Term]]:
        """Every (node, class) of ``rdf:type`` whose class is one of ``classes``."""
        ...


class QuadSource:
    """Quads in memory as a :class:`Source`: the union of their graphs, indexed by predicate once. ``read``: the
    only predicates that will be asked for (:func:`predicates_read`), which saves indexing the rest."""

    def __init__(self, quads: Iterable[Quad], read: set[NamedNode] | None = None) -> None:
        self._quads = quads if isinstance(quads, (list, tuple)) else list(quads)
        # the quads themselves: a term is read from a quad (a new Python object each time) only when asked for
        self._by_predicate: dict[NamedNode, list[Quad]] = defaultdict(list)
        for quad in self._quads:
            predicate = quad.predicate
            if read is None or predicate in read:
                self._by_predicate[predicate].append(quad)

    @property
    def triples(self) -> int:
        """How many distinct triples the quads hold."""
        return len({(q.subject, q.predicate, q.object) for q in self._quads})

    def pairs(self, predicate: NamedNode) -> Iterable[tuple[Term, Term]]:
        return ((q.subject, q.object) for q in self._by_predicate.get(predicate, ()))  # type: ignore[misc]

    def typed(self, classes: set[Term]) -> Iterable[tuple[Term, Term]]:
        for quad in self._by_predicate.get(RDF_TYPE, ()):
            cls = quad.object
            if cls in classes:
                yield quad.subject, cls  # type: ignore[misc]


def predicates_read(shapes: Iterable[Shape]) -> set[NamedNode]:
    """Every predicate that evaluating ``shapes`` reads: their paths, ``rdf:type`` and ``rdfs:subClassOf``."""
    out = {RDF_TYPE, SUBCLASS_OF}
    for shape in shapes:
        if shape.path is not None:
            out.add(shape.path)
        out |= predicates_read(shape.properties) | predicates_read(shape.alternatives)
    return out


def compile_shapes(quads: Iterable[Quad]) -> list[Shape] | None:
    """The node shapes of a shapes graph, or None when it uses something :func:`evaluate` does not evaluate."""
    about: dict[Term, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for quad in quads:
        about[quad.subject][quad.predicate.value].append(quad.object)  # type: ignore[index]

    def items(head: Term) -> list[Term] | None:
        out: list[Term] = []
        while head != RDF_NIL:
            said = about.get(head, {})
            if len(said.get(RDF_FIRST.value, ())) != 1 or len(said.get(RDF_REST.value, ())) != 1:
                return None
            out.append(said[RDF_FIRST.value][0])
            head = said[RDF_REST.value][0]
        return out

    inside: set[Term] = set()  # the shapes being read: one that holds itself is pyshacl's

    def shape(node: Term, is_property: bool) -> Shape | None:
        if node in inside:
            return None
        inside.add(node)
        try:
            return read(node, is_property)
        finally:
            inside.discard(node)

    def read(node: Term, is_property: bool) -> Shape | None:
        said = about.get(node, {})
        made = Shape(node)
        for predicate, objects in said.items():
            name = predicate.removeprefix(SH)
            if predicate in _DESCRIPTIVE:
                continue
            if not predicate.startswith(SH):
                return None
            if name in _SINGLE and len(objects) != 1:
                return None
            value = objects[0]
            if name == "path":
                if not is_property or not isinstance(value, NamedNode):
                    return None  # a path of more than one IRI: pyshacl's
                made.path = value
            elif name == "targetClass" and not is_property:
                if not all(isinstance(o, NamedNode) for o in objects):
                    return None
                made.targets = list(objects)  # type: ignore[arg-type]
            elif name == "targetNode" and not is_property:
                made.target_nodes = list(objects)
            elif name == "property":
                for child in objects:
                    compiled = shape(child, True)
                    if compiled is None:
                        return None
                    if compiled is not _OFF:
                        made.properties.append(compiled)
            elif name == "message":
                made.messages = [o.value for o in objects if isinstance(o, Literal)]
            elif name == "severity":
                if not isinstance(value, NamedNode) or not value.value.startswith(SH):
                    return None
                made.severity = value.value.removeprefix(SH)
            elif name == "deactivated":
                if isinstance(value, Literal) and value.value == "true":
                    return _OFF
            elif name == "in":
                members = items(value)
                if members is None:
                    return None
                made.members = members
                made.constraints["in"] = value
            elif name == "or":
                members = items(value)
                if members is None:
                    return None
                for member in members:
                    compiled = shape(member, SH + "path" in about.get(member, {}))
                    if compiled is None or compiled is _OFF:
                        return None
                    made.alternatives.append(compiled)
                made.constraints["or"] = value
            elif name == "datatype":
                if not isinstance(value, NamedNode) or value.value not in _LEXICAL:
                    return None
                made.constraints[name] = value
            elif name == "nodeKind":
                if not isinstance(value, NamedNode) or value.value.removeprefix(SH) not in _NODE_KINDS:
                    return None
                made.constraints[name] = value
            elif name in ("minCount", "maxCount", "minLength", "maxLength"):
                if not is_property and name in ("minCount", "maxCount"):
                    return None
                if not isinstance(value, Literal) or re.fullmatch(r"\d+", value.value) is None:
                    return None
                made.constraints[name] = value
            elif name in _RANGES:
                if not isinstance(value, Literal) or value.datatype.value not in _NUMERIC:
                    return None
                made.constraints[name] = value
            elif name in ("class", "pattern", "flags", "hasValue"):
                made.constraints[name] = value
            else:
                return None
        if is_property and made.path is None:
            return None
        if "flags" in made.constraints and "pattern" not in made.constraints:
            return None
        return made

    shapes: list[Shape] = []
    for node, said in about.items():
        kinds = said.get(RDF_TYPE.value, [])
        if NamedNode(SH + "NodeShape") in kinds or (SH + "targetClass") in said or (SH + "targetNode") in said:
            if NamedNode(SH + "PropertyShape") in kinds or (SH + "path") in said:
                return None  # a property shape with a target of its own
            compiled = shape(node, False)
            if compiled is None:
                return None
            if compiled is not _OFF:
                shapes.append(compiled)
        elif any(p.startswith(SH) and p.removeprefix(SH).startswith("target") for p in said):
            return None  # sh:targetSubjectsOf, sh:targetObjectsOf, SPARQL-based targets
    return shapes


_OFF = Shape(NamedNode(SH + "deactivated"))


class _Graph:
    """What evaluation reads from a source, each read made once."""

    def __init__(self, source: Source, shapes: list[Shape]) -> None:
        self.source = source
        self._values: dict[NamedNode, dict[Term, set[Term]]] = {}
        under: dict[Term, set[Term]] = defaultdict(set)
        for sub, sup in source.pairs(SUBCLASS_OF):
            under[sup].add(sub)
        self._closure = {cls: _below(cls, under) for cls in _classes(shapes)}
        #: each node's types among the classes the shapes name, and the classes under them
        self.types: dict[Term, set[Term]] = defaultdict(set)
        for node, cls in source.typed(set().union(*self._closure.values())):
            self.types[node].add(cls)

    def values(self, path: NamedNode) -> dict[Term, set[Term]]:
        held = self._values.get(path)
        if held is None:
            held = defaultdict(set)
            for subject, value in self.source.pairs(path):
                held[subject].add(value)
            self._values[path] = held
        return held

    def instances(self, cls: Term) -> set[Term]:
        classes = self._closure[cls]
        return {node for node, kinds in self.types.items() if not kinds.isdisjoint(classes)}

    def is_instance(self, node: Term, cls: Term) -> bool:
        kinds = self.types.get(node)
        return kinds is not None and not kinds.isdisjoint(self._closure[cls])


def _classes(shapes: Iterable[Shape]) -> set[Term]:
    """Every class that ``shapes`` target or require (``sh:class``), theirs and their members'."""
    out: set[Term] = set()
    for shape in shapes:
        out.update(shape.targets)
        if "class" in shape.constraints:
            out.add(shape.constraints["class"])
        out |= _classes(shape.properties) | _classes(shape.alternatives)
    return out


def _below(cls: Term, under: dict[Term, set[Term]]) -> set[Term]:
    """``cls`` and every class under it (``rdfs:subClassOf*``, as the data says)."""
    held, todo = {cls}, [cls]
    while todo:
        for sub in under.get(todo.pop(), ()):
            if sub not in held:
                held.add(sub)
                todo.append(sub)
    return held


def evaluate(shapes: list[Shape], source: Source) -> list[Result]:
    """Every result of validating the data ``source`` gives against ``shapes``."""
    graph = _Graph(source, shapes)
    out: list[Result] = []
    for shape in shapes:
        focus: set[Term] = set(shape.target_nodes)
        for cls in shape.targets:
            focus |= graph.instances(cls)
        out += _node_results(shape, focus, graph)
    return out


def _node_results(shape: Shape, focus: set[Term], graph: _Graph) -> list[Result]:
    """The results of ``shape`` on ``focus``: its own constraints on each node, then its property shapes'."""
    out: list[Result] = []
    if shape.path is not None:
        return _property_results(shape, focus, graph)
    for node in focus:
        out += _value_results(shape, node, None, node, graph)
    if "or" in shape.constraints:
        out += [_result(shape, node, None, node, "OrConstraintComponent",
                        f"Node {_show(node)} does not conform to one or more shapes in sh:or")
                for node in _none_conforms(shape.alternatives, focus, graph)]
    for prop in shape.properties:
        out += _property_results(prop, focus, graph)
    return out


def _property_results(shape: Shape, focus: set[Term], graph: _Graph) -> list[Result]:
    out: list[Result] = []
    assert shape.path is not None
    values = graph.values(shape.path)
    minimum, maximum = shape.constraints.get("minCount"), shape.constraints.get("maxCount")
    checks_values = not shape.constraints.keys().isdisjoint(_VALUE_LEVEL)
    empty: set[Term] = set()
    for node in focus:
        held = values.get(node, empty)
        if minimum is not None and len(held) < int(minimum.value):
            out.append(_result(shape, node, shape.path, None, "MinCountConstraintComponent",
                               f"Less than {minimum.value} values on {_show(node)}->{_show(shape.path)}"))
        if maximum is not None and len(held) > int(maximum.value):
            out.append(_result(shape, node, shape.path, None, "MaxCountConstraintComponent",
                               f"More than {maximum.value} values on {_show(node)}->{_show(shape.path)}"))
        if "hasValue" in shape.constraints and shape.constraints["hasValue"] not in held:
            out.append(_result(shape, node, shape.path, None, "HasValueConstraintComponent",
                               f"Node {_show(node)}->{_show(shape.path)} does not contain a value in the set "
                               f"of {_show(shape.constraints['hasValue'])}"))
        if checks_values:
            for value in held:
                out += _value_results(shape, node, shape.path, value, graph)
    if "or" in shape.constraints:
        for node in focus:
            out += [_result(shape, node, shape.path, value, "OrConstraintComponent",
                            f"Node {_show(value)} does not conform to one or more shapes in sh:or")
                    for value in _none_conforms(shape.alternatives, values.get(node, empty), graph)]
    return out


def _none_conforms(alternatives: list[Shape], nodes: set[Term], graph: _Graph) -> set[Term]:
    """The nodes that conform to none of ``alternatives`` (what ``sh:or`` reports)."""
    failing = set(nodes)
    for alternative in alternatives:
        failing &= {r.focus for r in _node_results(alternative, failing, graph)}
    return failing


#: the constraints a value meets or not on its own
_VALUE_LEVEL = {"class", "datatype", "nodeKind", "minLength", "maxLength", "pattern", "in", *_RANGES}


def _value_results(shape: Shape, focus: Term, path: NamedNode | None, value: Term,
                   graph: _Graph) -> list[Result]:
    """The results of the constraints of ``shape`` that each value meets or not on its own."""
    said = shape.constraints
    out: list[Result] = []
    for name in said.keys() & _VALUE_LEVEL:
        failed = _fails(name, said[name], shape, value, graph)
        if failed is not None:
            out.append(_result(shape, focus, path, value, *failed))
    return out


def _fails(name: str, parameter: Term, shape: Shape, value: Term, graph: _Graph) -> tuple[str, str] | None:
    """The component and message of ``value`` failing the constraint ``name``, or None if it meets it."""
    component = name[0].upper() + name[1:] + "ConstraintComponent"
    if name == "class":
        if not graph.is_instance(value, parameter):
            return component, f"Value does not have class {_show(parameter)}"
    elif name == "datatype":
        wanted = parameter.value
        if not (isinstance(value, Literal) and value.datatype.value == wanted and _LEXICAL[wanted](value.value)):
            return component, f"Value is not Literal with datatype {_show(parameter)}"
    elif name == "nodeKind":
        if not isinstance(value, _NODE_KINDS[parameter.value.removeprefix(SH)]):
            return component, f"Value is not of Node Kind {_show(parameter)}"
    elif name in _RANGES:
        if not _compares(value, parameter, _RANGES[name]):  # type: ignore[arg-type]
            return component, f"Value is not {name.replace('In', ' in').replace('Ex', ' ex')} {parameter.value}"
    elif name in ("minLength", "maxLength"):
        bound = int(parameter.value)
        if isinstance(value, BlankNode) or not (len(value.value) >= bound if name == "minLength"
                                                else len(value.value) <= bound):
            return component, f"String length not {'>=' if name == 'minLength' else '<='} {parameter.value}"
    elif name == "pattern":
        if isinstance(value, BlankNode) or not _matches(value.value, parameter.value, shape.constraints.get("flags")):
            return component, f"Value does not match pattern '{parameter.value}'"
    elif name == "in" and value not in shape.members:
        return component, f"Value {_show(value)} not in list {[_show(m) for m in shape.members]}"
    return None


def _compares(value: Term, bound: Literal, holds: Callable[[Decimal, Decimal], bool]) -> bool:
    """Whether a numeric ``value`` stands as ``holds`` says to ``bound``; False for anything that is no number."""
    if not isinstance(value, Literal) or value.datatype.value not in _NUMERIC or not _LEXICAL[
            value.datatype.value](value.value):
        return False
    try:
        return holds(Decimal(value.value), Decimal(bound.value))
    except InvalidOperation:
        return False


def _matches(text: str, pattern: str, flags: Term | None) -> bool:
    options = 0
    for flag in flags.value if flags is not None else "":
        options |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(flag, 0)
    return re.search(pattern, text, options) is not None


def _result(shape: Shape, focus: Term, path: NamedNode | None, value: Term | None, component: str,
            default: str) -> Result:
    return Result(focus, path, value, shape.messages[0] if shape.messages else default, shape.severity, shape.node,
                  component)


def _show(term: Term) -> str:
    return compact(term.value) if isinstance(term, NamedNode) else str(term)

