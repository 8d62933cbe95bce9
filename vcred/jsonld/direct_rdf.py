"""The RDF dataset of a closed-world document, read straight from its JSON: no JSON-LD parser on the hot path.

Context processing and JSON-LD parsing cost most of an eddsa-rdfc-2022 verification, and a presentation carries
every credential's contexts again. A document in the closed world (ADR 9) needs neither: every key is a term of a
bundled context whose processed definition pyld has already computed (and vcred caches), so each key, type and
value maps to one RDF term by a handful of JSON-LD 1.1 rules. This module applies those rules for the common
shapes (node objects, ``@set`` and ``@graph`` containers, ``@id``/``@vocab``/datatype coercion, strings, integers,
booleans) and answers None for anything else: value objects, language or direction defaults, lists, other
containers, ``@vocab`` expansion, floats, inline contexts... Those go to the JSON-LD parser as before.

The contexts apply in JSON-LD 1.1 expansion order through the same code the closed-world walk uses. The test suite
canonicalizes every RDFC document it meets both ways and fails on any difference (see ``cross_check``).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from pyld import jsonld

from vcred.errors import LoaderError
from vcred.jsonld.closed_world import ClosedWorldError, contexts_for, keyword_of, literal_iri, term_mapping
from vcred.jsonld.loader import DocumentLoader

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_LARGEST_INTEGER = 10**21  # JSON-LD writes larger numbers as doubles
_CONTAINERS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"@set"}),
    frozenset({"@graph"}),
    frozenset({"@graph", "@set"}),
)
_DEFAULT = ox.DefaultGraph()


class _UnsupportedError(Exception):
    """The document uses a shape this reader leaves to the JSON-LD parser."""


_CONTEXT_IRIS: dict[str, ox.NamedNode] = {}
_MAX_CONTEXT_IRIS = 20_000  # bundled contexts define a few hundred; a caller's own loader could serve many more


def _context_iri(iri: Any) -> ox.NamedNode:
    """A named node for an IRI a context defines (kept: documents of one kind use the same few hundred)."""
    node = _CONTEXT_IRIS.get(iri)
    if node is None:
        if not isinstance(iri, str) or ":" not in iri or iri.startswith(("_:", "@")):
            raise _UnsupportedError
        if len(_CONTEXT_IRIS) >= _MAX_CONTEXT_IRIS:
            _CONTEXT_IRIS.clear()
        node = _CONTEXT_IRIS[iri] = ox.NamedNode(iri)
    return node


class _Reader:
    def __init__(self, loader: DocumentLoader) -> None:
        self.contexts = contexts_for(loader)
        self.quads: list[ox.Quad] = []

    def node(self, active: Any, prop: str | None, element: dict[str, Any], graph: Any, *, embedded: bool) -> Any:
        """Emit a node object's triples into ``graph``; return its subject."""
        ctx = self.contexts
        if "@value" in element:
            raise _UnsupportedError
        active = ctx.entering_node(active, prop, element)
        if "@context" in element:
            local = element["@context"]
            urls = local if isinstance(local, list) else [local]
            if not embedded or not urls or not all(isinstance(url, str) for url in urls):
                raise _UnsupportedError
            active = ctx.process(active, local)
        active, before_types = ctx.with_types(active, element)
        subject: Any = None
        types: Any = None
        properties: list[tuple[str, Any]] = []
        for key, value in element.items():
            if key == "@context":
                continue
            if value is None:
                raise _UnsupportedError  # JSON-LD drops a null, or refuses it under a keyword: the parser decides
            keyword = keyword_of(active, key)
            if keyword is None:
                properties.append((key, value))
            elif keyword == "@id" and subject is None and isinstance(value, str) and literal_iri(active, value):
                subject = ox.NamedNode(value)
            elif keyword == "@type" and types is None:
                types = value
            else:
                raise _UnsupportedError
        if subject is None:
            subject = ox.BlankNode()
        quads = self.quads
        if types is not None:
            for name in types if isinstance(types, list) else [types]:
                quads.append(ox.Quad(subject, RDF_TYPE, self.type_iri(before_types, name), graph))
        for key, value in properties:
            self.property(active, subject, key, value, graph)
        return subject

    def type_iri(self, before_types: Any, name: Any) -> ox.NamedNode:
        if not isinstance(name, str):
            raise _UnsupportedError
        mapping = term_mapping(before_types, name)
        if mapping is not None:
            return _context_iri(mapping.get("@id"))
        if name in before_types["mappings"] or not literal_iri(before_types, name):
            raise _UnsupportedError
        return ox.NamedNode(name)

    def property(self, active: Any, subject: Any, key: str, value: Any, graph: Any) -> None:
        mapping = term_mapping(active, key)
        if mapping is None or mapping.get("reverse"):
            raise _UnsupportedError
        predicate = _context_iri(mapping.get("@id"))
        # as JSON-LD expansion reads them: the container from the node's context, the rest from the term's own
        raw = mapping.get("@container")
        container = raw if isinstance(raw, list) else [raw] if raw else []
        if frozenset(container) not in _CONTAINERS or mapping.get("@type") == "@json":
            raise _UnsupportedError
        in_graph = "@graph" in container
        scoped = jsonld.JsonLdProcessor.get_context_value(active, key, "@context")
        term_ctx = self.contexts.process(active, scoped, override=True) if scoped is not None else active
        definition = term_mapping(term_ctx, key)
        if definition is not None and definition.get("reverse"):  # a scoped context may leave the term undefined
            raise _UnsupportedError
        coercion = jsonld.JsonLdProcessor.get_context_value(term_ctx, key, "@type")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                if in_graph:
                    named = ox.BlankNode()
                    self.node(term_ctx, key, item, named, embedded=True)
                    self.quads.append(ox.Quad(subject, predicate, named, graph))
                else:
                    obj = self.node(term_ctx, key, item, graph, embedded=False)
                    self.quads.append(ox.Quad(subject, predicate, obj, graph))
            elif in_graph:
                raise _UnsupportedError  # a value wrapped in a graph object: left to the parser
            else:
                self.quads.append(ox.Quad(subject, predicate, self.value(term_ctx, key, coercion, item), graph))

    def value(self, term_ctx: Any, key: str, coercion: Any, item: Any) -> Any:
        if isinstance(item, str):
            if coercion == "@id":
                if not literal_iri(term_ctx, item):
                    raise _UnsupportedError
                return ox.NamedNode(item)
            if coercion == "@vocab":
                mapping = term_mapping(term_ctx, item)
                if mapping is not None:
                    return _context_iri(mapping.get("@id"))
                if item in term_ctx["mappings"] or not literal_iri(term_ctx, item):
                    raise _UnsupportedError
                return ox.NamedNode(item)
            if coercion is None:
                if (
                    jsonld.JsonLdProcessor.get_context_value(term_ctx, key, "@language") is not None
                    or jsonld.JsonLdProcessor.get_context_value(term_ctx, key, "@direction") is not None
                ):
                    raise _UnsupportedError
                return ox.Literal(item)
            if isinstance(coercion, str) and not coercion.startswith("@"):
                return ox.Literal(item, datatype=_context_iri(coercion))
            raise _UnsupportedError
        if coercion is not None:
            raise _UnsupportedError
        if isinstance(item, bool):
            return ox.Literal("true" if item else "false", datatype=XSD_BOOLEAN)
        if isinstance(item, int) and -_LARGEST_INTEGER < item < _LARGEST_INTEGER:
            return ox.Literal(str(item), datatype=XSD_INTEGER)
        raise _UnsupportedError


def direct_quads(document: Any, *, loader: DocumentLoader) -> list[ox.Quad] | None:
    """The quads JSON-LD 1.1 toRdf gives ``document`` (blank nodes freshly named), or None when this reader leaves
    the document to the JSON-LD parser. Never raises for bad input: anything doubtful answers None.
    """
    if not isinstance(document, dict) or "@context" not in document:
        return None
    reader = _Reader(loader)
    try:
        reader.node(reader.contexts.initial, None, document, _DEFAULT, embedded=True)
    except (_UnsupportedError, ClosedWorldError, LoaderError, ValueError, TypeError, KeyError, RecursionError):
        return None
    return reader.quads
