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
from typing import Any

from vcred._files import exclusive_lock
from vcred._time import utcnow
from vcred.crypto.keys import Ed25519SigningKey
from vcred.did.key import did_key_method_id
from vcred.did.ledger import create_event, method_id, rotate_event
from vcred.errors import UsageError
from vcred.issue import issue_credential
from vcred.ledger.anchors import BatchProof, build_batch
from vcred.ledger.entries import make_entry
from vcred.ledger.log import Ledger
from vcred.local import LocalSetting, read_json, write_secret_json
from vcred.model.families import build_credential
from vcred.status.issuer import StatusList

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
STATUS_BASE = "https://status.vcred.local"


@dataclass
class IssuerAccount:
    """An issuer: its keys, DID, and one revocation and one suspension list."""

    name: str
    did: str
    key: Ed25519SigningKey
    next_key: Ed25519SigningKey | None
    verification_method: str
    lists: dict[str, StatusList] = field(default_factory=dict)
    # the key a rotation in progress commits to, saved before the ledger sees the rotation so a crash between the
    # two never loses the only key the DID can rotate to next
    pending_following: Ed25519SigningKey | None = None
    # when the current key came into force (Unix seconds, as the ledger records it): nothing may be dated earlier
    key_since: int | None = None

    # -- persistence ---------------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        setting: LocalSetting,
        name: str,
        *,
        anchored: bool = True,
        now: datetime | None = None,
        ledger: Ledger | None = None,
    ) -> IssuerAccount:
        """A new issuer; with ``anchored`` its DID is a did:vcred created in the local ledger."""
        if not _NAME.match(name):
            raise UsageError("issuer names are lowercase letters, digits and dashes, e.g. 'abr'")
        if (setting.issuers_dir / f"{name}.json").exists():
            raise UsageError(f"issuer {name!r} already exists")
        key = Ed25519SigningKey.generate()
        moment = now or utcnow()
        if anchored:
            next_key = Ed25519SigningKey.generate()
            did, event = create_event(key, next_key.public_key, timestamp=int(moment.timestamp()))
            (ledger or setting.ledger()).append([event], now=moment)
            vm: str = method_id(did, 1)
        else:
            next_key, did, vm = None, key.public_key.did_key, did_key_method_id(key.public_key)
        lists = {
            purpose: StatusList(url=f"{STATUS_BASE}/{name}/{purpose}/1", purpose=purpose, issuer=did)
            for purpose in ("revocation", "suspension")
        }
        account = cls(name, did, key, next_key, vm, lists, key_since=int(moment.timestamp()) if anchored else None)
        account.save(setting)
        return account

    @classmethod
    def load(cls, setting: LocalSetting, name: str) -> IssuerAccount:
        """Load an issuer account from the data directory."""
        path = setting.issuers_dir / f"{name}.json"
        if not path.exists():
            raise UsageError(f"no issuer named {name!r}", hint="create it with: vcred issuer init NAME")
        data = read_json(path)
        pending = data.get("pendingFollowingKey")
        account = cls(
            name=data["name"],
            did=data["did"],
            key=Ed25519SigningKey.from_multibase(data["key"]),
            next_key=Ed25519SigningKey.from_multibase(data["nextKey"]) if data.get("nextKey") else None,
            verification_method=data["verificationMethod"],
            lists={p: StatusList.from_json(text) for p, text in data["lists"].items()},
            pending_following=Ed25519SigningKey.from_multibase(pending) if pending else None,
            key_since=data.get("keySince"),
        )
        if account.pending_following is not None:
            account._settle_rotation(setting, setting.ledger())
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
        """Persist the account (keys are secrets: the file is owner-only)."""
        write_secret_json(
            setting.issuers_dir / f"{self.name}.json",
            {
                "name": self.name,
                "did": self.did,
                "key": self.key.secret_multibase,
                "nextKey": self.next_key.secret_multibase if self.next_key else None,
                "verificationMethod": self.verification_method,
                "lists": {p: sl.to_json() for p, sl in self.lists.items()},
                "pendingFollowingKey": self.pending_following.secret_multibase if self.pending_following else None,
                "keySince": self.key_since,
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
        if now is not None:
            self._require_key_in_force(now)
        return issue_credential(
            credential, self.key, suite=suite, verification_method=self.verification_method, now=now
        )

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

    def set_status(self, credential: dict[str, Any] | str, purpose: str, value: bool) -> int:
        """Revoke / suspend (``value`` True) or reinstate (False) a credential this issuer issued."""
        from vcred.jose.vc_jwt import peek_payload

        claims = peek_payload(credential) if isinstance(credential, str) else credential
        entries = claims.get("credentialStatus") or []
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, dict) and entry.get("statusPurpose") == purpose:
                status_list = self.lists.get(purpose)
                if status_list is None or entry.get("statusListCredential") != status_list.url:
                    raise UsageError(f"the credential's {purpose} entry is not on one of {self.name}'s lists")
                index = int(entry["statusListIndex"])
                if value:
                    status_list.set(index)
                else:
                    status_list.clear(index)
                return index
        raise UsageError(f"the credential has no {purpose} entry")

    def publish(self, setting: LocalSetting, *, now: datetime | None = None, ledger: Ledger | None = None) -> None:
        """Sign and publish a new version of each list, and anchor each version's hash in the ledger.

        The account (bits and version numbers) is saved before anything leaves it: a crash after publishing but
        before saving would otherwise let the next publication undo a revocation the world has already seen, or
        reuse a version number the ledger has anchored (and then refuses as a rollback).
        """
        moment = now or utcnow()
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

    def rotate(self, setting: LocalSetting, *, now: datetime | None = None, ledger: Ledger | None = None) -> None:
        """Rotate to the pre-committed next key and commit to a fresh one (after a leak, or routinely).

        Credentials signed before keep verifying where their issuance is anchored; the old key signs nothing more.
        """
        if self.next_key is None or not self.did.startswith("did:vcred:"):
            raise UsageError(f"{self.name} has a did:key, which cannot rotate", hint="create a did:vcred issuer")
        log = ledger or setting.ledger()
        events = log.did_events(self.did)
        if not events:
            raise UsageError(f"{self.did} is not in this ledger")
        moment = now or self._after_last_use(log)
        self.pending_following = Ed25519SigningKey.generate()
        self.save(setting)
        event = rotate_event(
            self.did,
            version=self.key_version,
            current_key=self.key,
            new_key=self.next_key,
            following_key=self.pending_following.public_key,
            previous_leaf=events[-1][1],
            timestamp=int(moment.timestamp()),
        )
        log.append([event], now=moment)
        self._settle_rotation(setting, log)

    def _after_last_use(self, ledger: Ledger) -> datetime:
        """Now, once the clock has left the last second this issuer's key was used in.

        Ledger and proof times are whole seconds: a rotation in the same second as the key's last signature would
        make that signature's moment belong to the new key.
        """
        kinds = ["did-create", "did-rotate", "batch-anchor", "status-list"]
        subjects = [self.did, *(sl.url for sl in self.lists.values())]
        last = max((e.timestamp for s in subjects for e in ledger.entries_about(s, kinds)), default=0)
        while int(utcnow().timestamp()) <= last:
            time.sleep(0.05)
        return utcnow()

    def _settle_rotation(self, setting: LocalSetting, ledger: Ledger) -> None:
        """Finish a rotation the ledger recorded (or forget one it never saw), then save."""
        from vcred.did.ledger import replay

        assert self.pending_following is not None and self.next_key is not None
        state = replay(self.did, ledger.did_events(self.did))
        if state.version > self.key_version and state.current.key == self.next_key.public_key:
            self.key, self.next_key = self.next_key, self.pending_following
            self.verification_method = method_id(self.did, state.version)
            self.key_since = state.current.since
        self.pending_following = None
        self.save(setting)
