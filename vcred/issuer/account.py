"""Issuer accounts: a key, a DID (did:vcred anchored in the ledger, or did:key), and status lists.

An account issues family credentials with revocation and suspension entries, changes their status, publishes
each new list version and anchors its hash in the ledger, so every verifier sees the same list. It anchors
batches of issued credentials (hashes only) so their issuance time can be proven, and rotates its did:vcred key to
the one it committed to in advance.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vcred._files import exclusive_lock
from vcred._time import utcnow
from vcred.crypto.keys import Ed25519SigningKey
from vcred.crypto.sealed_keys import RecoveryKey, open_keys, seal_keys
from vcred.crypto.sealing import DEFAULT_KDF, KdfParams
from vcred.did.key import did_key_method_id
from vcred.did.ledger import DidState, commitment, create_event, deactivate_event, method_id, replay, rotate_event
from vcred.errors import LedgerError, NotInIssuanceRecordError, NotIssuedHereError, UsageError
from vcred.issuer.issue import issue_credential
from vcred.ledger.anchors import BatchProof, build_batch, credential_hash
from vcred.ledger.entries import make_entry, parse_entry
from vcred.ledger.log import Ledger
from vcred.local import LocalSetting, read_json, write_secret_json
from vcred.model.families import build_credential
from vcred.status.issuer import StatusList

if TYPE_CHECKING:
    from vcred.report import VerificationReport

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
STATUS_BASE = "https://status.vcred.local"


@dataclass(frozen=True)
class ForeignRevocation:
    """A revocation of a credential signed with a key of the issuer's DID that the issuer did not issue."""

    index: int  # on the issuer's revocation list
    list_url: str
    credential_hash: str  # hex SHA-256 of the credential (credential_hash), as recorded in the account
    signed_by: str  # the verification method of its signature
    current_key: bool  # signed by the key in force (not yet rotated away from)
    already_revoked: bool


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
            account._check_rotation(setting, setting.ledger())
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

    # -- issuing and status --------------------------------------------------------------------------------
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
        self._require_usable()
        if now is not None:
            self._require_key_in_force(now)
        indexes = self._own_status_indexes(credential)
        signed = issue_credential(
            credential, self.key, suite=suite, verification_method=self.verification_method, now=now
        )
        digest = credential_hash(signed).hex()
        for purpose, index in indexes:
            self.issued.setdefault(purpose, {})[index] = digest  # saved with the allocation, under the same lock
        return signed

    def _own_status_indexes(self, credential: dict[str, Any]) -> list[tuple[str, int]]:
        """(purpose, index) of each status entry on this account's lists; one index is never given twice."""
        found = []
        for purpose, index in _status_entries(credential):
            status_list = self.lists.get(purpose)
            if status_list is None or index is None:
                continue
            if index in self.issued.get(purpose, {}) or (purpose == "revocation" and index in self.revoked_foreign):
                raise UsageError(
                    f"{purpose} index {index} of {self.name} was already given to another credential",
                    hint="give each credential fresh entries (attach_status, or issue)",
                )
            status_list.entry(index)  # raises unless this list allocated it
            found.append((purpose, index))
        return found

    def _require_key_in_force(self, moment: datetime) -> None:
        if self.key_since is not None and int(moment.timestamp()) < self.key_since:
            since = datetime.fromtimestamp(self.key_since, UTC).isoformat()
            raise UsageError(
                f"{self.name} cannot sign as of {moment.isoformat()}: its key {self.verification_method} is in force "
                f"only since {since}",
                hint="sign with the current time (or a later one)",
            )

    def attach_status(self, credential: dict[str, Any]) -> dict[str, Any]:
        """A copy of an unsigned credential with fresh revocation and suspension entries."""
        return {**credential, "credentialStatus": [sl.entry(sl.allocate()) for sl in self.lists.values()]}

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
        claims, _ = self._verified_own(credential, ledger or setting.ledger(), now or utcnow())
        entries = [(p, i) for p, i in _status_entries(claims) if p == purpose]
        if not entries:
            raise UsageError(f"the credential has no {purpose} entry")
        status_list = self.lists.get(purpose)
        index = entries[0][1]
        if status_list is None or index is None or not self._on_list(claims, purpose, status_list.url):
            raise NotIssuedHereError(f"the credential's {purpose} entry is not on one of {self.name}'s lists")
        if self.issued.get(purpose, {}).get(index) != credential_hash(credential).hex():
            raise NotInIssuanceRecordError(
                f"{self.name} did not issue this credential with {purpose} index {index}",
                hint="pass the credential file exactly as issued (an edited copy, even of its status, is refused)"
                + (
                    "; if someone issued it with a key of yours that leaked, revoke it with revoke_not_issued_here "
                    "(CLI: vcred revoke FILE --issuer NAME --not-issued-here)"
                    if purpose == "revocation" and value
                    else ""
                ),
            )
        if value:
            status_list.set(index)
        else:
            status_list.clear(index)
        return index

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
        claims, report = self._verified_own(credential, ledger or setting.ledger(), now or utcnow())
        from vcred.report import CheckStatus

        if not any(c.id == "vc.closed_world" and c.status is CheckStatus.PASSED for c in report.checks):
            raise NotIssuedHereError(
                "the credential is outside the closed world: its status entry is not known to be the one signed"
            )
        status_list = self.lists["revocation"]
        indexes = {i for p, i, url in _status_entries_with_list(claims) if p == "revocation" and url == status_list.url}
        if len(indexes) != 1 or None in indexes:
            raise NotIssuedHereError(
                f"the credential has {'no' if not indexes else 'more than one'} revocation entry on {self.name}'s "
                f"list {status_list.url}" + ("" if not indexes else " (or an index that is not a number)")
            )
        (index,) = indexes
        assert index is not None
        digest = credential_hash(credential).hex()
        recorded = self.issued.get("revocation", {}).get(index)
        if recorded == digest:
            raise UsageError(
                f"{self.name} issued this credential (revocation index {index} is recorded for it)",
                hint="revoke it as issued here: set_status (CLI: vcred revoke FILE --issuer NAME)",
            )
        if recorded is not None:
            raise NotIssuedHereError(
                f"revocation index {index} of {self.name} belongs to another credential, one {self.name} issued and "
                "recorded: the credential given here shares that index, so revoking it would also revoke that "
                "innocent holder's credential",
                hint="re-issue the holder's credential with fresh status entries, then revoke the recorded one "
                "(which revokes both)",
            )
        if not 0 <= index < status_list.entries:
            raise NotIssuedHereError(f"revocation index {index} is outside {status_list.url}")
        if status_list.is_allocated(index) and index not in self.revoked_foreign:
            raise NotIssuedHereError(
                f"revocation index {index} of {self.name} was handed out by this account but no credential is recorded "
                "for it (issued before the account kept an issuance record, or signed outside it): it may be an "
                "innocent holder's credential, which revoking this one would also revoke",
                hint="if you know no holder has it, re-issue every credential of yours that might, then revoke those",
            )
        signer = _signed_by(credential)
        return ForeignRevocation(
            index=index,
            list_url=status_list.url,
            credential_hash=digest,
            signed_by=signer,
            current_key=signer == self.verification_method,
            already_revoked=status_list.is_set(index),
        )

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
        plan = self.foreign_revocation(credential, setting=setting, ledger=ledger, now=now)
        status_list = self.lists["revocation"]
        status_list.reserve(plan.index)
        status_list.set(plan.index)
        hashes = self.revoked_foreign.setdefault(plan.index, [])
        if plan.credential_hash not in hashes:
            hashes.append(plan.credential_hash)
        return plan

    def _verified_own(
        self, credential: dict[str, Any] | str, ledger: Ledger, now: datetime
    ) -> tuple[dict[str, Any], VerificationReport]:
        """The credential's claims and report, once it verifies as signed by this issuer (else NotIssuedHereError).

        No ledger client is passed, so no issuance anchor is asked for: the signature checks resolve this DID's
        keys as of the signing time, from every version of its history.
        """
        from vcred.did import default_resolver
        from vcred.jose.vc_jwt import peek_payload
        from vcred.model.credential import issuer_id
        from vcred.report import CheckStatus
        from vcred.verify import VerifyOptions, verify_credential

        # this issuer's own DID resolved from the ledger (its key history), did:key offline; nothing fetched
        resolver = default_resolver().with_method("vcred", ledger.did_resolver())
        report = verify_credential(credential, now=now, resolver=resolver, options=VerifyOptions(check_schema=False))
        signatures = [c for c in report.checks if c.id.endswith(".signature")]
        if not signatures or any(c.status is not CheckStatus.PASSED for c in signatures):
            failed = next((c.reason for c in report.checks if c.status is CheckStatus.FAILED), "no proof")
            raise NotIssuedHereError(f"the credential does not verify as signed by {self.name}: {failed}")
        claims = peek_payload(credential) if isinstance(credential, str) else credential
        if not isinstance(claims, dict) or issuer_id(claims) != self.did:
            raise NotIssuedHereError(f"the credential was not issued by {self.name} ({self.did})")
        return claims, report

    @staticmethod
    def _on_list(claims: dict[str, Any], purpose: str, url: str) -> bool:
        entries = claims.get("credentialStatus") or []
        return any(
            isinstance(e, dict) and e.get("statusPurpose") == purpose and e.get("statusListCredential") == url
            for e in (entries if isinstance(entries, list) else [entries])
        )

    def publish(self, setting: LocalSetting, *, now: datetime | None = None, ledger: Ledger | None = None) -> None:
        """Sign and publish a new version of each list, and anchor each version's hash in the ledger.

        The account (bits and version numbers) is saved before anything leaves it: a crash after publishing but
        before saving would otherwise let the next publication undo a revocation the world has already seen, or
        reuse a version number the ledger has anchored (and then refuses as a rollback).
        """
        moment = now or utcnow()
        self._require_usable()
        self._require_key_in_force(moment)
        signed = {
            purpose: json.dumps(
                status_list.publish(self.key, now=moment, verification_method=self.verification_method), indent=1
            )
            for purpose, status_list in self.lists.items()
        }
        self.save(setting)
        fetcher = setting.fetcher()
        entries = []
        for purpose, text in signed.items():
            status_list = self.lists[purpose]
            fetcher.publish(status_list.url, text)
            entries.append(
                make_entry(
                    "status-list",
                    {
                        "issuer": self.did,
                        "url": status_list.url,
                        "version": status_list.version,
                        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    },
                    submitter=self.verification_method,
                    key=self.key,
                    timestamp=int(moment.timestamp()),
                )
            )
        (ledger or setting.ledger()).append(entries, now=moment)

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
        from vcred.office.trust import TrustRegistry

        moment = now or utcnow()
        self._require_usable()
        self._require_key_in_force(moment)
        loaded = registry if isinstance(registry, TrustRegistry) else TrustRegistry(registry)
        url = loaded.document.id
        log = ledger or setting.ledger()
        version = max(self.registry_versions.get(url, 0), _anchored_version(log, url, self.did)) + 1
        self.registry_versions[url] = version
        self.save(setting)  # before anything leaves: a crash never reuses a version the ledger holds
        entry = make_entry(
            "trust-registry",
            {"publisher": self.did, "url": url, "version": version, "sha256": loaded.digest},
            submitter=self.verification_method,
            key=self.key,
            timestamp=int(moment.timestamp()),
        )
        log.append([entry], now=moment)
        return version

    # -- issuance anchors and key rotation -------------------------------------------------------------------
    def anchor(
        self,
        credentials: list[dict[str, Any] | str],
        setting: LocalSetting,
        *,
        now: datetime | None = None,
        ledger: Ledger | None = None,
    ) -> list[BatchProof]:
        """Anchor a batch of issued credentials (their Merkle root only); each proof goes to its holder."""
        if not credentials:
            raise UsageError("anchor at least one credential")
        self._require_usable()
        moment = now or utcnow()
        root, proofs = build_batch(credentials)
        entry = make_entry(
            "batch-anchor",
            {"issuer": self.did, "root": root.hex(), "count": len(credentials)},
            submitter=self.verification_method,
            key=self.key,
            timestamp=int(moment.timestamp()),
        )
        (ledger or setting.ledger()).append([entry], now=moment)
        return proofs

    @property
    def key_version(self) -> int:
        """The did:vcred key version in force (1 for the create event's key)."""
        return int(self.verification_method.rsplit("#key-", 1)[1]) if "#key-" in self.verification_method else 1

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
        log, state = self._history("rotate", ledger or setting.ledger())
        path = recovery_file or self.recovery_path(setting, self.name)
        keys, sealer = self._recovery_keys(path, recovery, kdf)
        if self._finish_rotation(state, keys, setting):
            seal_keys(path, self.did, [self._committed(keys, state)], sealer)
            return
        next_key = self._committed(keys, state)
        following = Ed25519SigningKey.generate()
        # both durable before the ledger commits to the following key; the next key stays until the account
        # file holds it as the current key, so a crash in between never loses either
        seal_keys(path, self.did, [next_key, following], sealer)
        self.rotation_started = True
        self.save(setting)
        moment = now or self._after_last_use(log)
        event = rotate_event(
            self.did,
            version=state.version,
            current_key=self.key,
            new_key=next_key,
            following_key=following.public_key,
            previous_leaf=state.last_leaf,
            timestamp=int(moment.timestamp()),
        )
        try:
            log.append([event], now=moment)
        except BaseException:
            self._check_rotation(setting, log)  # refused: the old key stays in force
            raise
        self._adopt(next_key, replay(self.did, log.did_events(self.did)), setting)
        seal_keys(path, self.did, [following], sealer)

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
        log, state = self._history("deactivate", ledger or setting.ledger())
        path = recovery_file or self.recovery_path(setting, self.name)
        keys, _ = self._recovery_keys(path, recovery, None)
        if self._finish_rotation(state, keys, setting):
            state = replay(self.did, log.did_events(self.did))
        moment = now or self._after_last_use(log)
        event = deactivate_event(
            self.did,
            version=state.version,
            current_key=self.key,
            next_key=self._committed(keys, state),
            previous_leaf=state.last_leaf,
            timestamp=int(moment.timestamp()),
        )
        log.append([event], now=moment)
        self.deactivated = True
        self.save(setting)

    def _history(self, action: str, log: Ledger) -> tuple[Ledger, DidState]:
        """The ledger and this DID's replayed history; UsageError when ``action`` is impossible."""
        if not self.did.startswith("did:vcred:"):
            raise UsageError(f"{self.name} has a did:key, which cannot {action}", hint="create a did:vcred issuer")
        events = log.did_events(self.did)
        if not events:
            raise UsageError(f"{self.did} is not in this ledger")
        state = replay(self.did, events)
        if state.deactivated_at is not None:
            raise UsageError(f"{self.did} is deactivated: it cannot {action}")
        return log, state

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

    def _committed(self, keys: list[Ed25519SigningKey], state: DidState) -> Ed25519SigningKey:
        """The key the DID's last event committed to."""
        for key in keys:
            if commitment(key.public_key) == state.next_commitment:
                return key
        raise UsageError(
            f"the recovery file does not hold the key {self.did} committed to next",
            hint="pass the recovery file of this issuer's latest rotation (--recovery-file)",
        )

    def _finish_rotation(self, state: DidState, keys: list[Ed25519SigningKey], setting: LocalSetting) -> bool:
        """Adopt the key the ledger put in force if this account does not hold it yet (an interrupted rotation)."""
        if state.current.key == self.key.public_key:
            return False
        revealed = next((k for k in keys if k.public_key == state.current.key), None)
        if revealed is None:
            raise UsageError(
                f"the ledger says {self.did} signs with key version {state.version}, which neither this account "
                "nor the recovery file holds"
            )
        self._adopt(revealed, state, setting)
        return True

    def _adopt(self, key: Ed25519SigningKey, state: DidState, setting: LocalSetting) -> None:
        """Make ``key`` (in force in ``state``) the account's key, and save."""
        self.key, self.key_since = key, state.current.since
        self.verification_method = method_id(self.did, state.version)
        self.rotation_started, self.legacy_next_key = False, None
        self.save(setting)

    def _check_rotation(self, setting: LocalSetting, ledger: Ledger) -> None:
        """Forget a rotation the ledger never saw; keep the mark of one it recorded (until rotate() finishes it)."""
        try:
            state = replay(self.did, ledger.did_events(self.did))
        except LedgerError:
            return
        if state.current.key == self.key.public_key:
            self.rotation_started = False
            self.save(setting)

    def _require_usable(self) -> None:
        """Refuse to sign with a key the ledger has retired or for a deactivated DID."""
        if self.deactivated:
            raise UsageError(f"{self.name}'s DID {self.did} is deactivated: it signs nothing more")
        if self.rotation_started:
            raise UsageError(
                f"{self.name}'s key rotation was interrupted after the ledger recorded it",
                hint=f"finish it with: vcred issuer rotate {self.name} (asks for the recovery passphrase)",
            )

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


def _signed_by(credential: dict[str, Any] | str) -> str:
    """The verification method of a (verified) credential's signature: the JWS ``kid`` or the proof's."""
    if isinstance(credential, str):
        from vcred.crypto.multibase import b64url_decode
        from vcred.jose.vc_jwt import split_compact

        return str(json.loads(b64url_decode(split_compact(credential)[0])).get("kid"))
    proof = credential.get("proof")
    first = proof[0] if isinstance(proof, list) and proof else proof
    return str(first.get("verificationMethod")) if isinstance(first, dict) else "?"


def _status_entries_with_list(credential: dict[str, Any]) -> list[tuple[str, int | None, Any]]:
    """(purpose, index, statusListCredential) of each status entry (index None when it is not a decimal number)."""
    entries = credential.get("credentialStatus") or []
    out: list[tuple[str, int | None, Any]] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        if isinstance(entry, dict) and isinstance(entry.get("statusPurpose"), str):
            raw = entry.get("statusListIndex")
            index = int(raw) if isinstance(raw, str) and raw.isdecimal() and len(raw) < 12 else None
            out.append((entry["statusPurpose"], index, entry.get("statusListCredential")))
    return out


def _status_entries(credential: dict[str, Any]) -> list[tuple[str, int | None]]:
    """(purpose, index) of each status entry (index None when it is not a decimal number)."""
    return [(purpose, index) for purpose, index, _ in _status_entries_with_list(credential)]


def _anchored_version(ledger: Ledger, url: str, publisher: str) -> int:
    """The highest version of the registry at ``url`` that ``publisher`` anchored in ``ledger`` (0 for none)."""
    versions = [
        int(entry.payload["version"])
        for entry in (parse_entry(stored.raw) for stored in ledger.entries_about(url, ["trust-registry"]))
        if entry.payload.get("publisher") == publisher
    ]
    return max(versions, default=0)
