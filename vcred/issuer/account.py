"""Issuer accounts: a key, a DID (did:vcred anchored in the ledger, or did:key), and status lists.

An account issues family credentials with revocation and suspension entries, changes their status, publishes
each new list version and anchors its hash in the ledger, so every verifier sees the same list. It anchors
batches of issued credentials (hashes only) so their issuance time can be proven, and rotates its did:vcred key to
the one it committed to in advance.

This module holds the account itself: its fields, its two files (the account file and the sealed recovery file),
issuing and signing, and the whole public face of :class:`IssuerAccount`, where ``now`` defaults to the clock. The
work behind the other methods is done by functions of the account in :mod:`vcred.issuer.status` (status lists),
:mod:`vcred.issuer.anchoring` (issuance batches, trust registries) and :mod:`vcred.issuer.keys` (key history):
the public methods stay where a reader (and ``help``) finds them, and the clock is read only here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vcred._files import exclusive_lock
from vcred._time import utcnow
from vcred.crypto.keys import Ed25519SigningKey
from vcred.crypto.sealed_keys import RecoveryKey, open_keys, seal_keys
from vcred.crypto.sealing import DEFAULT_KDF, KdfParams
from vcred.did.key import did_key_method_id
from vcred.did.ledger import create_event, method_id
from vcred.errors import UsageError
from vcred.issuer import anchoring, keys, status
from vcred.issuer.issue import issue_credential
from vcred.issuer.status import ForeignRevocation
from vcred.ledger.anchors import BatchProof, credential_hash
from vcred.ledger.entries import parse_entry
from vcred.ledger.log import Ledger
from vcred.local import LocalSetting, read_json, write_secret_json
from vcred.model.families import build_credential
from vcred.status.issuer import StatusList

__all__ = ["STATUS_BASE", "ForeignRevocation", "IssuerAccount"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
STATUS_BASE = "https://status.vcred.local"


@dataclass
class IssuerAccount:
    """An issuer: its current key, DID, and one revocation and one suspension list.

    A did:vcred issuer's pre-committed next key is not part of the account: it is sealed under a separate recovery
    passphrase in a recovery file (see :mod:`vcred.crypto.sealed_keys`) and opened only to rotate or deactivate,
    so a copy of the account file signs as the issuer until the issuer rotates, but can never take the DID over.
    """

    name: str
    did: str
    key: Ed25519SigningKey
    verification_method: str
    lists: dict[str, StatusList] = field(default_factory=dict)
    # when the current key came into force (Unix seconds, as the ledger records it): nothing may be dated earlier
    key_since: int | None = None
    # set before a rotation is appended; a crash after the ledger recorded it leaves a key the ledger has retired,
    # which may sign nothing until rotate() (with the recovery passphrase) finishes the rotation
    rotation_started: bool = False
    deactivated: bool = False
    # a next key kept in the account file by earlier versions; the next rotation seals its successor instead
    legacy_next_key: Ed25519SigningKey | None = None
    # what this account issued: purpose -> status index -> hex SHA-256 of the signed credential (credential_hash);
    # a status change acts only on a credential found here, so an edited index cannot reach another credential
    issued: dict[str, dict[int, str]] = field(default_factory=dict)
    # revocations of credentials this account did not issue but that carry a signature by a key of its DID (a
    # leaked key): revocation index -> hex SHA-256 of each such credential; these indexes are never given out
    revoked_foreign: dict[int, list[str]] = field(default_factory=dict)
    # trust registries this account publishes: URL -> the last version it anchored
    registry_versions: dict[str, int] = field(default_factory=dict)

    # -- persistence ---------------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        setting: LocalSetting,
        name: str,
        *,
        recovery: str | None = None,
        recovery_file: Path | None = None,
        kdf: KdfParams = DEFAULT_KDF,
        anchored: bool = True,
        now: datetime | None = None,
        ledger: Ledger | None = None,
    ) -> IssuerAccount:
        """A new issuer; with ``anchored`` its DID is a did:vcred created in the local ledger.

        A did:vcred issuer needs a ``recovery`` passphrase: its pre-committed next key is sealed under it in
        ``recovery_file`` (default: :meth:`recovery_path`; keep a copy of it away from the data directory).
        """
        if not _NAME.match(name):
            raise UsageError("issuer names are lowercase letters, digits and dashes, e.g. 'abr'")
        if (setting.issuers_dir / f"{name}.json").exists():
            raise UsageError(f"issuer {name!r} already exists")
        key = Ed25519SigningKey.generate()
        moment = now or utcnow()
        if anchored:
            if not recovery:
                raise UsageError(
                    f"a did:vcred issuer needs a recovery passphrase to seal its next key ({name})",
                    hint="pass recovery=… (CLI: VCRED_RECOVERY_PASSPHRASE or the prompt); it must differ from "
                    "anything stored in the data directory",
                )
            next_key = Ed25519SigningKey.generate()
            did, event = create_event(key, next_key.public_key, timestamp=int(moment.timestamp()))
            sealed = recovery_file or cls.recovery_path(setting, name)
            if sealed.exists():
                raise UsageError(f"{sealed} already exists", hint="move it away or choose another recovery file")
            # durable before the ledger holds the commitment to it: a DID whose next key is lost cannot rotate
            seal_keys(sealed, did, [next_key], RecoveryKey.derive(recovery, kdf=kdf))
            (ledger or setting.ledger()).append([event], now=moment)
            vm: str = method_id(did, 1)
        else:
            did, vm = key.public_key.did_key, did_key_method_id(key.public_key)
        lists = {
            purpose: StatusList(url=f"{STATUS_BASE}/{name}/{purpose}/1", purpose=purpose, issuer=did)
            for purpose in ("revocation", "suspension")
        }
        account = cls(name, did, key, vm, lists, key_since=int(moment.timestamp()) if anchored else None)
        account.save(setting)
        return account

    @staticmethod
    def recovery_path(setting: LocalSetting, name: str) -> Path:
        """Where the sealed next key is kept unless another file is named (``<issuers>/<name>.recovery.json``)."""
        return setting.issuers_dir / f"{name}.recovery.json"

    @classmethod
    def load(cls, setting: LocalSetting, name: str) -> IssuerAccount:
        """Load an issuer account from the data directory."""
        path = setting.issuers_dir / f"{name}.json"
        if not path.exists():
            raise UsageError(f"no issuer named {name!r}", hint="create it with: vcred issuer init NAME")
        data = read_json(path)
        legacy = data.get("nextKey")
        account = cls(
            name=data["name"],
            did=data["did"],
            key=Ed25519SigningKey.from_multibase(data["key"]),
            verification_method=data["verificationMethod"],
            lists={p: StatusList.from_json(text) for p, text in data["lists"].items()},
            key_since=data.get("keySince"),
            rotation_started=bool(data.get("rotationStarted") or data.get("pendingFollowingKey")),
            deactivated=bool(data.get("deactivated")),
            legacy_next_key=Ed25519SigningKey.from_multibase(legacy) if legacy else None,
            issued={p: {int(i): h for i, h in record.items()} for p, record in data.get("issued", {}).items()},
            revoked_foreign={int(i): list(h) for i, h in data.get("revokedForeignIssuance", {}).items()},
            registry_versions={str(u): int(v) for u, v in data.get("registryVersions", {}).items()},
        )
        if account.rotation_started:
            keys.check_rotation(account, setting, setting.ledger())
        return account

    @classmethod
    @contextmanager
    def editing(cls, setting: LocalSetting, name: str) -> Iterator[IssuerAccount]:
        """The account, loaded under an exclusive lock and saved when the block succeeds.

        Processes issuing as the same issuer take turns: otherwise two could draw status indexes from the same
        saved state and hand one index to two credentials.
        """
        with exclusive_lock(setting.issuers_dir / f"{name}.json"):
            account = cls.load(setting, name)
            yield account
            account.save(setting)

    def save(self, setting: LocalSetting) -> None:
        """Persist the account (the current key is a secret: the file is owner-only; no future key is in it)."""
        write_secret_json(
            setting.issuers_dir / f"{self.name}.json",
            {
                "name": self.name,
                "did": self.did,
                "key": self.key.secret_multibase,
                "verificationMethod": self.verification_method,
                "lists": {p: sl.to_json() for p, sl in self.lists.items()},
                "keySince": self.key_since,
                "rotationStarted": self.rotation_started,
                "deactivated": self.deactivated,
                "issued": {p: {str(i): h for i, h in record.items()} for p, record in self.issued.items()},
                "revokedForeignIssuance": {str(i): h for i, h in self.revoked_foreign.items()},
                "registryVersions": dict(self.registry_versions),
                # only until the first rotation, which seals the next key away from this file
                **({"nextKey": self.legacy_next_key.secret_multibase} if self.legacy_next_key else {}),
            },
        )

    def _recovery_keys(
        self, path: Path, recovery: str, kdf: KdfParams | None
    ) -> tuple[list[Ed25519SigningKey], RecoveryKey]:
        """The keys the recovery file holds (plus a next key an older account file still held), and the recovery
        key to seal their successors with: the one that opened the file (same salt) unless ``kdf`` changes the
        cost, which needs a fresh salt and derivation."""
        legacy = [self.legacy_next_key] if self.legacy_next_key else []
        if legacy and not path.exists():
            # this rotation seals the following key for the first time
            return legacy, RecoveryKey.derive(recovery, kdf=kdf or DEFAULT_KDF)
        sealed = open_keys(path, recovery, did=self.did)
        if kdf is not None and kdf != sealed.kdf:
            return [*sealed.keys, *legacy], RecoveryKey.derive(recovery, kdf=kdf)
        return [*sealed.keys, *legacy], sealed.recovery

    def _seal_recovery(self, path: Path, sealed: list[Ed25519SigningKey], sealer: RecoveryKey) -> None:
        """Seal ``sealed`` (the DID's next keys) in the recovery file at ``path``, replacing what it held."""
        seal_keys(path, self.did, sealed, sealer)

    # -- issuing ---------------------------------------------------------------------------------------------
    def issue(
        self,
        credential_type: str,
        subject: dict[str, Any],
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        suite: str = "eddsa-rdfc-2022",
        now: datetime | None = None,
        with_status: bool = True,
    ) -> dict[str, Any] | str:
        """Build, give status entries to, and sign a family credential. Call :meth:`publish` afterwards."""
        moment = now or utcnow()
        status = [sl.entry(sl.allocate()) for sl in self.lists.values()] if with_status else None
        unsigned = build_credential(
            credential_type,
            subject,
            issuer=self.did,
            valid_from=valid_from or moment,
            valid_until=valid_until,
            status=status,
        )
        return self.sign(unsigned, suite=suite, now=moment)

    def sign(
        self, credential: dict[str, Any], *, suite: str = "eddsa-rdfc-2022", now: datetime | None = None
    ) -> dict[str, Any] | str:
        """Sign an already built credential as this issuer.

        Raises UsageError for a ``now`` before the current key came into force: verifiers resolve the key as of
        that moment, so such a credential could never verify.
        """
        keys.require_usable(self)
        if now is not None:
            keys.require_key_in_force(self, now)
        indexes = status.own_status_indexes(self, credential)
        signed = issue_credential(
            credential, self.key, suite=suite, verification_method=self.verification_method, now=now
        )
        digest = credential_hash(signed).hex()
        for purpose, index in indexes:
            self.issued.setdefault(purpose, {})[index] = digest  # saved with the allocation, under the same lock
        return signed

    def attach_status(self, credential: dict[str, Any]) -> dict[str, Any]:
        """A copy of an unsigned credential with fresh revocation and suspension entries."""
        return status.attach_status(self, credential)

    # -- status lists (vcred.issuer.status) ------------------------------------------------------------------
    def set_status(
        self,
        credential: dict[str, Any] | str,
        purpose: str,
        value: bool,
        *,
        setting: LocalSetting,
        ledger: Ledger | None = None,
        now: datetime | None = None,
    ) -> int:
        """Revoke / suspend (``value`` True) or reinstate (False) a credential this issuer issued.

        The credential must verify as signed by this issuer (its DID, as of its signing time) and be, byte for
        byte, the one this account recorded for that status index: otherwise NotIssuedHereError (its subclass
        NotInIssuanceRecordError when only the record is missing) and nothing changes. A status index alone proves
        nothing: every presentation shows it, and an edited copy would otherwise revoke someone else's credential.
        A credential issued with a leaked key of this DID is not in the record: see :meth:`revoke_not_issued_here`.
        """
        return status.set_status(
            self, credential, purpose, value, setting=setting, ledger=ledger, moment=now or utcnow()
        )

    def foreign_revocation(
        self,
        credential: dict[str, Any] | str,
        *,
        setting: LocalSetting,
        ledger: Ledger | None = None,
        now: datetime | None = None,
    ) -> ForeignRevocation:
        """What :meth:`revoke_not_issued_here` would do with ``credential``; changes nothing.

        Raises NotIssuedHereError unless the credential carries a valid signature by a key of this DID's history
        (any version, retired ones included, resolved as of its signing time; no issuance anchor is asked for: a
        thief's credential has none), is in the closed world (so the status entry read is the one signed), has
        exactly one revocation entry on this issuer's revocation list, and this account did not record issuing it.
        Raises it too when the index may be an innocent holder's: recorded for another credential, or handed out
        by this list with no record (issued before the account kept one).
        """
        return status.foreign_revocation(self, credential, setting=setting, ledger=ledger, moment=now or utcnow())

    def revoke_not_issued_here(
        self,
        credential: dict[str, Any] | str,
        *,
        setting: LocalSetting,
        ledger: Ledger | None = None,
        now: datetime | None = None,
    ) -> ForeignRevocation:
        """Revoke a credential signed with a key of this DID that this account did not issue (a leaked key's).

        Revocation only: such a credential can never be suspended or reinstated here. The checks are those of
        :meth:`foreign_revocation`; the index is then reserved (never given to a credential of this issuer) and
        set, and the revocation recorded in ``revoked_foreign``. Call :meth:`publish` afterwards.
        """
        return status.revoke_not_issued_here(self, credential, setting=setting, ledger=ledger, now=now)

    def publish(self, setting: LocalSetting, *, now: datetime | None = None, ledger: Ledger | None = None) -> None:
        """Sign and publish a new version of each list, and anchor each version's hash in the ledger.

        The account (bits and version numbers) is saved before anything leaves it: a crash after publishing but
        before saving would otherwise let the next publication undo a revocation the world has already seen, or
        reuse a version number the ledger has anchored (and then refuses as a rollback).
        """
        status.publish(self, setting, moment=now or utcnow(), ledger=ledger)

    # -- ledger anchors (vcred.issuer.anchoring) -------------------------------------------------------------
    def anchor(
        self,
        credentials: list[dict[str, Any] | str],
        setting: LocalSetting,
        *,
        now: datetime | None = None,
        ledger: Ledger | None = None,
    ) -> list[BatchProof]:
        """Anchor a batch of issued credentials (their Merkle root only); each proof goes to its holder."""
        return anchoring.anchor(self, credentials, setting, moment=now or utcnow(), ledger=ledger)

    def anchor_registry(
        self,
        setting: LocalSetting,
        registry: Any,
        *,
        now: datetime | None = None,
        ledger: Ledger | None = None,
    ) -> int:
        """Anchor ``registry`` (a trust registry document, its path or a TrustRegistry) as this account's next version
        of it; returns the version. Offices that name this DID as the registry's publisher then accept exactly this
        copy. The ledger refuses it when another DID anchored the registry's URL first.
        """
        return anchoring.anchor_registry(self, setting, registry, moment=now or utcnow(), ledger=ledger)

    # -- key history (vcred.issuer.keys) ---------------------------------------------------------------------
    @property
    def key_version(self) -> int:
        """The did:vcred key version in force (1 for the create event's key)."""
        return keys.key_version(self)

    def rotate(
        self,
        setting: LocalSetting,
        *,
        recovery: str,
        recovery_file: Path | None = None,
        now: datetime | None = None,
        ledger: Ledger | None = None,
        kdf: KdfParams | None = None,
    ) -> None:
        """Rotate to the pre-committed next key and commit to a fresh one (after a leak, or routinely).

        The next key comes from the recovery file, opened with ``recovery``; the fresh one is sealed there under the
        same passphrase before the ledger sees the commitment to it. Run again after a crash, it finishes the
        rotation the ledger recorded instead of starting another. Credentials signed before keep verifying where
        their issuance is anchored; the old key signs nothing more.

        Argon2id runs once (to open the recovery file; with a ``kdf`` other than the file's, once more to seal
        under it): both seals reuse the derived key, each with a fresh nonce.
        """
        keys.rotate(self, setting, recovery=recovery, recovery_file=recovery_file, now=now, ledger=ledger, kdf=kdf)

    def deactivate(
        self,
        setting: LocalSetting,
        *,
        recovery: str,
        recovery_file: Path | None = None,
        now: datetime | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        """Deactivate the DID for good: its keys sign nothing more (it issues, revokes and publishes nothing more).

        Final, so it needs the pre-committed next key from the recovery file as a rotation does: a thief holding
        only the current key cannot deactivate the DID. Credentials issued before keep verifying where their
        issuance is anchored.
        """
        keys.deactivate(self, setting, recovery=recovery, recovery_file=recovery_file, now=now, ledger=ledger)

    # the rotation's and deactivation's moment when none is given: the clock is read here, at the boundary
    def _after_last_use(self, ledger: Ledger) -> datetime:
        """Now, once the clock has left the last second this issuer's key was used in.

        Ledger and proof times are whole seconds: a rotation in the same second as the key's last signature would
        make that signature's moment belong to the new key.
        """
        kinds = ["did-create", "did-rotate", "batch-anchor", "status-list"]
        subjects = [self.did, *(sl.url for sl in self.lists.values())]
        # this issuer's own entries only: another DID's entry naming one of its list URLs is not a use of its key
        last = max(
            (
                e.timestamp
                for s in subjects
                for e in ledger.entries_about(s, kinds)
                if parse_entry(e.raw).author in ("", self.did)
            ),
            default=0,
        )
        while int(utcnow().timestamp()) <= last:
            time.sleep(0.05)
        return utcnow()
