"""did:vcred — self-certifying issuer DIDs whose history lives in the vcred ledger.

* The identifier is ``did:vcred:`` + base58btc(SHA-256(JCS({key, next}))) of the create event: whoever shows the
  create event proves the DID, no registry needed.
* Every event commits to the *next* key by its hash (pre-rotation, as KERI and did:webvh do). A rotation is
  signed by the current key, reveals a key matching the commitment, proves possession of it, and commits to the
  following one — so a stolen current key alone cannot take the DID over.
* Deactivation is final, so it needs what rotation needs: signed by the current key, it reveals the pre-committed
  next key and proves possession of it, committing to nothing after (KERI's abandonment). A stolen current key
  alone cannot deactivate the DID either.
* Resolution is *as of* a time or a version: credentials signed before a rotation keep verifying, and a key is not
  accepted for anything it signed after it was rotated out.

This module is pure: it replays events. :class:`LedgerDidResolver` feeds it events proven against a checkpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from vcred.crypto import multibase
from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey
from vcred.did.resolver import PURPOSES, ResolutionResult, VerificationMethod, split_did_url
from vcred.errors import KeyFormatError, LedgerError, ResolutionError, SignatureError
from vcred.jsonld.canon import canonize_jcs
from vcred.ledger.entries import Entry, make_entry

METHOD = "vcred"
DID_KINDS = ("did-create", "did-rotate", "did-deactivate")
_KEY_PROOF_DOMAIN = b"vcred-did-next-key/v1\n"
_DEACTIVATION_PROOF_DOMAIN = b"vcred-did-deactivate/v1\n"


def commitment(key: Ed25519PublicKey) -> str:
    """The pre-rotation commitment to a future key: hex SHA-256 of its multibase form."""
    return hashlib.sha256(key.multibase.encode("ascii")).hexdigest()


def did_for(key: Ed25519PublicKey, next_commitment: str) -> str:
    """The DID a create event with this key and next-key commitment defines."""
    digest = hashlib.sha256(canonize_jcs({"key": key.multibase, "next": next_commitment})).digest()
    return f"did:{METHOD}:{multibase.encode_base58btc(digest)[1:]}"


def method_id(did: str, version: int) -> str:
    """The verification method id of the key in force at ``version`` (1 = the create event's key)."""
    return f"{did}#key-{version}"


def create_event(key: Ed25519SigningKey, next_key: Ed25519PublicKey, *, timestamp: int) -> tuple[str, bytes]:
    """A new DID and the signed create entry to append."""
    nxt = commitment(next_key)
    did = did_for(key.public_key, nxt)
    payload = {"did": did, "key": key.public_key.multibase, "next": nxt}
    return did, make_entry("did-create", payload, submitter=method_id(did, 1), key=key, timestamp=timestamp)


def rotate_event(
    did: str,
    *,
    version: int,
    current_key: Ed25519SigningKey,
    new_key: Ed25519SigningKey,
    following_key: Ed25519PublicKey,
    previous_leaf: bytes,
    timestamp: int,
) -> bytes:
    """The signed rotation from ``version`` to ``version + 1``: ``new_key`` must be the pre-committed one."""
    payload = {
        "did": did,
        "previous": previous_leaf.hex(),
        "key": new_key.public_key.multibase,
        "next": commitment(following_key),
    }
    payload["keyProof"] = multibase.encode_base58btc(new_key.sign(_key_proof_message(payload)))
    return make_entry("did-rotate", payload, submitter=method_id(did, version), key=current_key, timestamp=timestamp)


def deactivate_event(
    did: str,
    *,
    version: int,
    current_key: Ed25519SigningKey,
    next_key: Ed25519SigningKey,
    previous_leaf: bytes,
    timestamp: int,
) -> bytes:
    """The final deactivation of ``did``: signed by the current key, authorised by the pre-committed ``next_key``."""
    payload = {"did": did, "previous": previous_leaf.hex(), "key": next_key.public_key.multibase}
    payload["keyProof"] = multibase.encode_base58btc(next_key.sign(_deactivation_proof_message(payload)))
    return make_entry(
        "did-deactivate", payload, submitter=method_id(did, version), key=current_key, timestamp=timestamp
    )


def _deactivation_proof_message(payload: dict[str, Any]) -> bytes:
    # its own domain: a rotation's key proof can never be replayed as a deactivation's, nor the reverse
    return _DEACTIVATION_PROOF_DOMAIN + canonize_jcs({k: payload[k] for k in ("did", "previous", "key")})


def _key_proof_message(payload: dict[str, Any]) -> bytes:
    return _KEY_PROOF_DOMAIN + canonize_jcs({k: payload[k] for k in ("did", "previous", "key", "next")})


@dataclass(frozen=True)
class KeyPeriod:
    """A key and the time it was in force: [since, until)."""

    version: int
    key: Ed25519PublicKey
    since: int
    until: int | None


@dataclass(frozen=True)
class DidState:
    """A DID's history after replaying its events."""

    did: str
    periods: tuple[KeyPeriod, ...]
    next_commitment: str
    last_leaf: bytes
    deactivated_at: int | None

    @property
    def version(self) -> int:
        """The current version (number of keys so far)."""
        return len(self.periods)

    @property
    def current(self) -> KeyPeriod:
        """The key in force now."""
        return self.periods[-1]


def replay(did: str, events: list[tuple[Entry, bytes]]) -> DidState:
    """Validate a DID's events (each with its leaf hash) in log order; LedgerError on any broken rule."""
    if not events:
        raise LedgerError(f"{did} has no events on the ledger")
    first, first_leaf = events[0]
    if first.kind != "did-create":
        raise LedgerError(f"the first event of {did} is not a create event")
    payload = first.payload
    try:
        key = Ed25519PublicKey.from_multibase(payload["key"])
    except KeyFormatError:
        raise LedgerError("the create event's key is malformed") from None
    if did_for(key, payload["next"]) != did or payload["did"] != did:
        raise LedgerError(f"the create event does not define {did}")
    if first.submitter != method_id(did, 1):
        raise LedgerError("the create event must be signed by the DID's first key")
    first.verify_with(key)
    periods = [KeyPeriod(1, key, first.timestamp, None)]
    nxt, last_leaf, deactivated = payload["next"], first_leaf, None
    for event, leaf in events[1:]:
        if deactivated is not None:
            raise LedgerError(f"{did} has events after its deactivation")
        if event.payload.get("did") != did or event.payload.get("previous") != last_leaf.hex():
            raise LedgerError(f"an event of {did} does not chain to its previous event")
        current = periods[-1]
        if event.submitter != method_id(did, current.version):
            raise LedgerError(f"{did} events must be signed by the key in force (#key-{current.version})")
        event.verify_with(current.key)
        if event.timestamp < current.since:
            raise LedgerError(f"an event of {did} is dated before the previous one")
        if event.kind == "did-deactivate":
            _check_revealed_key(did, event, nxt, _deactivation_proof_message, "deactivation")
            deactivated = event.timestamp
            periods[-1] = KeyPeriod(current.version, current.key, current.since, event.timestamp)
        elif event.kind == "did-rotate":
            new_key = _check_revealed_key(did, event, nxt, _key_proof_message, "rotation")
            periods[-1] = KeyPeriod(current.version, current.key, current.since, event.timestamp)
            periods.append(KeyPeriod(current.version + 1, new_key, event.timestamp, None))
            nxt = event.payload["next"]
        else:
            raise LedgerError(f"unexpected {event.kind} event for {did}")
        last_leaf = leaf
    return DidState(did, tuple(periods), nxt, last_leaf, deactivated)


def _check_revealed_key(
    did: str, event: Entry, committed: str, message: Callable[[dict[str, Any]], bytes], what: str
) -> Ed25519PublicKey:
    """The key ``event`` reveals, once it matches the commitment and its possession is proven (else LedgerError)."""
    try:
        key = Ed25519PublicKey.from_multibase(event.payload["key"])
        proof = multibase.decode_base58btc(event.payload["keyProof"])
    except (KeyFormatError, KeyError, TypeError):
        raise LedgerError(f"the {what}'s key or key proof is missing or malformed") from None
    if commitment(key) != committed:
        raise LedgerError(f"the {what} of {did} reveals a key it never committed to")
    try:
        key.verify(message(event.payload), proof)
    except SignatureError:
        raise LedgerError(f"the {what} does not prove possession of the pre-committed key") from None
    return key


def document_at(state: DidState, *, as_of: datetime | None = None, version: int | None = None) -> ResolutionResult:
    """The DID document as of a time (the key in force then) or of a version."""
    if version is not None:
        if not 1 <= version <= state.version:
            raise ResolutionError(f"{state.did} has no version {version}")
        period = state.periods[version - 1]
    elif as_of is not None:
        moment = int(as_of.timestamp())
        chosen = [p for p in state.periods if p.since <= moment and (p.until is None or moment < p.until)]
        if not chosen:
            raise ResolutionError(f"{state.did} had no key in force at {as_of.isoformat()}")
        period = chosen[0]
    else:
        period = state.current
        if state.deactivated_at is not None:
            return _result(state, period, deactivated=True)
    deactivated = state.deactivated_at is not None and (as_of is None or int(as_of.timestamp()) >= state.deactivated_at)
    return _result(state, period, deactivated=deactivated)


def _result(state: DidState, period: KeyPeriod, *, deactivated: bool) -> ResolutionResult:
    vm_id = method_id(state.did, period.version)
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": state.did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": state.did, "publicKeyMultibase": period.key.multibase}
        ],
        **{purpose: [vm_id] for purpose in PURPOSES},
    }
    metadata = {
        "versionId": str(period.version),
        "created": datetime.fromtimestamp(state.periods[0].since, UTC).isoformat(),
        "updated": datetime.fromtimestamp(period.since, UTC).isoformat(),
        "deactivated": deactivated,
    }
    method = VerificationMethod(id=vm_id, type="Multikey", controller=state.did, public_key=period.key)
    return ResolutionResult(
        did=state.did,
        document=document,
        methods={vm_id: method},
        relationships={purpose: (vm_id,) for purpose in PURPOSES},
        metadata=metadata,
        deactivated=deactivated,
    )


class DidEventSource(Protocol):
    """Supplies a DID's events, each proven to be in the log (see LedgerClient.did_events)."""

    def did_events(self, did: str) -> list[tuple[Entry, bytes]]:
        """The DID's events with their leaf hashes, in log order."""
        ...


class LedgerDidResolver:
    """Resolves did:vcred through proven ledger events."""

    def __init__(self, source: DidEventSource) -> None:
        self._source = source

    def _state(self, did: str) -> DidState:
        bare, _ = split_did_url(did)
        try:
            return replay(bare, self._source.did_events(bare))
        except LedgerError as exc:
            raise ResolutionError(f"cannot resolve {bare[:80]}: {exc.message}") from None

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """The document as of ``as_of`` (default: now)."""
        return document_at(self._state(did), as_of=as_of)

    def resolve_version(self, did: str, version: int) -> ResolutionResult:
        """The document at a version."""
        return document_at(self._state(did), version=version)
