"""Strict, bounded JSON input: size and nesting limits run before (or instead of) any deeper processing."""

from __future__ import annotations

import json
from typing import Any

DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_MAX_DEPTH = 64


class InputRejectedError(ValueError):
    """The input is not acceptable JSON within the limits; the message says why."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputRejectedError(f"duplicate key {key[:60]!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise InputRejectedError(f"{name} is not a JSON number")


def parse_json(data: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse JSON text within limits, refusing duplicate keys, NaN/Infinity and deep nesting."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data) if len(data) * 4 > max_bytes else len(data)
    if size > max_bytes:
        raise InputRejectedError(f"input is {size} bytes; the limit is {max_bytes}")
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except RecursionError:
        raise InputRejectedError(f"input nests deeper than {max_depth} levels") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputRejectedError(f"not JSON: {exc}") from None
    check_shape(value, max_bytes=max_bytes, max_depth=max_depth)
    return value


def check_shape(value: Any, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    """Walk an already-parsed value iteratively: nesting depth, approximate size, JSON-only types."""
    budget = max_bytes
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise InputRejectedError(f"input nests deeper than {max_depth} levels")
        if isinstance(item, dict):
            budget -= 2 + len(item)
            for key, sub in item.items():
                if not isinstance(key, str):
                    raise InputRejectedError("object keys must be strings")
                budget -= len(key) + 3
                stack.append((sub, depth + 1))
        elif isinstance(item, list):
            budget -= 2 + len(item)
            stack.extend((sub, depth + 1) for sub in item)
        elif isinstance(item, str):
            budget -= len(item) + 2
        elif item is None or isinstance(item, bool | int):
            budget -= 5
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise InputRejectedError("NaN and Infinity are not JSON")
            budget -= 8
        else:
            raise InputRejectedError(f"{type(item).__name__} is not a JSON value")
        if budget < 0:
            raise InputRejectedError(f"input is larger than the limit of {max_bytes} bytes")
