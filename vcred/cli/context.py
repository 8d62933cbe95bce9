"""Where the CLI keeps its data, and the verification environment built from it."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from vcred.errors import UsageError
from vcred.local import LocalSetting
from vcred.verify.replay import ReplayCache


def default_data_dir() -> Path:
    """The data directory when neither ``--data-dir`` nor ``VCRED_DATA_DIR`` names one: the user data directory
    (``~/.local/share/vcred`` on Linux, ``~/Library/Application Support/vcred`` on macOS)."""
    return Path(platformdirs.user_data_dir("vcred"))


def data_dir(explicit: Path | None = None) -> Path:
    """The vcred data directory: ``--data-dir``, else ``VCRED_DATA_DIR``, else :func:`default_data_dir`."""
    return data_dir_and_source(explicit)[0]


def data_dir_and_source(explicit: Path | None = None) -> tuple[Path, str]:
    """The data directory and what chose it: ``--data-dir``, ``VCRED_DATA_DIR`` or ``default``."""
    env = os.environ.get("VCRED_DATA_DIR")
    if explicit is not None:
        # typer fills the option from VCRED_DATA_DIR too: then the environment chose it
        return explicit, "VCRED_DATA_DIR" if env and Path(env) == explicit else "--data-dir"
    if env:
        return Path(env), "VCRED_DATA_DIR"
    return default_data_dir(), "default"


def setting(explicit: Path | None = None) -> LocalSetting:
    """The local data directory as a LocalSetting."""
    return LocalSetting(data_dir(explicit))


def verifier_environment(explicit: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for verify_credential / verify_presentation from what the data directory holds."""
    return setting(explicit).verifier_environment()


def replay_cache(explicit: Path | None = None, *, domain: str) -> ReplayCache:
    """The verifier's persistent replay cache in the data directory (``verifier/replay.sqlite``), for presentations
    to ``domain``: every command that accepts presentations uses it (pass it as ``replay_cache=``), so a
    presentation accepted once is refused when it comes back, in any later run or a parallel one."""
    from vcred.verify.replay_sqlite import SqliteReplayCache

    return SqliteReplayCache(setting(explicit).root / "verifier" / "replay.sqlite", scope=domain)


def verification_kwargs(
    explicit: Path | None = None, *, anchor_proofs: Sequence[Any] = (), now: datetime | None = None
) -> dict[str, Any]:
    """What every verifying command passes to verify_credential / verify_presentation: the data directory's
    verifier environment (status lists, the trusted ledger) plus the issuance anchor proofs the caller holds for
    the credentials (a wallet's stored ones, FILE.anchor.json) and the time (``--at``)."""
    env = with_anchor_proofs(verifier_environment(explicit), anchor_proofs)
    if now is not None:
        env["now"] = now
    return env


def with_anchor_proofs(env: dict[str, Any], anchor_proofs: Sequence[Any]) -> dict[str, Any]:
    """``env`` (from :func:`verification_kwargs`) for a credential with these issuance anchor proofs (None: none)."""
    proofs = [p for p in anchor_proofs if p is not None]
    if not proofs:
        return {k: v for k, v in env.items() if k != "options"}
    from vcred.verify.options import VerifyOptions

    return {**env, "options": VerifyOptions(anchor_proofs=proofs)}


MIN_PASSPHRASE_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"


def check_passphrase_strength(value: str, *, weak_ok: bool = False) -> None:
    """Refuse a guessable new passphrase (zxcvbn score below 3) unless the holder says ``--weak-passphrase-ok``."""
    if weak_ok:
        return
    from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # ships no type information

    estimate = zxcvbn(value[:100])  # zxcvbn is slow on very long input; the first 100 characters decide
    if estimate["score"] >= MIN_PASSPHRASE_SCORE:
        return
    feedback = estimate.get("feedback") or {}
    advice = " ".join([feedback.get("warning") or "", *feedback.get("suggestions", [])]).strip()
    raise UsageError(
        f"this passphrase is too easy to guess (strength {estimate['score']} of 4, at least "
        f"{MIN_PASSPHRASE_SCORE} needed){': ' + advice if advice else ''}",
        hint="use a few unrelated words, or pass --weak-passphrase-ok to accept it anyway",
    )


def passphrase(*, confirm: bool = False, new: bool = False, weak_ok: bool = False) -> str:
    """``VCRED_PASSPHRASE`` for scripts, else a hidden prompt; a ``new`` one must be strong (or ``weak_ok``)."""
    value = os.environ.get("VCRED_PASSPHRASE")
    if not value:
        import typer

        if not sys.stdin.isatty():
            raise UsageError("no passphrase: set VCRED_PASSPHRASE or run in a terminal to be asked")
        value = typer.prompt("Wallet passphrase", hide_input=True, confirmation_prompt=confirm)
    if new:
        check_passphrase_strength(value, weak_ok=weak_ok)
    return value


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
