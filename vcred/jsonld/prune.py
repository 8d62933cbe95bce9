"""Prune bundled contexts to the terms a document can reach, so the JSON-LD processor has less to read.

Context processing dominates RDFC-1.0 on small documents: the VC 2.0 context alone costs more than everything
else. Expansion only ever *looks up* a term by a name that occurs in the document: a key, a type, a value under
``@type: @vocab`` coercion, or the prefix of a compact IRI. So a term definition whose name never occurs in the
document, and that no kept definition refers to, cannot change the output: we drop it. Two guards keep this exact:

* only bundled contexts are pruned (we know they are valid, so no error is hidden by dropping a definition);
* a name defined by more than one context entry is always kept, so protected-term conflicts still raise.

The tests compare pruned and unpruned results on the W3C vectors, the VC 2.0 suite inputs and random documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

ContextKey = tuple[str, str]
"""(loader cache scope, context URL): names one inlined context exactly (see vcred.jsonld.loader.cache_scope)."""


def _identifiers(text: str) -> tuple[str, ...]:
    """A string and, for compact IRIs and IRIs, its prefix (``xsd`` of ``xsd:date``)."""
    head, sep, _ = text.partition(":")
    return (text, head) if sep else (text,)


def names_in(*values: Any) -> set[str]:
    """Every key and string value of the documents (and their prefixes): all names expansion can look up."""
    names: set[str] = set()
    stack = list(values)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                names.update(_identifiers(key))
                if isinstance(sub, str):
                    names.update(_identifiers(sub))
                elif isinstance(sub, dict | list):
                    stack.append(sub)
        elif isinstance(item, list):
            for sub in item:
                if isinstance(sub, str):
                    names.update(_identifiers(sub))
                elif isinstance(sub, dict | list):
                    stack.append(sub)
    return names


class ContextIndex:
    """For one context value: every term it defines (at any depth) and what each definition refers to."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.refs: dict[str, set[str]] = {}
        self._index(context)
        self.defined = frozenset(self.refs)

    def _index(self, context: Any) -> None:
        for entry in context if isinstance(context, list) else [context]:
            if not isinstance(entry, dict):
                continue
            for term, definition in entry.items():
                if term.startswith("@"):
                    continue
                refs = self.refs.setdefault(term, set())
                if not isinstance(definition, dict):
                    refs.update(_identifiers(str(definition)))
                    continue
                # a definition refers to the names in its own values (@id, @type, @index, @nest…); the terms its
                # scoped context defines are definitions in their own right, indexed below, not references
                refs.update(names_in({k: v for k, v in definition.items() if k != "@context"}))
                scoped = definition.get("@context")
                if scoped is not None:
                    for nested in scoped if isinstance(scoped, list) else [scoped]:
                        if isinstance(nested, dict):
                            refs.update(names_in({k: v for k, v in nested.items() if k.startswith("@")}))
                    self._index(scoped)

    def closure(self, wanted: set[str]) -> frozenset[str]:
        """The defined names reachable from ``wanted`` through the definitions that refer to them."""
        keep: set[str] = set()
        frontier = [n for n in wanted if n in self.refs]
        while frontier:
            name = frontier.pop()
            if name in keep:
                continue
            keep.add(name)
            frontier.extend(r for r in self.refs[name] if r in self.refs and r not in keep)
        return frozenset(keep)


def prune(context: Any, keep: frozenset[str]) -> Any:
    """``context`` with only the kept term definitions (keywords always stay; scoped contexts are pruned too)."""
    if isinstance(context, list):
        return [prune(c, keep) for c in context]
    if not isinstance(context, dict):
        return context
    out: dict[str, Any] = {}
    for term, definition in context.items():
        if term.startswith("@"):
            out[term] = definition
        elif term in keep:
            if isinstance(definition, dict) and "@context" in definition:
                definition = {**definition, "@context": prune(definition["@context"], keep)}
            out[term] = definition
    return out


@lru_cache(maxsize=512)
def pruned_text(index_key: ContextKey, keep: frozenset[str]) -> str:
    """JSON text of a registered context pruned to ``keep`` (cached: documents of one kind share one key)."""
    return json.dumps(prune(_REGISTERED[index_key].context, keep))


_REGISTERED: dict[ContextKey, ContextIndex] = {}


def register(key: ContextKey, context: Callable[[], Any]) -> ContextIndex:
    """Index a bundled, inlined context under ``key`` once; ``context`` is only called the first time."""
    index = _REGISTERED.get(key)
    if index is None:
        index = _REGISTERED[key] = ContextIndex(context())
    return index


@lru_cache(maxsize=1024)
def kept(key: ContextKey, wanted: frozenset[str]) -> frozenset[str]:
    """The closure of ``wanted`` in a registered context (cached: documents of one kind ask the same question)."""
    return _REGISTERED[key].closure(set(wanted))


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def names_in_text(text: str) -> set[str]:
    """Like :func:`names_in`, from the document's JSON text (every key and string value, and their prefixes)."""
    names: set[str] = set()
    for raw in _STRING.findall(text):
        value = json.loads(f'"{raw}"') if "\\" in raw else raw
        names.add(value)
        head, sep, _ = value.partition(":")
        if sep:
            names.add(head)
    return names
