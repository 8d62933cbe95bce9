"""Canonicalization for Data Integrity: RDFC-1.0 over JSON-LD, and JCS (RFC 8785).

RDFC-1.0 runs on oxigraph's JSON-LD parser and canonicalizer by default and on pyld's URDNA2015 as an
alternative; the test suite proves both byte-identical on the W3C vectors. Both are fed fully inlined, bundled
contexts, so nothing is ever fetched.

Data-loss detection (DATA_LOSS_DETECTION_ERROR): JSON-LD silently drops terms that no context defines, and
anything dropped would be unsigned and freely editable. We prepend a context holding only
``@vocab: urn:vcred:undefined-term:``. Contexts that follow override nothing else, and a document that sets its own
``@vocab`` overrides ours, so the output is unchanged *unless* a term would have been dropped, in which case it
shows up under that IRI prefix and we refuse the document. One parse does both jobs.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
import rfc8785

from vcred.errors import CanonicalizationError, DataLossError, LoaderError
from vcred.jsonld.loader import BundledLoader, DocumentLoader

UNDEFINED_TERM_PREFIX = "urn:vcred:undefined-term:"
_DETECTOR = json.dumps({"@vocab": UNDEFINED_TERM_PREFIX})
DEFAULT_MAX_BLANK_NODES = 256  # RDFC-1.0 is exponential on crafted graphs; real credentials have a handful
_MAX_CONTEXT_DEPTH = 8
_SAFE_INT = 2**53

# Inlined JSON text of each bundled context URL (bundled documents never change at run time).
_inline_cache: dict[str, str] = {}


def _context_value(url: str, loader: DocumentLoader) -> Any:
    document = loader(url)
    if not isinstance(document, dict) or "@context" not in document:
        raise LoaderError(f"document at {url[:200]!r} is not a JSON-LD context")
    return document["@context"]


def _inline(value: Any, loader: DocumentLoader, depth: int = 0) -> Any:
    """Replace every context URL (top level, scoped, @import) by the document it names."""
    if depth > _MAX_CONTEXT_DEPTH:
        raise CanonicalizationError("contexts nest too deeply")
    if isinstance(value, str):
        return _inline(_context_value(value, loader), loader, depth + 1)
    if isinstance(value, list):
        return [_inline(v, loader, depth) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "@import" and isinstance(item, str):
                imported = _inline(item, loader, depth + 1)
                if isinstance(imported, dict):
                    out.update({k: v for k, v in imported.items() if k not in value})
                continue
            if key == "@context":
                out[key] = _inline(item, loader, depth + 1)
            elif isinstance(item, dict):
                out[key] = {k: (_inline(v, loader, depth + 1) if k == "@context" else v) for k, v in item.items()}
            else:
                out[key] = item
        return out
    return value


def _context_text(entry: Any, loader: DocumentLoader) -> str:
    if isinstance(entry, str) and isinstance(loader, BundledLoader):
        cached = _inline_cache.get(entry)
        if cached is None:
            cached = json.dumps(_inline(entry, loader))
            if loader is _default_bundled():
                _inline_cache[entry] = cached
        return cached
    return json.dumps(_inline(entry, loader))


def _default_bundled() -> BundledLoader:
    from vcred.jsonld.loader import default_loader

    return default_loader()


def _contexts_text(context: Any, loader: DocumentLoader) -> str:
    entries = context if isinstance(context, list) else [context]
    if not entries:
        raise CanonicalizationError("@context is empty")
    return "[" + ",".join([_DETECTOR, *(_context_text(e, loader) for e in entries)]) + "]"


def _body_text(document: dict[str, Any]) -> str:
    try:
        return json.dumps({k: v for k, v in document.items() if k != "@context"}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CanonicalizationError(f"document is not JSON: {exc}") from None


def _parse(text: str) -> list[ox.Quad]:
    try:
        return list(ox.parse(text, format=ox.RdfFormat.JSON_LD))
    except (SyntaxError, ValueError, OSError) as exc:
        raise CanonicalizationError(f"invalid JSON-LD: {str(exc)[:300]}") from None


def _check_no_data_loss(quads: Iterable[ox.Quad]) -> None:
    for quad in quads:
        for term in (quad.predicate, quad.object, quad.subject, quad.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(UNDEFINED_TERM_PREFIX):
                name = term.value[len(UNDEFINED_TERM_PREFIX) :]
                raise DataLossError(
                    f"term {name!r} is not defined by any @context, so it would not be signed",
                    hint="add a context that defines it, or remove it",
                )


def _canonical_nquads(quads: list[ox.Quad], max_blank_nodes: int) -> str:
    blank = {t for q in quads for t in (q.subject, q.object, q.graph_name) if isinstance(t, ox.BlankNode)}
    if len(blank) > max_blank_nodes:
        raise CanonicalizationError(
            f"document has {len(blank)} blank nodes (limit {max_blank_nodes}); refusing to canonicalize"
        )
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    serialized = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""
    lines = serialized.decode("utf-8").splitlines(keepends=True)
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
    backend: str = "oxigraph",
) -> str:
    """RDFC-1.0 canonical N-Quads of ``document`` (which carries its own ``@context``).

    Raises DataLossError if any term would be dropped, CanonicalizationError for invalid JSON-LD, LoaderError for
    a context that is not available offline.
    """
    if backend == "pyld":
        return _canonize_pyld(document, loader)
    context = _check_context(document)
    body = _body_text(document)
    text = '{"@context":' + _contexts_text(context, loader) + ("," + body[1:] if body != "{}" else "}")
    quads = _parse(text)
    _check_no_data_loss(quads)
    return _canonical_nquads(quads, max_blank_nodes)


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
    context = _check_context(document)
    flat_doc = not any(k.startswith("@") and k != "@context" for k in document)
    if not (flat_doc and _flat(proof_config) and proof_config.get("@context") == context):
        return (
            canonize_rdfc(document, loader=loader, max_blank_nodes=max_blank_nodes),
            canonize_rdfc(proof_config, loader=loader, max_blank_nodes=max_blank_nodes),
        )
    marker = "urn:vcred:proof-config:" + secrets.token_hex(16)
    config_body = {"@id": marker, **{k: v for k, v in proof_config.items() if k != "@context"}}
    text = (
        '{"@context":'
        + _contexts_text(context, loader)
        + ',"@graph":['
        + _body_text(document)
        + ","
        + json.dumps(config_body)
        + "]}"
    )
    quads = _parse(text)
    _check_no_data_loss(quads)
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
    return (
        _canonical_nquads(doc_quads, max_blank_nodes),
        _canonical_nquads(config_quads, max_blank_nodes),
    )


def _canonize_pyld(document: dict[str, Any], loader: DocumentLoader) -> str:
    from pyld import jsonld

    context = _check_context(document)
    entries = context if isinstance(context, list) else [context]
    wrapped = {**document, "@context": [json.loads(_DETECTOR), *entries]}

    def pyld_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": loader(url)}

    try:
        result = jsonld.normalize(
            wrapped,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": pyld_loader,
                "base": None,
            },
        )
    except jsonld.JsonLdError as exc:
        cause = exc
        while getattr(cause, "cause", None) is not None:
            cause = cause.cause
        if isinstance(cause, LoaderError):
            raise cause from None
        raise CanonicalizationError(f"invalid JSON-LD: {str(exc)[:300]}") from None
    nquads = str(result)
    if UNDEFINED_TERM_PREFIX in nquads:
        term = nquads.split(UNDEFINED_TERM_PREFIX, 1)[1].split(">", 1)[0]
        raise DataLossError(f"term {term!r} is not defined by any @context, so it would not be signed")
    return nquads


def _jcs_fast_path_ok(value: Any) -> bool:
    """True when json.dumps(sort_keys) provably equals RFC 8785 for ``value``.

    That holds when there are no floats, all integers are exact in IEEE 754 doubles, every string is valid
    Unicode (no lone surrogates) and no key needs UTF-16 ordering (all keys are in the Basic Multilingual
    Plane below the surrogate range).
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str) or not key.isascii():
                    return False
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if not item.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in item):
                return False
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -_SAFE_INT < item < _SAFE_INT:
                return False
        else:
            return False
    return True


def canonize_jcs(value: Any) -> bytes:
    """RFC 8785 JSON Canonicalization Scheme bytes of ``value``."""
    if _jcs_fast_path_ok(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError, UnicodeError, RecursionError) as exc:
        raise CanonicalizationError(f"cannot canonicalize as JCS: {exc}") from None
