"""The closed-world rule: a document is read only when each of its keys means exactly what a bundled context defines.

An eddsa-rdfc-2022 signature covers the RDF graph, not the JSON, and many JSON documents yield one graph: a key
written as its expanded IRI, a compact IRI, an alias from an inline context, a value object, ``@graph``,
``@included``, ``@reverse``, ``@nest``... A check that reads the JSON key ``credentialStatus`` would not see a
status entry written under ``https://www.w3.org/2018/credentials#credentialStatus``, yet the signature holds.

vcred therefore reads a document only if it is in the *closed world* (ADR 9):

* ``@context`` is a list of context URLs the loader serves (bundled), at the top of the document and at the top of
  documents embedded in a ``@graph`` container (credentials in a presentation, proofs); inline context objects
  only when the caller passes exactly those objects in;
* every key at every depth is a term the active context defines (following JSON-LD 1.1's property-scoped and
  type-scoped context rules), never null-mapped, never a reverse property, never an alias of a keyword other than
  ``@id`` and ``@type``; no keyword is written as such, except a plain value object
  (``@value`` with an optional ``@language`` / ``@direction``);
* every ``type`` value is a defined term; ``id`` values and ``@id``-typed values are absolute IRIs that are not
  blank node labels and not compact IRIs (which would expand to something other than what they say);
* no ``null`` values (JSON-LD drops them, so they would state nothing the signature covers); an empty array is
  read exactly as an absent property by every check.

Under that rule the JSON form of a graph is unique up to key order, array order and the single-value/array choice,
so a check that reads a JSON key reads what was signed. Documents that use an ``@vocab`` from a bundled context
(the W3C examples context) may carry undefined claims; those never alias a defined term.

The active contexts are computed by pyld's own context processing, in the order its expansion algorithm applies
them, so the rule follows JSON-LD 1.1 exactly; processed contexts are cached for the life of the process.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from vcred.errors import LoaderError
from vcred.jsonld.loader import DocumentLoader

MAX_PROBLEMS = 5
_VALUE_OBJECT_KEYS = frozenset({"@value", "@language", "@direction"})
_ALLOWED_ALIASES = frozenset({"@id", "@type"})
_CACHE_SIZE = 512
# characters no IRI may hold (RFC 3987), and the shape of a scheme: JSON-LD drops invalid IRIs silently
_NOT_IN_IRI = re.compile(r"[ <>\"{}|^`\\\x00-\x20\x7f]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*\Z")


class ClosedWorldError(Exception):
    """A context that cannot be processed (internal: callers get a list of problems)."""


class _EnoughProblemsError(Exception):
    """Enough problems found to refuse the document; the walk stops."""


class _Contexts:
    """pyld context processing, memoised: bundled contexts never change, so a processed context can be reused."""

    def __init__(self, loader: DocumentLoader) -> None:
        self._loader = loader
        self._processor = jsonld.JsonLdProcessor()

        def pyld_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
            return {"contextUrl": None, "documentUrl": url, "document": loader(url)}

        # a resolver of our own: pyld's shared cache could hold a document another loader served for the same URL
        self._options: dict[str, Any] = {
            "documentLoader": pyld_loader,
            "contextResolver": ContextResolver({}, pyld_loader),
            "processingMode": "json-ld-1.1",
            "base": "",
            "isFrame": False,
        }
        self.initial = self._processor._get_initial_context(self._options)
        self._defined: frozenset[str] | None = None
        # keyed on object identity; each entry keeps its key objects alive, so an id is never reused while cached
        self._memo: OrderedDict[tuple[Any, ...], tuple[Any, Any, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def process(self, active: dict[str, Any], local: Any, *, propagate: bool = True, override: bool = False) -> Any:
        # a document's own @context is a new list on every call: key context URLs by value, so every credential with
        # the same contexts reuses one processed context (and everything cached after it); objects by identity
        urls = (local,) if isinstance(local, str) else tuple(local) if isinstance(local, list) else None
        by_value = urls is not None and all(isinstance(u, str) for u in urls)
        key = (id(active), urls if by_value else id(local), propagate, override)
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] is active and (by_value or hit[1] is local):
                self._memo.move_to_end(key)
                return hit[2]
        try:
            result = self._processor._process_context(
                active, local, self._options, override_protected=override, propagate=propagate
            )
        except jsonld.JsonLdError as exc:
            cause: BaseException = exc
            while getattr(cause, "cause", None) is not None:
                cause = cause.cause  # type: ignore[attr-defined]
            if isinstance(cause, LoaderError):
                raise ClosedWorldError(cause.message) from None
            raise ClosedWorldError(f"invalid JSON-LD context ({_first_line(exc)})") from None
        except (ValueError, TypeError, KeyError) as exc:
            raise ClosedWorldError(f"invalid JSON-LD context ({_first_line(exc)})") from None
        with self._lock:
            self._memo[key] = (active, local, result)
            if len(self._memo) > _CACHE_SIZE:
                self._memo.popitem(last=False)
        return result

    def defined_iris(self) -> frozenset[str]:
        """The IRI of every term any bundled context defines, at any depth (for alias detection)."""
        if self._defined is None:
            from vcred.jsonld.loader import bundled_urls

            found: set[str] = set()
            seen: set[int] = set()
            pending: list[Any] = []
            for url in bundled_urls():
                try:
                    pending.append(self.process(self.initial, url))
                except ClosedWorldError:
                    continue
            while pending:
                active = pending.pop()
                for mapping in active["mappings"].values():
                    if not isinstance(mapping, dict):
                        continue
                    if isinstance(mapping.get("@id"), str) and not mapping["@id"].startswith("@"):
                        found.add(mapping["@id"])
                    scoped = mapping.get("@context")
                    if scoped is not None and id(scoped) not in seen:
                        seen.add(id(scoped))
                        try:
                            pending.append(self.process(active, scoped, override=True))
                        except ClosedWorldError:
                            continue
            self._defined = frozenset(found)
        return self._defined

    def load(self, url: str) -> None:
        """Raise LoaderError unless the loader serves ``url`` (no URL is fetched: the loader holds bundled copies)."""
        self._loader(url)

    def entering_node(self, active: dict[str, Any], prop: str | None, element: dict[str, Any]) -> Any:
        """The active context of a node object before its own ``@context``, as JSON-LD 1.1 expansion computes it.

        A type-scoped context is reverted (except for a node reference, which keeps the context it was written in),
        then the property-scoped context of ``prop`` applies.
        """
        property_scoped = jsonld.JsonLdProcessor.get_context_value(active, prop, "@context")
        type_scoped = active if active.get("previousContext") else None
        must_revert = True
        if type_scoped is not None and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                if keyword_of(type_scoped, key) == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            active = self.revert(active)
        if property_scoped is not None:
            active = self.process(active, property_scoped, override=True)
        return active

    def with_types(self, active: dict[str, Any], element: dict[str, Any]) -> tuple[Any, Any]:
        """(the node's active context with its types' scoped contexts applied, the context its types expand in)."""
        before_types = active
        for key in sorted(element):
            if key == "@context" or keyword_of(active, key) != "@type":
                continue
            types = element[key] if isinstance(element[key], list) else [element[key]]
            for name in sorted(t for t in types if isinstance(t, str)):
                scoped = jsonld.JsonLdProcessor.get_context_value(before_types, name, "@context")
                if scoped is not None:
                    active = self.process(active, scoped, propagate=False)
        return active, before_types

    def expand_key(self, active: dict[str, Any], key: str) -> Any:
        return self._processor._expand_iri(active, key, vocab=True)

    def revert(self, active: dict[str, Any]) -> Any:
        return self._processor._revert_to_previous_context(active)


_by_loader: dict[int, tuple[DocumentLoader, _Contexts]] = {}
_by_loader_lock = threading.Lock()


def contexts_for(loader: DocumentLoader) -> _Contexts:
    with _by_loader_lock:
        hit = _by_loader.get(id(loader))
        if hit is not None and hit[0] is loader:
            return hit[1]
        contexts = _Contexts(loader)
        if len(_by_loader) > 16:
            _by_loader.clear()
        _by_loader[id(loader)] = (loader, contexts)
        return contexts


def _first_line(exc: BaseException) -> str:
    text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    return text.strip().split("\n", 1)[0][:160]


def term_mapping(active: dict[str, Any], term: str | None) -> dict[str, Any] | None:
    if term is None:
        return None
    found = active["mappings"].get(term)
    return found if isinstance(found, dict) else None


def keyword_of(active: dict[str, Any], key: str) -> str | None:
    """The keyword ``key`` stands for (itself, or through an alias term), as JSON-LD expansion reads a key.

    Only a keyword or a term mapped to one expands to a keyword, so a mapping lookup answers what pyld's
    ``_expand_iri`` would, without its general IRI processing on every key.
    """
    if key.startswith("@"):
        return key
    mapping = term_mapping(active, key)
    target = mapping.get("@id") if mapping is not None else None
    return target if isinstance(target, str) and target.startswith("@") else None


def literal_iri(active: dict[str, Any], value: str) -> bool:
    """True when ``value`` is an absolute IRI that JSON-LD reads as itself in ``active``.

    Not a blank node label, not a keyword, no character an IRI may not hold, a scheme, and no prefix that is a
    term (which would make it a compact IRI standing for something else).
    """
    scheme, colon, _ = value.partition(":")
    return (
        bool(colon)
        and scheme != "_"
        and _SCHEME.match(scheme) is not None
        and _NOT_IN_IRI.search(value) is None
        and scheme not in active["mappings"]
    )


def _pointer(path: str, key: str | int) -> str:
    text = str(key).replace("~", "~0").replace("/", "~1")
    return f"{path}/{text}"


class _Walker:
    """Mirrors the order in which JSON-LD 1.1 expansion applies contexts, checking each key on the way."""

    def __init__(self, contexts: _Contexts, inline_contexts: Sequence[Any]) -> None:
        self.contexts = contexts
        self.inline = list(inline_contexts)
        self.problems: list[str] = []
        # JSON pointer of each key -> (the IRI it stands for, its type coercion): what the key was read as
        self.meanings: dict[str, tuple[str, Any]] = {}

    def fail(self, path: str, reason: str) -> None:
        self.problems.append(f"{path or '/'}: {reason}")
        if len(self.problems) >= MAX_PROBLEMS:
            raise _EnoughProblemsError

    # -- contexts --------------------------------------------------------------------------------------------------
    def context_value(self, value: Any, path: str) -> bool:
        entries = value if isinstance(value, list) else [value]
        if not entries:
            self.fail(path, "@context is empty")
            return False
        ok = True
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                try:
                    self.contexts.load(entry)
                except LoaderError as exc:
                    self.fail(_pointer(path, index), exc.message)
                    ok = False
                continue
            if isinstance(entry, dict) and any(entry == allowed for allowed in self.inline):
                continue
            self.fail(
                _pointer(path, index),
                "an inline @context is not accepted: only context URLs the verifier holds (bundled), "
                "or inline contexts the caller passes in explicitly",
            )
            ok = False
        return ok

    # -- values ----------------------------------------------------------------------------------------------------
    def element(self, active: Any, prop: str | None, value: Any, path: str, *, embedded: bool = False) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, list):
                    self.fail(_pointer(path, index), "arrays of arrays are not accepted")
                    continue
                self.element(active, prop, item, _pointer(path, index), embedded=embedded)
            return
        if value is None:
            self.fail(path, "null states nothing that is signed; leave the property out")
            return
        if isinstance(value, dict):
            self.node(active, prop, value, path, embedded=embedded)
            return
        self.scalar(active, prop, value, path)

    def scalar(self, active: Any, prop: str | None, value: Any, path: str) -> None:
        if prop is None:
            self.fail(path, "a free-floating value is not accepted")
            return
        coercion = jsonld.JsonLdProcessor.get_context_value(active, prop, "@type")
        if isinstance(value, str) and coercion in ("@id", "@vocab"):
            self.iri(active, value, path, vocab=coercion == "@vocab")

    def iri(self, active: Any, value: str, path: str, *, vocab: bool) -> None:
        """An IRI-valued string must say exactly the IRI it stands for."""
        if vocab and term_mapping(active, value) is not None:
            if term_mapping(active, value).get("@id") is None:  # type: ignore[union-attr]
                self.fail(path, f"{value!r} is a null-mapped term")
            return
        if value.startswith("_:"):
            self.fail(path, f"{value!r} is a blank node label, which canonicalization renames; use an absolute IRI")
            return
        scheme, colon, _rest = value.partition(":")
        if not colon:
            self.fail(path, f"{value!r} is not an absolute IRI")
            return
        if term_mapping(active, scheme) is not None:
            self.fail(path, f"{value!r} is a compact IRI (its prefix {scheme!r} is a term); write the IRI in full")
            return
        if _NOT_IN_IRI.search(value) or not _SCHEME.match(scheme):
            self.fail(path, f"{value[:120]!r} is not a valid IRI (JSON-LD would drop it, so it would not be signed)")
            return
        if vocab and self._names_a_term(active, value):
            self.fail(path, f"{value!r} is the IRI of a defined term; write the term")

    def _names_a_term(self, active: Any, iri: str) -> bool:
        """True when ``iri`` is what some defined term stands for: writing it instead of the term is an alias."""
        if iri in self.contexts.defined_iris():
            return True
        return any(isinstance(m, dict) and m.get("@id") == iri for m in active["mappings"].values())

    def absolute(self, active: Any, name: str, path: str, what: str) -> None:
        """An absolute IRI used as a key or type: accepted only when it can be read in no other way."""
        scheme = name.partition(":")[0]
        if _NOT_IN_IRI.search(name) or not _SCHEME.match(scheme):
            self.fail(path, f"{what} {name[:120]!r} is not a valid IRI")
        elif term_mapping(active, scheme) is not None:
            self.fail(path, f"{what} {name!r} is a compact IRI (its prefix {scheme!r} is a term); write the term")
        elif name.startswith("_:"):
            self.fail(path, f"{what} {name!r} is a blank node label")
        elif self._names_a_term(active, name):
            self.fail(path, f"{what} {name!r} is the IRI of a defined term; write the term")

    # -- node objects ----------------------------------------------------------------------------------------------
    def node(self, active: Any, prop: str | None, element: dict[str, Any], path: str, *, embedded: bool) -> None:
        ctx = self.contexts
        if "@value" in element:
            self.value_object(element, path)
            return
        active = ctx.entering_node(active, prop, element)
        if "@context" in element:
            if not embedded:
                self.fail(_pointer(path, "@context"), "an embedded @context is accepted only at the top of a document")
                return
            if not self.context_value(element["@context"], _pointer(path, "@context")):
                return
            active = ctx.process(active, element["@context"])
        active, before_types = ctx.with_types(active, element)
        for key, value in element.items():
            if key != "@context":
                self.entry(active, before_types, key, value, _pointer(path, key))

    def value_object(self, element: dict[str, Any], path: str) -> None:
        extra = set(element) - _VALUE_OBJECT_KEYS
        if extra:
            self.fail(path, f"a value object may hold only @value, @language and @direction, not {sorted(extra)}")
        if not isinstance(element.get("@value"), str):
            self.fail(_pointer(path, "@value"), "a value object's @value must be a string")
        if "@direction" in element and element["@direction"] not in ("ltr", "rtl"):
            self.fail(_pointer(path, "@direction"), "@direction must be 'ltr' or 'rtl'")
        if "@language" in element and not isinstance(element["@language"], str):
            self.fail(_pointer(path, "@language"), "@language must be a string")

    def entry(self, active: Any, before_types: Any, key: str, value: Any, path: str) -> None:
        if key.startswith("@"):
            self.fail(path, f"the keyword {key} is not accepted here; write the document with its terms only")
            return
        mapping = term_mapping(active, key)
        if mapping is None:
            self.undefined(active, key, path)
            return
        target = mapping.get("@id")
        if target is None:
            self.fail(path, f"the term {key!r} is mapped to null, so it would not be signed")
            return
        if mapping.get("reverse"):
            self.fail(path, f"the term {key!r} is a reverse property")
            return
        if isinstance(target, str) and target.startswith("@"):
            if target not in _ALLOWED_ALIASES:
                self.fail(path, f"the term {key!r} is an alias of the keyword {target}")
            elif target == "@id":
                self.ident(active, value, path)
            else:
                self.types(before_types, value, path)
            return
        coercion = mapping.get("@type")  # the term's own definition: what get_context_value would read
        self.meanings[path] = (target, coercion)
        if coercion == "@json":
            return  # a JSON literal: signed as one opaque value
        raw_container = mapping.get("@container")
        container = raw_container if isinstance(raw_container, list) else [raw_container] if raw_container else []
        if any(c in container for c in ("@language", "@index", "@id", "@type")) and isinstance(value, dict):
            self.fail(path, f"the term {key!r} is a map container, which the closed world does not accept")
            return
        term_ctx = active
        scoped = mapping.get("@context")
        if scoped is not None:
            term_ctx = self.contexts.process(active, scoped, override=True)
        self.element(term_ctx, key, value, path, embedded="@graph" in container)

    def undefined(self, active: Any, key: str, path: str) -> None:
        vocab = active.get("@vocab")
        if ":" in key:
            self.absolute(active, key, path, "the key")
        elif not isinstance(vocab, str):
            self.fail(path, f"the term {key!r} is not defined by the document's contexts, so it would not be signed")
        elif self._names_a_term(active, vocab + key):
            self.fail(path, f"{key!r} expands to the IRI of a defined term; write the term")

    def ident(self, active: Any, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(path, "an id must be a string")
            return
        self.iri(active, value, path, vocab=False)

    def types(self, before_types: Any, value: Any, path: str) -> None:
        names = value if isinstance(value, list) else [value]
        if not names:
            self.fail(path, "type is empty")
        for index, name in enumerate(names):
            where = _pointer(path, index) if isinstance(value, list) else path
            if not isinstance(name, str):
                self.fail(where, "a type must be a string")
                continue
            mapping = term_mapping(before_types, name)
            if mapping is not None:
                if mapping.get("@id") is None:
                    self.fail(where, f"the type {name!r} is mapped to null")
                continue
            if ":" in name:
                self.absolute(before_types, name, where, "the type")
            elif not isinstance(before_types.get("@vocab"), str):
                self.fail(where, f"the type {name!r} is not a term the contexts define")
            elif self._names_a_term(before_types, before_types["@vocab"] + name):
                self.fail(where, f"the type {name!r} expands to the IRI of a defined term; write the term")


def key_meanings(document: Any, *, loader: DocumentLoader) -> dict[str, tuple[str, Any]]:
    """JSON pointer of every key of a closed-world ``document`` -> (the IRI it means, its type coercion or None).

    For tests and tools that rewrite a document into another JSON form of the same graph.
    """
    contexts = contexts_for(loader)
    walker = _Walker(contexts, ())
    walker.node(contexts.initial, None, document, "", embedded=True)
    return walker.meanings


def closed_world_problems(document: Any, *, loader: DocumentLoader, inline_contexts: Sequence[Any] = ()) -> list[str]:
    """The reasons ``document`` is outside the closed world (empty when it is inside); never raises for bad input.

    ``inline_contexts`` are context objects the caller accepts inline (compared by value); every context URL must be
    one ``loader`` serves. Each problem names a JSON pointer and says what to write instead.

    >>> from vcred.jsonld.loader import default_loader
    >>> doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
    ...        "https://www.w3.org/2018/credentials#validUntil": "2020-01-01T00:00:00Z"}
    >>> "the IRI of a defined term" in closed_world_problems(doc, loader=default_loader())[0]
    True
    """
    if not isinstance(document, dict):
        return ["/: a JSON-LD document must be a JSON object"]
    if "@context" not in document:
        return ["/: the document has no @context"]
    contexts = contexts_for(loader)
    walker = _Walker(contexts, inline_contexts)
    try:
        walker.node(contexts.initial, None, document, "", embedded=True)
    except _EnoughProblemsError:
        pass
    except ClosedWorldError as exc:
        walker.problems.append(f"/@context: {exc}")
    except LoaderError as exc:
        walker.problems.append(f"/@context: {exc.message}")
    except RecursionError:
        walker.problems.append("/: the document nests too deeply")
    except Exception as exc:  # a processor bug must refuse the document, never crash the verifier
        walker.problems.append(f"/: the document could not be checked ({type(exc).__name__})")
    return walker.problems
