"""The radiologist's wallet: holder keys, credentials in every form, and a log of what was shown to whom.

Every change is written atomically and durably before the call returns (acknowledged means on disk), under a lock
so two processes never interleave. Credentials are verified on import, and one not issued to the holder is refused
unless explicitly allowed (then it is kept, flagged with the reason). Every save carries the next generation number;
an older copy put back in place of the wallet is refused on open (``vcred.wallet.generation``).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from vcred._files import write_atomically
from vcred._json import parse_json
from vcred._time import format_datetime_stamp, require_aware, utcnow
from vcred.crypto.keys import Ed25519SigningKey
from vcred.crypto.sealing import DEFAULT_KDF, KdfParams
from vcred.did.key import did_key_method_id
from vcred.errors import CorruptWalletError, UsageError, WalletError, WalletRolledBackError
from vcred.ledger.anchors import credential_hash
from vcred.model.families import category_of, types_in
from vcred.report import VerificationReport
from vcred.wallet.generation import Generation, Record, check, file_hash, next_generation, read_record, write_record
from vcred.wallet.vault import (
    decode_vault,
    encode_vault,
    locked,
    read_file,
    remove_stale_temporaries,
)

FORMS = ("di", "jwt")


def default_wallet_path() -> Path:
    """``VCRED_WALLET`` if set, else ``wallet.vcw`` in the user's data directory."""
    configured = os.environ.get("VCRED_WALLET")
    return Path(configured) if configured else Path(platformdirs.user_data_dir("vcred")) / "wallet.vcw"


@dataclass(frozen=True)
class StoredCredential:
    """A credential in the wallet with what the wallet knows about it."""

    id: str
    form: str
    credential: dict[str, Any] | str
    types: tuple[str, ...]
    issuer: str | None
    subject: str | None
    category: str | None
    added_at: str
    flagged: str | None = None
    anchor_proof: dict[str, Any] | None = None  # the issuer's batch anchor proof (proves when it was issued)

    def to_json(self) -> dict[str, Any]:
        """Serializable form."""
        return {
            "anchorProof": self.anchor_proof,
            "id": self.id,
            "form": self.form,
            "credential": self.credential,
            "types": list(self.types),
            "issuer": self.issuer,
            "subject": self.subject,
            "category": self.category,
            "addedAt": self.added_at,
            "flagged": self.flagged,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredCredential:
        """From the serialized form."""
        return cls(
            id=data["id"],
            form=data["form"],
            credential=data["credential"],
            types=tuple(data["types"]),
            issuer=data["issuer"],
            subject=data["subject"],
            category=data["category"],
            added_at=data["addedAt"],
            flagged=data.get("flagged"),
            anchor_proof=data.get("anchorProof"),
        )

    @property
    def issuer_name(self) -> str | None:
        """The issuer's name as the credential states it (``issuer.name``, covered by its proof), if it has one."""
        try:
            issuer = _claims(self.credential).get("issuer")
        except WalletError:
            return None
        name = issuer.get("name") if isinstance(issuer, dict) else None
        return name if isinstance(name, str) and name.strip() else None

    @property
    def name(self) -> str:
        """A short human label."""
        kinds = [t for t in self.types if t != "VerifiableCredential"]
        return ", ".join(kinds) or "credential"


Verifier = Callable[[dict[str, Any] | str], VerificationReport]  # a caller's own check (kept for compatibility)

if TYPE_CHECKING:
    from vcred.verify.verifier import Verifier as VerifierObject


def _verify_for_import(
    credential: dict[str, Any] | str, verify: Any, moment: datetime, anchor_proof: Any
) -> VerificationReport:
    """Verify with the caller's :class:`vcred.Verifier` (its status lists and ledger), passing the stored anchor
    proof; a plain callable is the caller's own check; True means an offline verifier (no status, no ledger)."""
    from vcred.verify.verifier import Verifier as Checker

    proofs = [anchor_proof] if anchor_proof is not None else []
    if isinstance(verify, Checker):
        return verify.verify_credential(credential, now=moment, anchor_proofs=proofs)
    if callable(verify):
        result: VerificationReport = verify(credential)
        return result
    global _offline_checker
    if _offline_checker is None:  # built once, not per imported credential
        _offline_checker = Checker.offline()
    checked: VerificationReport = _offline_checker.verify_credential(credential, now=moment, anchor_proofs=proofs)
    return checked


_offline_checker: Any = None


def _anchor_proof_for(credential: dict[str, Any] | str, proof: Any) -> dict[str, Any]:
    """The anchor proof's JSON, if it leads from ``credential`` to a batch root; WalletError otherwise."""
    from vcred.errors import LedgerError
    from vcred.ledger.anchors import BatchProof, in_batch

    try:
        parsed = BatchProof.coerce(proof)
    except LedgerError as exc:
        raise WalletError(f"refused: the anchor proof is malformed ({exc.message})") from None
    if not in_batch(credential, parsed):
        raise WalletError("refused: the anchor proof is for a different credential")
    return parsed.to_json()


def _claims(credential: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(credential, dict):
        return credential
    from vcred.jose.vc_jwt import peek_payload

    try:
        return peek_payload(credential)
    except (ValueError, UsageError) as exc:
        raise WalletError(f"not a credential: {exc}") from None


@dataclass(frozen=True)
class WalletState:
    """When the wallet was last saved and how much it holds: shown on every open, so an old copy is noticed."""

    generation: int
    saved_at: str | None
    credentials: int
    presentations: int

    def describe(self) -> str:
        """``12 credential(s), 3 presentation(s) logged; last saved 2026-01-02T03:04:05Z (generation 7)``."""
        when = f"last saved {self.saved_at}" if self.saved_at else "saved before save times were recorded"
        return (
            f"{self.credentials} credential(s), {self.presentations} presentation(s) logged; "
            f"{when} (generation {self.generation})"
        )


def _read_record(path: Path, *, ignore_damage: bool) -> Record | None:
    """The generation record beside the wallet; a damaged one counts as none only when the caller says so."""
    try:
        return read_record(path)
    except CorruptWalletError:
        if ignore_damage:
            return None
        raise


def _moment(now: datetime | None) -> datetime:
    """``now``, or the clock when a public method's caller gave none: the only place the wallet reads it."""
    return utcnow() if now is None else require_aware(now)


def _save(
    path: Path,
    content: dict[str, Any],
    passphrase: str,
    kdf: KdfParams,
    cache: tuple[bytes, bytes] | None,
    generation: int,
    now: datetime,
) -> tuple[bytes, bytes]:
    """Stamp ``content`` with ``generation`` and ``now``, write the wallet, then record it; returns the key cache.

    The wallet is written before its record: a crash between the two leaves a file newer than recorded, which opens
    (and is recorded then); writing the record first would make a crash look like a rollback.
    """
    content["generation"] = generation
    content["savedAt"] = format_datetime_stamp(now)
    data, cache = encode_vault(content, passphrase, kdf=kdf, key_cache=cache)
    write_atomically(path, data)
    write_record(path, Record(Generation.of(content), file_hash(data)))
    return cache


def _compare(path: Path, data: bytes, content: dict[str, Any], *, accept_rollback: bool) -> tuple[Record | None, str]:
    """The record and how the file compares with it: same, newer, unrecorded or (when accepted) rolled-back."""
    recorded = _read_record(path, ignore_damage=accept_rollback)
    try:
        return recorded, check(recorded, Generation.of(content), file_hash(data))
    except WalletRolledBackError:
        if not accept_rollback:
            raise
        return recorded, "rolled-back"


def _warning(outcome: str, recorded: Record | None, found: Generation) -> str | None:
    """What the holder should check after opening: an unrecorded wallet, or the rollback they accepted."""
    if outcome == "unrecorded":
        return (
            f"this wallet ({found.describe()}) has no generation record here yet (first open since the upgrade, or a "
            "copy from another machine): an older copy cannot be told apart this time; check the last-saved time "
            "and counts. Recorded from now on."
        )
    if outcome == "rolled-back" and recorded is not None:  # only a record can show a rollback
        return (
            f"accepted an older copy of the wallet ({found.describe()}; {recorded.generation.describe()} was saved "
            "here last): entries and changes made since are gone. Saved again so the newer copy is refused from now on."
        )
    return None


class Wallet:
    """An open wallet. Create with :meth:`create`, open with :meth:`open`.

    ``warning`` says what opening it found that the holder should check (no record of it on this machine yet, or a
    rollback they accepted); ``state`` says when it was last saved and how much it holds.
    """

    def __init__(
        self,
        path: Path,
        passphrase: str,
        content: dict[str, Any],
        kdf: KdfParams,
        key_cache: tuple[bytes, bytes],
        warning: str | None = None,
    ) -> None:
        self.path = path
        self._passphrase = passphrase
        self._content = content
        self._kdf = kdf
        self._key_cache = key_cache
        self.warning = warning

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | Path | None,
        passphrase: str,
        *,
        kdf: KdfParams = DEFAULT_KDF,
        holder_key: Ed25519SigningKey | None = None,
        overwrite: bool = False,
        now: datetime | None = None,
    ) -> Wallet:
        """A new wallet with a fresh did:key holder key (or ``holder_key``). Refuses to overwrite by default.

        ``now`` is the save time recorded in the wallet (default: the clock, as for every method that saves).
        """
        moment = _moment(now)
        target = Path(path) if path else default_wallet_path()
        if not passphrase:
            raise UsageError("a wallet needs a passphrase", hint="set VCRED_PASSPHRASE or answer the prompt")
        if target.exists() and not overwrite:
            raise UsageError(f"a wallet already exists at {target}", hint="use --wallet for another file")
        key = holder_key or Ed25519SigningKey.generate()
        content = {
            "version": 1,
            "holder": {
                "did": key.public_key.did_key,
                "keys": [{"id": did_key_method_id(key.public_key), "secretKeyMultibase": key.secret_multibase}],
            },
            "credentials": [],
            "log": [],
        }
        with locked(target):
            # above any generation recorded here, so the wallet this one replaces cannot come back as "newer"
            first = next_generation(Generation(0, None), _read_record(target, ignore_damage=True))
            cache = _save(target, content, passphrase, kdf, None, first, moment)
        return cls(target, passphrase, content, kdf, cache)

    @classmethod
    def open(
        cls, path: str | Path | None, passphrase: str, *, accept_rollback: bool = False, now: datetime | None = None
    ) -> Wallet:
        """Open an existing wallet; WrongPassphraseError / CorruptWalletError say what is wrong.

        Raises WalletRolledBackError when the file is an older copy than the one last saved beside it (its
        generation record). ``accept_rollback=True`` keeps such a copy: it is saved again with a generation above
        the record, so the newer copy it replaced is refused from then on. A wallet with no record yet (first open
        after an upgrade, or copied from another machine) opens with ``warning`` set, and is recorded.

        ``now`` is the save time recorded when an accepted rollback is saved again (default: the clock).

        Example: ``Wallet.open("wallet.vcw", passphrase).state.describe()``
        """
        target = Path(path) if path else default_wallet_path()
        with locked(target):
            remove_stale_temporaries(target)
            data = read_file(target)
            content, kdf, cache = decode_vault(data, passphrase)
            recorded, outcome = _compare(target, data, content, accept_rollback=accept_rollback)
            found = Generation.of(content)
            if outcome == "rolled-back":
                generation = next_generation(found, recorded)
                cache = _save(target, content, passphrase, kdf, cache, generation, _moment(now))
            elif outcome != "same":  # newer (saved elsewhere, or a crash before the record) or unrecorded
                write_record(target, Record(found, file_hash(data)))
        return cls(target, passphrase, content, kdf, cache, _warning(outcome, recorded, found))

    @property
    def state(self) -> WalletState:
        """When the wallet was last saved, its generation, and how many credentials and log entries it holds."""
        saved = Generation.of(self._content)
        return WalletState(saved.number, saved.saved_at, len(self._content["credentials"]), len(self._content["log"]))

    def _mutate(self, change: Callable[[dict[str, Any]], Any], now: datetime) -> Any:
        """Reload under the lock, check it is not an older copy, apply ``change``, save; durable on return."""
        with locked(self.path):
            remove_stale_temporaries(self.path)
            data = read_file(self.path)
            content, kdf, cache = decode_vault(data, self._passphrase, self._key_cache)
            # checked here too: a copy put back after open must not be saved over, and so laundered
            recorded, _ = _compare(self.path, data, content, accept_rollback=False)
            generation = next_generation(Generation.of(content), recorded)
            result = change(content)
            cache = _save(self.path, content, self._passphrase, kdf, cache, generation, now)
        self._content, self._kdf, self._key_cache = content, kdf, cache
        return result

    # -- holder ----------------------------------------------------------------------------------------------
    @property
    def holder_did(self) -> str:
        """The holder's DID."""
        return str(self._content["holder"]["did"])

    @property
    def holder_key(self) -> Ed25519SigningKey:
        """The holder's signing key."""
        return Ed25519SigningKey.from_multibase(self._content["holder"]["keys"][0]["secretKeyMultibase"])

    @property
    def verification_method(self) -> str:
        """The DID URL of the holder's key."""
        return str(self._content["holder"]["keys"][0]["id"])

    # -- credentials -----------------------------------------------------------------------------------------
    @property
    def credentials(self) -> list[StoredCredential]:
        """Every credential, in the order added."""
        return [StoredCredential.from_json(c) for c in self._content["credentials"]]

    def import_credential(
        self,
        credential: dict[str, Any] | str,
        *,
        verify: VerifierObject | Verifier | bool = True,
        allow_foreign: bool = False,
        now: datetime | None = None,
        anchor_proof: Any = None,
    ) -> StoredCredential:
        """Verify and add a credential (Data Integrity dict or JSON text, or a vc+jwt).

        ``verify`` is the :class:`vcred.Verifier` to check it with (pass the one with your status lists and ledger:
        e.g. ``Verifier.from_local(data_dir)``; the stored anchor proof goes with it); ``True`` uses an offline one,
        which refuses credentials with status entries or did:vcred issuers it cannot check. What the wallet files
        the credential under (types, issuer, subject, category) is read from the verified view.
        ``anchor_proof`` is the issuer's batch anchor proof for it (BatchProof or its JSON): kept, and presented with
        the credential. Raises WalletError when it does not verify, is about someone else (unless
        ``allow_foreign``, which keeps it flagged), or the anchor proof is not this credential's; UsageError when a
        plain ``verify`` callable reports it verified without the verified credential. Importing the
        same credential again returns the stored one (adding an anchor proof it lacked). ``now`` (default: the clock,
        read once) is the time it is verified at, added at and saved at.
        """
        moment = _moment(now)
        parsed: dict[str, Any] | str = credential
        if isinstance(credential, str) and credential.strip().startswith("{"):
            try:
                parsed = parse_json(credential)
            except ValueError as exc:
                raise WalletError(f"the file is not acceptable JSON ({exc})") from None
        form = "jwt" if isinstance(parsed, str) else "di"
        claims = _claims(parsed)
        proof_json = _anchor_proof_for(parsed, anchor_proof) if anchor_proof is not None else None
        view = claims  # what the wallet files the credential under: the verified view once it is verified
        if verify is not False:
            report = _verify_for_import(parsed, verify, moment, proof_json)
            if not report.verified:
                reason = report.failures[0].reason if report.failures else "it did not verify"
                raise WalletError(f"refused: the credential does not verify ({reason})")
            if report.credential is None:
                # the wallet files a credential under what was signed, never under its raw claims
                raise UsageError(
                    "the verify callable reported the credential as verified but returned no verified credential "
                    "(report.credential), so there is no verified view to file it under",
                    hint="pass verify=vcred.Verifier(...) (e.g. Verifier.from_local(data_dir)), or a callable that "
                    "returns the full report of vcred.verify_credential",
                )
            view = report.credential
        subject = view.get("credentialSubject")
        subject_id = subject.get("id") if isinstance(subject, dict) else None
        flagged = None
        if subject_id != self.holder_did:
            if not allow_foreign:
                raise WalletError(
                    f"refused: the credential was issued to {subject_id}, not to this wallet's holder "
                    f"{self.holder_did}",
                    hint="import it with --allow-foreign to keep it anyway (it cannot be presented as yours)",
                )
            flagged = f"issued to {subject_id}, not to the holder"
        # one hash for a credential everywhere (anchors, duplicates, the wallet's ids): vcred.ledger.credential_hash
        digest = credential_hash(parsed).hex()[:16]
        legacy = hashlib.sha256(json.dumps(parsed, sort_keys=True).encode("utf-8")).hexdigest()[:16]
        types = view.get("type")
        issuer = view.get("issuer")
        stored = StoredCredential(
            id=f"c-{digest}",
            form=form,
            credential=parsed,
            types=tuple(t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)),
            issuer=issuer.get("id") if isinstance(issuer, dict) else issuer if isinstance(issuer, str) else None,
            subject=subject_id if isinstance(subject_id, str) else None,
            category=category_of(view),
            added_at=format_datetime_stamp(moment),
            flagged=flagged,
            anchor_proof=proof_json,
        )

        def add(content: dict[str, Any]) -> StoredCredential:
            for existing in content["credentials"]:
                if existing["id"] in (stored.id, f"c-{legacy}"):  # ids of wallets saved before one hash
                    if proof_json is not None and existing.get("anchorProof") is None:
                        existing["anchorProof"] = proof_json
                    return StoredCredential.from_json(existing)
            content["credentials"].append(stored.to_json())
            return stored

        result: StoredCredential = self._mutate(add, moment)
        return result

    def import_many(
        self,
        credentials: Iterable[dict[str, Any] | str],
        *,
        progress: Callable[[int], None] | None = None,
        anchor_proofs: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> list[StoredCredential | WalletError]:
        """Import each credential (with ``anchor_proofs[i]`` when given, None for none); failures are returned in
        place, and each import is durable on its own."""
        results: list[StoredCredential | WalletError] = []
        for count, credential in enumerate(credentials, start=1):
            proof = anchor_proofs[count - 1] if anchor_proofs else None
            try:
                results.append(self.import_credential(credential, anchor_proof=proof, **kwargs))
            except WalletError as error:
                results.append(error)
            if progress:
                progress(count)
        return results

    def get(self, credential_id: str) -> StoredCredential:
        """The credential with this local id (a unique prefix is enough)."""
        matches = [c for c in self.credentials if c.id == credential_id or c.id.startswith(credential_id)]
        if len(matches) != 1:
            raise UsageError(f"no single credential matches {credential_id!r}", hint="see: vcred wallet list")
        return matches[0]

    def remove(self, credential_id: str, *, now: datetime | None = None) -> StoredCredential:
        """Remove a credential (the wallet is saved at ``now``, default the clock)."""
        target = self.get(credential_id)
        self._mutate(
            lambda content: content.__setitem__(
                "credentials", [c for c in content["credentials"] if c["id"] != target.id]
            ),
            _moment(now),
        )
        return target

    def select(
        self,
        *,
        categories: Sequence[str] = (),
        types: Sequence[str] = (),
        ids: Sequence[str] = (),
        allow_missing: bool = False,
    ) -> list[StoredCredential]:
        """Credentials by category, type or id (union), never flagged ones.

        Every category, type and id asked for must match at least one credential: a UsageError names those that
        match none (so a presentation never leaves out silently what the holder meant to show), unless
        ``allow_missing``. An empty selection is an error either way.
        """
        from vcred.model.families import CATEGORIES

        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            raise UsageError(f"unknown categories {unknown}", hint=f"choose from {', '.join(CATEGORIES)}")
        usable = [c for c in self.credentials if c.flagged is None]

        def by_id(c: StoredCredential, wanted: str) -> bool:
            return c.id == wanted or c.id.startswith(wanted)

        missing = [f"category {c}" for c in categories if not any(set(x.types) & set(types_in(c)) for x in usable)]
        missing += [f"type {t}" for t in types if not any(t in x.types for x in usable)]
        missing += [f"id {i}" for i in ids if not any(by_id(x, i) for x in usable)]
        if missing and not allow_missing:
            raise UsageError(
                f"nothing in the wallet for: {', '.join(missing)}",
                hint="import the missing credentials first (see: vcred wallet list), or present the rest with "
                "--allow-missing",
            )
        wanted_types = set(types) | {t for c in categories for t in types_in(c)}
        chosen = [c for c in usable if set(c.types) & wanted_types or any(by_id(c, i) for i in ids)]
        if not chosen:
            raise UsageError("nothing in the wallet matches that selection", hint="see: vcred wallet list")
        return chosen

    def present(
        self,
        *,
        challenge: str,
        domain: str,
        expires: datetime | timedelta,
        categories: Sequence[str] = (),
        types: Sequence[str] = (),
        ids: Sequence[str] = (),
        suite: str = "eddsa-rdfc-2022",
        now: datetime | None = None,
        purpose: str | None = None,
        allow_missing: bool = False,
    ) -> dict[str, Any] | str:
        """A presentation of the selected credentials bound to the verifier's challenge and domain; logged.

        Raises UsageError when a category, type or id asked for matches nothing (unless ``allow_missing``), see
        :meth:`select`.
        """
        from vcred.wallet.present import create_presentation

        chosen = self.select(categories=categories, types=types, ids=ids, allow_missing=allow_missing)
        moment = _moment(now)
        presentation = create_presentation(
            [c.credential for c in chosen],
            self.holder_key,
            challenge=challenge,
            domain=domain,
            expires=expires,
            suite=suite,
            now=moment,
            verification_method=self.verification_method,
            anchor_proofs=[c.anchor_proof for c in chosen if c.anchor_proof],
        )
        until = moment + expires if isinstance(expires, timedelta) else expires
        record = {
            "id": str(uuid.uuid4()),
            "at": format_datetime_stamp(moment),
            "domain": domain,
            "challenge": challenge,
            "expires": format_datetime_stamp(until),
            "suite": suite,
            "credentials": [c.id for c in chosen],
            "categories": sorted({c.category or "-" for c in chosen}),
            "purpose": purpose or "",
        }
        self._mutate(lambda content: content["log"].append(record), moment)
        return presentation

    @property
    def log(self) -> list[dict[str, Any]]:
        """What was presented to whom, when, and until when."""
        return list(self._content["log"])

    # -- backups ---------------------------------------------------------------------------------------------
    def backup(self, destination: str | Path) -> Path:
        """Copy the (still encrypted) wallet file to ``destination`` atomically."""
        target = Path(destination)
        with locked(self.path):
            write_atomically(target, read_file(self.path))
        return target

    @classmethod
    def restore(
        cls,
        backup: str | Path,
        path: str | Path | None,
        passphrase: str,
        *,
        overwrite: bool = False,
        now: datetime | None = None,
    ) -> Wallet:
        """Check that ``backup`` opens with ``passphrase``, then make it the wallet at ``path`` (saved at ``now``)."""
        moment = _moment(now)
        source = Path(backup)
        content, kdf, cache = decode_vault(read_file(source), passphrase)  # refuse a backup that does not open
        target = Path(path) if path else default_wallet_path()
        if target.exists() and not overwrite:
            raise UsageError(f"a wallet already exists at {target}", hint="pass --force to replace it")
        restored = Generation.of(content)
        with locked(target):
            remove_stale_temporaries(target)
            # restoring is the holder's explicit choice of an older copy: saved above every recorded generation,
            # in one write, so the wallet it replaces is refused from now on and a crash leaves one or the other
            generation = next_generation(restored, _read_record(target, ignore_damage=True))
            cache = _save(target, content, passphrase, kdf, cache, generation, moment)
        return cls(target, passphrase, content, kdf, cache, f"restored a backup of {restored.describe()}")
