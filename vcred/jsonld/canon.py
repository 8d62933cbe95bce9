"""Canonicalization for Data Integrity: RDFC-1.0 over JSON-LD, and JCS (RFC 8785).

RDFC-1.0 reads a document's dataset straight from its JSON when the document keeps to the shapes
vcred.jsonld.direct_rdf knows (every credential and presentation vcred writes); any other document goes to
oxigraph's JSON-LD parser, and to pyld's where oxigraph is not exact. oxigraph canonicalizes. The test suite proves
all paths byte-identical on the W3C vectors and compares the direct reader with the parser on every document it
canonicalizes. Parsers are fed fully inlined, bundled contexts, so nothing is ever fetched.

Data-loss detection (DATA_LOSS_DETECTION_ERROR): JSON-LD silently drops terms that no context defines, and
anything dropped would be unsigned and freely editable. We prepend a context holding only
``@vocab: urn:vcred:undefined-term:``. Contexts that follow override nothing else, and a document that sets its own
``@vocab`` overrides ours, so the output is unchanged *unless* a term would have been dropped, in which case it
shows up under that IRI prefix and we refuse the document. One parse does both jobs. Relative IRI references,
which JSON-LD also drops when the base IRI is null (as Data Integrity requires), are caught the same way: we parse
against a reserved base IRI and refuse any IRI that resolved against it.

oxigraph is about three times faster than pyld but differs from JSON-LD 1.1 in places we found by differential
testing: it applies only one type-scoped context when a node has several types that carry one, and it treats
``@direction`` differently. Documents that use either feature, and every document oxigraph rejects, go to pyld,
which is the reference.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from functools import partial
from typing import Any, NamedTuple

import pyoxigraph as ox
import rfc8785

from vcred.errors import CanonicalizationError, DataLossError, LoaderError
from vcred.jsonld import prune
from vcred.jsonld.direct_rdf import direct_quads
from vcred.jsonld.loader import DocumentLoader, cache_scope
from vcred.jsonld.prune import ContextKey

UNDEFINED_TERM_PREFIX = "urn:vcred:undefined-term:"
RELATIVE_IRI_BASE = "https://relative-iri.vcred.invalid/"
_DETECTOR = json.dumps({"@vocab": UNDEFINED_TERM_PREFIX})
# a string with a colon and a character no IRI may contain could be an invalid IRI
_NOT_IN_IRI = re.compile(r"[ <>{}|^`\\\x00-\x1f]")


def _suspect_iri(strings: Iterable[str]) -> bool:
    return any(":" in text and _NOT_IN_IRI.search(text) for text in strings)


_LOSS_PREFIXES = (UNDEFINED_TERM_PREFIX, RELATIVE_IRI_BASE)
DEFAULT_MAX_BLANK_NODES = 256  # RDFC-1.0 is exponential on crafted graphs; real credentials have a handful
_MAX_CONTEXT_DEPTH = 8
_SAFE_INT = 2**53


class _GuardFacts:
    """What the oxigraph guard must know about a document's contexts (collected while they are inlined)."""

    def __init__(self) -> None:
        self.scoped_types: set[str] = set()
        self.type_aliases: set[str] = {"@type"}
        self.suspect_iri = False

    def add(self, inlined: _InlinedContext) -> None:
        self.scoped_types.update(inlined.scoped_types)
        self.type_aliases.update(inlined.type_aliases)
        self.suspect_iri = self.suspect_iri or inlined.suspect_iri


class _InlinedContext(NamedTuple):
    """One context entry with every URL replaced by its document, as JSON text, and what the guard needs of it."""

    text: str
    scoped_types: frozenset[str]
    type_aliases: frozenset[str]
    suspect_iri: bool


# The inlined form of each context URL, per loader cache scope (vcred.jsonld.loader.cache_scope): a scope names the
# exact documents a loader serves, so an entry can never be read through a loader that serves something else. Only
# the bundled contexts have a scope; they never change at run time, so entries live as long as the process.
_inlined_by_url: dict[ContextKey, _InlinedContext] = {}


def _load_context(url: str, loader: DocumentLoader) -> Any:
    """The ``@context`` value of the document ``loader`` serves for ``url``."""
    document = loader(url)
    if not isinstance(document, dict) or "@context" not in document:
        raise LoaderError(f"document at {url[:200]!r} is not a JSON-LD context")
    return document["@context"]


def _note_terms(context: dict[str, Any], facts: _GuardFacts) -> None:
    for term, definition in context.items():
        if definition == "@type" or (isinstance(definition, dict) and definition.get("@id") == "@type"):
            facts.type_aliases.add(term)
        if isinstance(definition, dict) and "@context" in definition:
            facts.scoped_types.add(term)


def _replace_urls(value: Any, loader: DocumentLoader, facts: _GuardFacts, depth: int = 0) -> Any:
    """Replace every context URL in a context value (top level, scoped, @import) by the context it names."""
    if depth > _MAX_CONTEXT_DEPTH:
        raise CanonicalizationError("contexts nest too deeply")
    if isinstance(value, str):
        return _replace_urls(_load_context(value, loader), loader, facts, depth + 1)
    if isinstance(value, list):
        return [_replace_urls(v, loader, facts, depth) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "@import" and isinstance(item, str):
                imported = _replace_urls(item, loader, facts, depth + 1)
                if isinstance(imported, dict):
                    out.update({k: v for k, v in imported.items() if k not in value})
                continue
            if key == "@context":
                out[key] = _replace_urls(item, loader, facts, depth + 1)
            elif isinstance(item, dict):
                out[key] = {
                    k: (_replace_urls(v, loader, facts, depth + 1) if k == "@context" else v) for k, v in item.items()
                }
            else:
                out[key] = item
        _note_terms(out, facts)
        return out
    return value


def _inline_entry(entry: Any, loader: DocumentLoader) -> _InlinedContext:
    """One ``@context`` entry (a URL or an object) inlined; a URL is computed once per loader cache scope."""
    scope = cache_scope(loader)
    key = (scope, entry) if scope is not None and isinstance(entry, str) else None
    if key is not None and (cached := _inlined_by_url.get(key)) is not None:
        return cached
    facts = _GuardFacts()
    text = json.dumps(_replace_urls(entry, loader, facts))
    inlined = _InlinedContext(
        text, frozenset(facts.scoped_types), frozenset(facts.type_aliases), _suspect_iri(prune.names_in_text(text))
    )
    if key is not None:
        _inlined_by_url[key] = inlined
    return inlined


def _entries(context: Any) -> list[Any]:
    return context if isinstance(context, list) else [context]


def _top_context_text(context: Any, loader: DocumentLoader, facts: _GuardFacts, names: set[str] | None) -> str:
    """The document's ``@context`` as inlined JSON text, behind the data-loss detector.

    With ``names`` (every name the document holds) and bundled contexts only, each context is pruned to what those
    names can reach.
    """
    entries = _entries(context)
    if not entries:
        raise CanonicalizationError("@context is empty")
    inlined = [_inline_entry(e, loader) for e in entries]
    for one in inlined:
        facts.add(one)
    texts = [one.text for one in inlined]
    scope = cache_scope(loader)
    if names is not None and scope is not None and all(isinstance(e, str) for e in entries):
        texts = _pruned_texts([(scope, e) for e in entries], names)
    return "[" + ",".join([_DETECTOR, *texts]) + "]"


def _pruned_texts(keys: list[ContextKey], names: set[str]) -> list[str]:
    """Cached contexts pruned to what ``names`` can reach (see vcred.jsonld.prune for why this is exact)."""
    indexes = [prune.register(key, partial(_parsed_inlined, key)) for key in keys]
    seen: set[str] = set()
    shared: set[str] = set()
    for index in indexes:
        shared |= seen & index.defined
        seen |= index.defined
    wanted = names | shared
    return [
        prune.pruned_text(key, prune.kept(key, frozenset(wanted & index.defined)))
        for key, index in zip(keys, indexes, strict=True)
    ]


def _parsed_inlined(key: ContextKey) -> Any:
    """A fresh parse of a cached inlined context (prune indexes it and must not share the cached objects)."""
    return json.loads(_inlined_by_url[key].text)


def _inline_nested_contexts(value: Any, loader: DocumentLoader, facts: _GuardFacts) -> Any:
    """Inline ``@context`` values embedded deeper in the document (e.g. credentials inside a presentation)."""
    if isinstance(value, list):
        return [_inline_nested_contexts(v, loader, facts) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "@context":
                inlined = [_inline_entry(e, loader) for e in _entries(v)]
                for one in inlined:
                    facts.add(one)
                out[k] = [json.loads(one.text) for one in inlined]
            else:
                out[k] = _inline_nested_contexts(v, loader, facts)
        return out
    return value


def _body_text(document: dict[str, Any], loader: DocumentLoader, facts: _GuardFacts) -> str:
    """The document without its top ``@context``, as JSON text, with nested contexts inlined."""
    body = {k: v for k, v in document.items() if k != "@context"}
    try:
        text = json.dumps(body, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CanonicalizationError(f"document is not JSON: {exc}") from None
    if '"@context"' in text:
        text = json.dumps(_inline_nested_contexts(body, loader, facts), allow_nan=False)
    return text


def _oxigraph_safe(body_text: str, body: Any, facts: _GuardFacts, names: set[str] | None = None) -> bool:
    """False when the document uses a feature where oxigraph is known to differ from JSON-LD 1.1.

    That includes strings that could be IRIs but are not valid ones (a scheme and a space, say): oxigraph drops
    such IRIs silently where pyld reports them, and anything dropped would be unsigned.
    """
    if "@direction" in body_text or facts.suspect_iri:
        return False
    if _suspect_iri(names if names is not None else prune.names_in_text(body_text)):
        return False
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if key in facts.type_aliases and isinstance(sub, list):
                    if sum(1 for t in sub if isinstance(t, str) and t in facts.scoped_types) > 1:
                        return False
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _parse(text: str) -> list[ox.Quad]:
    try:
        return list(ox.parse(text, format=ox.RdfFormat.JSON_LD, base_iri=RELATIVE_IRI_BASE))
    except (SyntaxError, ValueError, OSError) as exc:
        raise CanonicalizationError(f"invalid JSON-LD: {str(exc)[:300]}") from None


def _loss_message(iri: str) -> str:
    if iri.startswith(UNDEFINED_TERM_PREFIX):
        return f"term {iri[len(UNDEFINED_TERM_PREFIX) :]!r} is not defined by any @context, so it would not be signed"
    return (
        f"{iri[len(RELATIVE_IRI_BASE) :]!r} is a relative IRI reference, which JSON-LD drops, so it would not be signed"
    )


_LOSS_MARKERS = tuple("<" + prefix for prefix in _LOSS_PREFIXES)


def _check_text_then_quads(texts: Iterable[str], quads: Iterable[ox.Quad]) -> None:
    """Cheap scan of the canonical text first; the quad walk (which names the term) only when it finds something."""
    if any(marker in text for text in texts for marker in _LOSS_MARKERS):
        _check_no_data_loss(quads)


def _check_no_data_loss(quads: Iterable[ox.Quad]) -> None:
    for quad in quads:
        for term in (quad.predicate, quad.object, quad.subject, quad.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(_LOSS_PREFIXES):
                raise DataLossError(
                    _loss_message(term.value), hint="define the term in a context, or use absolute IRIs"
                )


def _canonical_nquads(quads: list[ox.Quad], max_blank_nodes: int) -> str:
    # each quad brings at most three new blank nodes: count only when the limit could be reached
    blank = (
        {t for q in quads for t in (q.subject, q.object, q.graph_name) if isinstance(t, ox.BlankNode)}
        if 3 * len(quads) > max_blank_nodes
        else ()
    )
    if len(blank) > max_blank_nodes:
        raise CanonicalizationError(
            f"document has {len(blank)} blank nodes (limit {max_blank_nodes}); refusing to canonicalize"
        )
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    serialized = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""
    # split on "\n" only: str.splitlines would also break literals holding U+2028, U+2029 or U+0085, which
    # canonical N-Quads leave unescaped, and sorting the pieces would scramble the canonical form
    lines = [line + "\n" for line in serialized.decode("utf-8").split("\n") if line]
    lines.sort()
    return "".join(lines)


def _check_context(document: Any) -> Any:
    if not isinstance(document, dict):
        raise CanonicalizationError("a JSON-LD document must be a JSON object")
    if "@context" not in document:
        raise CanonicalizationError("document has no @context")
    return document["@context"]


def canonize_rdfc(
    document: dict[str, Any],
    *,
    loader: DocumentLoader,
    max_blank_nodes: int = DEFAULT_MAX_BLANK_NODES,
    backend: str = "auto",
    prune_contexts: bool = True,
) -> str:
    """RDFC-1.0 canonical N-Quads of ``document`` (which carries its own ``@context``).

    ``backend`` is ``"auto"`` (vcred.jsonld.direct_rdf where it applies, else as ``"parser"``), ``"parser"``
    (oxigraph's JSON-LD parser where it is exact, else pyld), ``"oxigraph"`` or ``"pyld"``;
    ``prune_contexts`` drops unreachable definitions from bundled contexts first (exact; see vcred.jsonld.prune).
    Raises DataLossError if any term or value would be dropped, CanonicalizationError for invalid JSON-LD,
    LoaderError for a context that is not available offline.
    """
    if backend == "pyld":
        return _canonize_pyld(document, loader, max_blank_nodes)
    if backend == "auto" and (direct := _direct(document, loader, max_blank_nodes)) is not None:
        return direct
    context = _check_context(document)
    facts = _GuardFacts()
    body = _body_text(document, loader, facts)
    names = prune.names_in_text(body) if prune_contexts and '"@context"' not in body else None
    contexts = _top_context_text(context, loader, facts, names)
    if backend in ("auto", "parser") and not _oxigraph_safe(body, document, facts, names):
        return _canonize_pyld(document, loader, max_blank_nodes)
    text = '{"@context":' + contexts + ("," + body[1:] if body != "{}" else "}")
    try:
        quads = _parse(text)
        canonical = _canonical_nquads(quads, max_blank_nodes)
        _check_text_then_quads((canonical,), quads)
    except (CanonicalizationError, DataLossError):
        if backend == "oxigraph":
            raise
        return _canonize_pyld(document, loader, max_blank_nodes)  # the reference decides every rejection
    return canonical


def _flat(config: dict[str, Any]) -> bool:
    if "id" in config or any(k.startswith("@") and k != "@context" for k in config):
        return False
    for key, value in config.items():
        if key == "@context":
            continue
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and not v.startswith("_:") for v in values):
            return False
    return True


def canonize_rdfc_pair(
    document: dict[str, Any],
    proof_config: dict[str, Any],
    *,
    loader: DocumentLoader,
    max_blank_nodes: int = DEFAULT_MAX_BLANK_NODES,
) -> tuple[str, str]:
    """Canonical N-Quads of a document and of its proof configuration, which share one ``@context``.

    Context processing dominates the cost, so when the proof configuration is a flat node (the usual case) both
    are parsed in one pass as two nodes of one ``@graph`` and split again before canonicalization; anything else
    takes two passes. The result is identical either way (tests prove it on the vectors and on random input).
    """
    direct_doc = _direct(document, loader, max_blank_nodes)
    direct_config = _direct(proof_config, loader, max_blank_nodes) if direct_doc is not None else None
    if direct_doc is not None and direct_config is not None:
        return direct_doc, direct_config
    context = _check_context(document)
    flat_doc = not any(k.startswith("@") and k != "@context" for k in document)
    facts = _GuardFacts()
    if flat_doc and _flat(proof_config) and proof_config.get("@context") == context:
        body = _body_text(document, loader, facts)
        names = prune.names_in_text(body) | prune.names_in(proof_config) if '"@context"' not in body else None
        contexts = _top_context_text(context, loader, facts, names)
        strings = (names if names is not None else prune.names_in_text(body)) | prune.names_in(proof_config)
        if _oxigraph_safe(body, document, facts, strings):
            try:
                return _pair_single_pass(contexts, body, proof_config, max_blank_nodes)
            except (CanonicalizationError, DataLossError):
                pass  # let the reference implementation decide below
    return (
        canonize_rdfc(document, loader=loader, max_blank_nodes=max_blank_nodes),
        canonize_rdfc(proof_config, loader=loader, max_blank_nodes=max_blank_nodes),
    )


def _direct(document: dict[str, Any], loader: DocumentLoader, max_blank_nodes: int) -> str | None:
    """Canonical N-Quads through vcred.jsonld.direct_rdf, or None when that reader leaves the document to the parser.

    Under ``cross_check`` every answer is compared with the parser's and a difference is recorded.
    """
    quads = direct_quads(document, loader=loader)
    if quads is None:
        return None
    canonical = _canonical_nquads(quads, max_blank_nodes)
    if _cross_check_differences is not None:
        try:
            reference: str | Exception = canonize_rdfc(document, loader=loader, backend="parser")
        except (CanonicalizationError, DataLossError, LoaderError) as exc:
            reference = exc
        if reference != canonical:
            _cross_check_differences.append((document, canonical, reference))
    return canonical


_cross_check_differences: list[tuple[Any, str, str | Exception]] | None = None


def cross_check(differences: list[tuple[Any, str, str | Exception]] | None) -> None:
    """Compare every direct canonicalization with the JSON-LD parser's, recording differences in ``differences``
    (None turns the comparison off). For test suites: it doubles the cost of RDFC canonicalization."""
    global _cross_check_differences
    _cross_check_differences = differences


def _pair_single_pass(contexts: str, body: str, proof_config: dict[str, Any], max_blank_nodes: int) -> tuple[str, str]:
    marker = "urn:vcred:proof-config:" + secrets.token_hex(16)
    config_body = {"@id": marker, **{k: v for k, v in proof_config.items() if k != "@context"}}
    text = '{"@context":' + contexts + ',"@graph":[' + body + "," + json.dumps(config_body) + "]}"
    quads = _parse(text)
    marker_node = ox.NamedNode(marker)
    config_root = ox.BlankNode()
    doc_quads: list[ox.Quad] = []
    config_quads: list[ox.Quad] = []
    for quad in quads:
        if quad.subject == marker_node:
            if quad.object == marker_node or quad.graph_name != ox.DefaultGraph():
                raise CanonicalizationError("unexpected proof configuration shape")
            config_quads.append(ox.Quad(config_root, quad.predicate, quad.object, quad.graph_name))
        elif quad.object == marker_node or quad.graph_name == marker_node:
            raise CanonicalizationError("unexpected reference to the proof configuration")
        else:
            doc_quads.append(quad)
    doc_text = _canonical_nquads(doc_quads, max_blank_nodes)
    config_text = _canonical_nquads(config_quads, max_blank_nodes)
    _check_text_then_quads((doc_text, config_text), quads)
    return doc_text, config_text


def _canonize_pyld(document: dict[str, Any], loader: DocumentLoader, max_blank_nodes: int) -> str:
    from pyld import jsonld

    context = _check_context(document)
    entries = context if isinstance(context, list) else [context]
    wrapped = {**document, "@context": [json.loads(_DETECTOR), *entries]}

    def pyld_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": loader(url)}

    try:
        # i18n-datatype, as the other Data Integrity implementations sign it: without it JSON-LD drops @direction,
        # so a base direction would be unsigned and freely editable
        dataset = jsonld.to_rdf(
            wrapped, {"documentLoader": pyld_loader, "base": RELATIVE_IRI_BASE, "rdfDirection": "i18n-datatype"}
        )
    except jsonld.JsonLdError as exc:
        cause: BaseException = exc
        while getattr(cause, "cause", None) is not None:
            cause = cause.cause  # type: ignore[attr-defined]
        if isinstance(cause, LoaderError):
            raise cause from None
        raise CanonicalizationError(f"invalid JSON-LD: {str(exc)[:300]}") from None
    except RecursionError:
        raise CanonicalizationError("document nests too deeply") from None
    quads = list(_pyld_quads(dataset))
    _check_no_data_loss(quads)
    return _canonical_nquads(quads, max_blank_nodes)


def _pyld_term(term: dict[str, Any]) -> Any:
    kind, value = term["type"], term["value"]
    if kind == "IRI":
        return ox.NamedNode(value)
    if kind == "blank node":
        return ox.BlankNode(value[2:])
    if term.get("language"):
        return ox.Literal(value, language=term["language"])
    return ox.Literal(value, datatype=ox.NamedNode(term["datatype"]))


def _pyld_quads(dataset: dict[str, list[dict[str, Any]]]) -> Iterable[ox.Quad]:
    """pyld's toRdf output as oxigraph quads, so both backends share one RDFC-1.0 implementation and one guard."""
    for graph_name, triples in dataset.items():
        graph = (
            ox.DefaultGraph()
            if graph_name == "@default"
            else (ox.BlankNode(graph_name[2:]) if graph_name.startswith("_:") else ox.NamedNode(graph_name))
        )
        for triple in triples:
            try:
                yield ox.Quad(
                    _pyld_term(triple["subject"]), _pyld_term(triple["predicate"]), _pyld_term(triple["object"]), graph
                )
            except (ValueError, KeyError) as exc:
                raise CanonicalizationError(f"invalid RDF term: {str(exc)[:200]}") from None


def _jcs_fast_path_ok(value: Any) -> bool:
    """True when json.dumps(sort_keys) provably equals RFC 8785 for ``value``.

    That holds when there are no floats, all integers are exact in IEEE 754 doubles and every key is in the Basic
    Multilingual Plane (so code point order equals UTF-16 order). Lone surrogates fail the UTF-8 encoding later.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str) or not (key.isascii() or max(key) <= "\uffff"):
                    return False
                if not isinstance(sub, str):
                    stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        elif isinstance(item, int):
            if not -_SAFE_INT < item < _SAFE_INT:
                return False
        else:
            return False
    return True


def canonize_jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme bytes of ``value``.

    json.dumps with sorted keys is RFC 8785 for documents without floats, unsafe integers or keys outside the
    Basic Multilingual Plane; other documents go through the rfc8785 library. Property tests compare both.
    """
    if _jcs_fast_path_ok(value):
        try:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            return text.encode("utf-8")
        except (TypeError, ValueError, UnicodeEncodeError, RecursionError):
            pass  # the reference implementation decides (and names the problem)
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError, UnicodeError, RecursionError) as exc:
        raise CanonicalizationError(f"cannot canonicalize as JCS: {exc}") from None
