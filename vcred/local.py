"""The embedded default setting: everything in one local data directory.

``<data>/ledger.sqlite`` (the ledger), ``<data>/ledger-operator.json`` (its operator key), ``<data>/status/`` (status
lists as published files), ``<data>/issuers/<name>.json`` (issuer accounts), ``<data>/witnesses/`` (witness state).
The CLI, the demo and the notebooks use it; a deployment would put the same pieces behind real services.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vcred._files import exclusive_lock, write_atomically
from vcred.crypto.keys import Ed25519SigningKey
from vcred.errors import StorageError
from vcred.ledger.log import Ledger, LedgerClient, Witness
from vcred.status.fetch import DirectoryFetcher

ORIGIN = "ledger.vcred.local/main"
OPERATOR = "ledger.vcred.local"


def write_secret_json(path: Path, value: dict[str, Any]) -> None:
    """Write JSON holding a secret key: atomically, readable by the owner only."""
    write_atomically(path, json.dumps(value, indent=2).encode("utf-8"))
    os.chmod(path, 0o600)


def _key_file(path: Path, name: str) -> Ed25519SigningKey:
    """The key stored at ``path``, created on first use; two processes starting at once get the same key."""
    if not path.exists():
        with exclusive_lock(path):
            if not path.exists():
                key = Ed25519SigningKey.generate()
                write_secret_json(path, {"name": name, "secretKeyMultibase": key.secret_multibase})
    return Ed25519SigningKey.from_multibase(read_json(path)["secretKeyMultibase"])


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON file written by vcred."""
    try:
        value = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise StorageError(f"{path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise StorageError(f"cannot read {path}: {exc}") from None
    if not isinstance(value, dict):
        raise StorageError(f"{path} is not a vcred file")
    return value


@dataclass
class LocalSetting:
    """A data directory holding a ledger, published status lists, issuer accounts and witnesses."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    @property
    def status_dir(self) -> Path:
        """Where status lists are published."""
        return self.root / "status"

    @property
    def issuers_dir(self) -> Path:
        """Where issuer accounts are kept."""
        return self.root / "issuers"

    @property
    def ledger_path(self) -> Path:
        """The ledger database."""
        return self.root / "ledger.sqlite"

    def fetcher(self) -> DirectoryFetcher:
        """The status publication point."""
        return DirectoryFetcher(self.status_dir)

    def _operator_key(self) -> Ed25519SigningKey:
        return _key_file(self.root / "ledger-operator.json", OPERATOR)

    def ledger(self) -> Ledger:
        """Open (or create) the ledger."""
        return Ledger.open(self.ledger_path, origin=ORIGIN, operator_name=OPERATOR, operator_key=self._operator_key())

    def witness(self, name: str) -> Witness:
        """A witness whose key and last cosigned checkpoint live in the data directory."""
        key = _key_file(self.root / "witnesses" / f"{name}.json", name)
        ledger_operator = (OPERATOR, self._operator_key().public_key)
        return Witness(
            name,
            key,
            operator=ledger_operator,
            origin=ORIGIN,
            state_file=self.root / "witnesses" / f"{name}.state.json",
        )

    def client(self, ledger: Ledger | None = None) -> LedgerClient:
        """A verifier's client of the local ledger, synced to its latest checkpoint."""
        source = ledger or self.ledger()
        client = LedgerClient(source, operator=source.operator, origin=ORIGIN)
        client.sync()
        return client

    def verifier_environment(self) -> dict[str, Any]:
        """Keyword arguments for verify_credential / verify_presentation: status lists and the ledger, if present."""
        env: dict[str, Any] = {}
        if self.status_dir.exists():
            env["status_fetcher"] = self.fetcher()
        if self.ledger_path.exists():
            env["ledger"] = self.client()
        return env
