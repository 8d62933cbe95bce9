"""Where the CLI keeps its data, and the verification environment built from it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import platformdirs

from vcred.errors import UsageError
from vcred.local import LocalSetting


def data_dir(explicit: Path | None = None) -> Path:
    """The vcred data directory: ``--data-dir``, else ``VCRED_DATA_DIR``, else the user data directory."""
    if explicit is not None:
        return explicit
    env = os.environ.get("VCRED_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("vcred"))


def setting(explicit: Path | None = None) -> LocalSetting:
    """The local data directory as a LocalSetting."""
    return LocalSetting(data_dir(explicit))


def verifier_environment(explicit: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for verify_credential / verify_presentation from what the data directory holds."""
    return setting(explicit).verifier_environment()


def passphrase(*, confirm: bool = False) -> str:
    """``VCRED_PASSPHRASE`` for scripts, else a hidden prompt."""
    value = os.environ.get("VCRED_PASSPHRASE")
    if value:
        return value
    import typer

    if not sys.stdin.isatty():
        raise UsageError("no passphrase: set VCRED_PASSPHRASE or run in a terminal to be asked")
    entered: str = typer.prompt("Wallet passphrase", hide_input=True, confirmation_prompt=confirm)
    return entered


def recovery_passphrase(*, confirm: bool = False) -> str:
    """An issuer's recovery passphrase: ``VCRED_RECOVERY_PASSPHRASE`` for scripts, else a hidden prompt.

    It seals the issuer's pre-committed next key, so it must not be kept beside the data directory.
    """
    value = os.environ.get("VCRED_RECOVERY_PASSPHRASE")
    if value:
        return value
    import typer

    if not sys.stdin.isatty():
        raise UsageError("no recovery passphrase: set VCRED_RECOVERY_PASSPHRASE or run in a terminal to be asked")
    entered: str = typer.prompt("Issuer recovery passphrase", hide_input=True, confirmation_prompt=confirm)
    if not entered:
        raise UsageError("the recovery passphrase must not be empty")
    return entered
