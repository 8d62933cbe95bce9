"""A seeded mutation engine for signed JSON documents: every path, every kind of edit."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path to a value inside ``value`` (objects and arrays included)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            yield (*prefix, key)
            yield from paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield (*prefix, index)
            yield from paths(sub, (*prefix, index))


def _parent(document: Any, path: Path) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


def _changed(value: Any, rng: random.Random) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + rng.choice([1, -1, 1000])
    if isinstance(value, float):
        return value * 2 + 1
    if isinstance(value, str):
        if len(value) > 1 and rng.random() < 0.5:
            i = rng.randrange(len(value))
            replacement = "X" if value[i] != "X" else "Y"
            return value[:i] + replacement + value[i + 1 :]
        return value + rng.choice(["x", "0", " ", "Z"])
    if isinstance(value, list):
        return [*value, "injected"]
    if isinstance(value, dict):
        return {**value, "injectedClaim": "injected"}
    return "was-null"


MAX_DRAWS = 100


def mutate(document: dict[str, Any], rng: random.Random) -> tuple[str, Any]:
    """One random edit that changes what a signature covers: (description, changed copy). Always returns one.

    Draws up to MAX_DRAWS edits until one changes the document (some draws cannot apply: removing an empty array,
    adding a field inside a string); if none did, adds a top-level field, which always does. TypeError for a
    document that is not a JSON object.
    """
    if not isinstance(document, dict):
        raise TypeError(f"mutate() edits JSON objects, not {type(document).__name__}")
    for _ in range(MAX_DRAWS):
        drawn = _draw(document, rng)
        if drawn is not None and drawn[1] != document:
            return drawn
    name = next(f"added{n}" for n in range(len(document) + 1) if f"added{n}" not in document)
    return f"add top-level field {name}", {**copy.deepcopy(document), name: "added value"}


def _draw(document: dict[str, Any], rng: random.Random) -> tuple[str, Any] | None:
    """One randomly drawn edit; None when the drawn edit cannot apply here (the caller draws again)."""
    mutated = copy.deepcopy(document)
    all_paths = list(paths(mutated))
    kind = rng.choice(["change", "change", "change", "add", "remove", "context", "type", "date"])
    if kind == "context" and isinstance(mutated.get("@context"), list) and len(mutated["@context"]) > 1:
        contexts = mutated["@context"]
        contexts[0], contexts[1] = contexts[1], contexts[0]
        return "swap @context", mutated
    if kind == "type" and "type" in mutated:
        mutated["type"] = (
            ["VerifiableCredential", "ForgedCredential"]
            if "VerifiableCredential" in str(mutated["type"])
            else ["VerifiablePresentation", "ForgedPresentation"]
        )
        return "change type", mutated
    if kind == "date":
        dated = [
            p
            for p in all_paths
            if isinstance(_parent(mutated, p)[p[-1]], str)
            and _parent(mutated, p)[p[-1]].endswith("Z")
            and "T" in _parent(mutated, p)[p[-1]]
        ]
        if dated:
            path = rng.choice(dated)
            parent = _parent(mutated, path)
            parent[path[-1]] = parent[path[-1]][:-1] + "+00:00"  # the same instant, another lexical form
            return f"re-encode date at {path}", mutated
        kind = "change"
    if not all_paths:
        return None
    path = rng.choice(all_paths)
    parent = _parent(mutated, path)
    if kind == "add":
        target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else parent
        if isinstance(target, dict):
            target[f"added{rng.randrange(1000)}"] = "added value"
            return f"add field near {path}", mutated
        return None
    if kind == "remove":
        value = parent[path[-1]]
        if value in ([], {}, None) or (isinstance(parent, list) and len(parent) == 1):
            return None  # removing nothing changes nothing that is signed
        del parent[path[-1]]
        return f"remove {path}", mutated
    parent[path[-1]] = _changed(parent[path[-1]], rng)
    return f"change {path}", mutated
