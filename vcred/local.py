"""The embedded default setting: everything in one local data directory.

``<data>/ledger.sqlite`` (the ledger), ``<data>/ledger-operator.json`` (its operator key), ``<data>/status/`` (status
lists as published files), ``<data>/issuers/<name>.json`` (issuer accounts), ``<data>/witnesses/`` (witness keys and
state), ``<data>/verifier/`` (a verifier's ledger trust: the operator and witness keys it was configured with, and
the last checkpoint it trusted). The CLI, the demo and the notebooks use it; a deployment would put the same pieces
behind real services.

The operator side (issuers appending, witnesses cosigning) creates keys on first use. The verifier side never
does, and never reads the operator's files: it trusts only the keys written by an explicit configuration step
(:meth:`LocalSetting.trust_ledger`, or :meth:`LocalSetting.trust_local_ledger` for trust on first use).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vcred._files import exclusive_lock, write_atomically
from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.errors import KeyFormatError, LedgerError, SplitView, StorageError, UsageError
from vcred.ledger.checkpoint import SignedCheckpoint, check_witness_set, parse_verifier_key, verifier_key
from vcred.ledger.log import Ledger, LedgerClient, LedgerReader, Witness
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


@dataclass(frozen=True)
class LedgerTrust:
    """What a verifier trusts a ledger by: its origin, the operator's verifier key, witness keys and a quorum."""

    origin: str
    operator: str
    witnesses: tuple[str, ...]
    quorum: int

    @classmethod
    def build(cls, origin: str, operator: str, witnesses: Sequence[str], quorum: int) -> LedgerTrust:
        """A checked configuration; UsageError for a malformed key, a repeated or operator key, a bad quorum."""
        trust = cls(origin, operator, tuple(witnesses), quorum)
        trust.keys()
        return trust

    def keys(self) -> tuple[tuple[str, Ed25519PublicKey], dict[str, Ed25519PublicKey]]:
        """(operator name and key, witnesses by name), checked as a set (see ``check_witness_set``)."""
        try:
            operator = parse_verifier_key(self.operator)
            parsed = [parse_verifier_key(w) for w in self.witnesses]
        except LedgerError as exc:
            raise UsageError(
                f"a configured ledger key is not a verifier key: {exc.message}",
                hint="verifier keys look like name+1a2b3c4d+AQ…; `vcred ledger keys` prints the local ones",
            ) from None
        witnesses = dict(parsed)
        if len(witnesses) != len(parsed):
            raise UsageError("a witness name is configured twice", hint="configure each witness once")
        return operator, check_witness_set(operator, witnesses, self.quorum)

    def to_json(self) -> dict[str, Any]:
        """The file form."""
        return {
            "origin": self.origin,
            "operator": self.operator,
            "witnesses": list(self.witnesses),
            "quorum": self.quorum,
        }


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

    @property
    def trust_path(self) -> Path:
        """The verifier's ledger trust configuration."""
        return self.root / "verifier" / "ledger-trust.json"

    @property
    def checkpoint_path(self) -> Path:
        """The last ledger checkpoint the verifier trusted (a newer one must extend it)."""
        return self.root / "verifier" / "ledger-checkpoint.txt"

    def local_issuers(self) -> dict[str, str]:
        """The issuer accounts kept here, DID → account name (empty when there are none). Reads no key."""
        found: dict[str, str] = {}
        folder = self.issuers_dir
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            if path.name.endswith(".recovery.json"):
                continue
            data = read_json(path)
            if isinstance(data.get("did"), str) and isinstance(data.get("name"), str):
                found[data["did"]] = data["name"]
        return found

    def fetcher(self) -> DirectoryFetcher:
        """The status publication point."""
        return DirectoryFetcher(self.status_dir)

    def _operator_key(self) -> Ed25519SigningKey:
        return _key_file(self.root / "ledger-operator.json", OPERATOR)

    def ledger(self) -> Ledger:
        """Open (or create) the ledger, as its operator: each batch's checkpoint is cosigned by the witnesses here."""
        return Ledger.open(
            self.ledger_path,
            origin=ORIGIN,
            operator_name=OPERATOR,
            operator_key=self._operator_key(),
            cosigners=[self.witness(name) for name in self._witness_names()],
        )

    def _witness_names(self) -> list[str]:
        folder = self.root / "witnesses"
        found = folder.glob("*.json") if folder.is_dir() else []
        return sorted(p.name[: -len(".json")] for p in found if not p.name.endswith(".state.json"))

    # -- the verifier's trust (never creates a key, never reads a secret) --------------------------------------
    def operator_verifier_key(self) -> str:
        """The local operator's verifier key (name+id+key); UsageError when this directory runs no ledger."""
        return verifier_key(OPERATOR, self._existing_key(self.root / "ledger-operator.json").public_key)

    def witness_verifier_keys(self) -> list[str]:
        """The verifier keys of the witnesses kept in this data directory."""
        return [
            verifier_key(name, self._existing_key(self.root / "witnesses" / f"{name}.json").public_key)
            for name in self._witness_names()
        ]

    def _existing_key(self, path: Path) -> Ed25519SigningKey:
        if not path.is_file():
            raise UsageError(f"{path} does not exist: this data directory runs no ledger operator or witness")
        try:
            return Ed25519SigningKey.from_multibase(read_json(path)["secretKeyMultibase"])
        except (KeyError, KeyFormatError):
            raise StorageError(f"{path} is not a vcred key file") from None

    def ledger_trust(self) -> LedgerTrust | None:
        """The verifier's ledger trust configuration, if one was written."""
        if not self.trust_path.exists():
            return None
        value = read_json(self.trust_path)
        try:
            return LedgerTrust.build(
                str(value["origin"]), str(value["operator"]), [str(w) for w in value["witnesses"]], value["quorum"]
            )
        except (KeyError, TypeError) as exc:
            raise StorageError(f"{self.trust_path} is not a ledger trust configuration ({exc})") from None

    def trust_ledger(
        self, operator_key: str, witnesses: Sequence[str] = (), quorum: int = 0, *, replace: bool = False
    ) -> LedgerTrust:
        """Configure, once, the keys this verifier trusts the ledger by; UsageError if already configured."""
        trust = LedgerTrust.build(ORIGIN, operator_key, witnesses, quorum)
        with exclusive_lock(self.trust_path):
            if self.trust_path.exists() and not replace:
                raise UsageError(
                    f"this verifier already trusts a ledger ({self.trust_path})",
                    hint="pass replace=True (--replace) to change the keys it trusts",
                )
            write_atomically(self.trust_path, json.dumps(trust.to_json(), indent=2).encode("utf-8"), mode=0o644)
        return trust

    def trust_local_ledger(self, quorum: int | None = None, *, replace: bool = False) -> LedgerTrust:
        """Trust on first use: the operator and witness keys found in this data directory (default quorum: all)."""
        witnesses = self.witness_verifier_keys()
        return self.trust_ledger(
            self.operator_verifier_key(), witnesses, len(witnesses) if quorum is None else quorum, replace=replace
        )

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
        """A verifier's client of the local ledger (or of ``ledger``'s read-only view), synced to its latest
        checkpoint, which must extend the one this verifier trusted last (SplitView otherwise).

        Trusts only the configured keys (UsageError when none were configured); every checkpoint it adopts is
        saved, atomically, as the new last trusted one.
        """
        trust = self.ledger_trust()
        if trust is None:
            raise UsageError(
                "this verifier has no ledger trust configured: it cannot tell the ledger from a forgery",
                hint="run `vcred ledger trust --operator-key KEY [--witness KEY ...] --quorum N` once "
                "(or `vcred ledger trust --local` to trust this directory's own ledger)",
            )
        operator, witnesses = trust.keys()
        source = ledger.reader() if ledger is not None else LedgerReader.open(self.ledger_path)
        trusted = self.checkpoint_path.read_text("utf-8") if self.checkpoint_path.exists() else None
        client = LedgerClient(
            source,
            operator=operator,
            origin=trust.origin,
            witnesses=witnesses,
            quorum=trust.quorum,
            trusted=trusted,
            on_adopt=self._remember_checkpoint,
        )
        try:
            client.sync()
        except SplitView as view:
            raise SplitView(
                f"the ledger contradicts the checkpoint this verifier trusted last: {view.message}",
                first=view.first,
                second=view.second,
                hint=f"keep both as evidence: trusted {_describe(view.first)}; served {_describe(view.second)}",
            ) from None
        return client

    def _remember_checkpoint(self, signed: SignedCheckpoint) -> None:
        write_atomically(self.checkpoint_path, signed.note.encode("utf-8"), mode=0o644)

    def verifier_environment(self) -> dict[str, Any]:
        """Keyword arguments for verify_credential / verify_presentation: status lists and the ledger, if present.

        A ledger is used only through the configured trust; a data directory with a ledger but no trust
        configuration is a UsageError (verifying without the ledger would skip its checks silently).
        """
        env: dict[str, Any] = {}
        if self.status_dir.exists():
            env["status_fetcher"] = self.fetcher()
        if self.ledger_path.exists() or self.trust_path.exists():
            env["ledger"] = self.client()
        return env


def _describe(checkpoint: Any) -> str:
    return f"size {checkpoint.size}, root {checkpoint.root_hash.hex()}"
