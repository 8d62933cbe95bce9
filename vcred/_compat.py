"""Old import paths kept working, with a DeprecationWarning naming the new one (the library was regrouped by role)."""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import Any


class _MovedModule(types.ModuleType):
    def __init__(self, old: str, new: str) -> None:
        super().__init__(old, f"Moved to {new}.")
        self._new = new

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        warnings.warn(
            f"{self.__name__} moved to {self._new}; import {name} from there", DeprecationWarning, stacklevel=2
        )
        return getattr(importlib.import_module(self._new), name)


def moved(old: str, new: str) -> None:
    """Let ``import old`` keep working: every name read from it comes from ``new``, with a DeprecationWarning."""
    sys.modules.setdefault(old, _MovedModule(old, new))
