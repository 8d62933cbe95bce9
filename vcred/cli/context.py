"""Where the CLI keeps its data, and the verification environment built from it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs


def data_dir(explicit: Path | None = None) -> Path:
    """The vcred data directory: ``--data-dir``, else ``VCRED_DATA_DIR``, else the user data directory."""
    if explicit is not None:
        return explicit
    env = os.environ.get("VCRED_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("vcred"))


def verifier_environment(explicit: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for verify_credential / verify_presentation from what the data directory holds."""
    return {}
