"""The ledger: signed entries only, no replays or personal data, checkpoints, witnesses, split views, DIDs."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from support_ledger import OPERATOR, ORIGIN, T0

from vcred.did.ledger import deactivate_event, method_id, rotate_event
from vcred.errors import LedgerError, ResolutionError, SplitView
from vcred.ledger import Ledger, open_checkpoint
from vcred.ledger.checkpoint import Checkpoint, cosign, sign_checkpoint
from vcred.ledger.entries import make_entry
from vcred.testing import FIXED_NOW, insecure_seeded_key


def status_entry(world, version, sha="ab" * 32, key=None, timestamp=T0, url="https://board.example/status/1"):
    return make_entry(
        "status-list",
        {"issuer": world.did, "url": url, "version": version, "sha256": sha},
        submitter=method_id(world.did, 1),
        key=key or world.keys[0],
        timestamp=timestamp,
    )


def test_append_prove_and_checkpoint(world):
    world.ledger.append([status_entry(world, 1)], now=FIXED_NOW)
    client = world.client()
    client.accept(world.cosigned())
    proven = client.latest("https://board.example/status/1", "status-list", author=world.did)
    assert proven.entry.payload["version"] == 1 and proven.index == 1


def test_forged_unsigned_and_replayed_entries_are_refused(world):
    forged = status_entry(world, 1, key=insecure_seeded_key("impostor"))
    with pytest.raises(LedgerError, match="signature"):
        world.ledger.append([forged], now=FIXED_NOW)
    good = status_entry(world, 1)
    unsigned = json.loads(good)
    unsigned["signature"] = "z" + "1" * 86
    with pytest.raises(LedgerError):
        world.ledger.append([json.dumps(unsigned).encode()], now=FIXED_NOW)
    world.ledger.append([good], now=FIXED_NOW)
    with pytest.raises(LedgerError, match="replayed"):
        world.ledger.append([good], now=FIXED_NOW)
    with pytest.raises(LedgerError, match="rollback"):
        world.ledger.append([status_entry(world, 1, sha="cd" * 32, timestamp=T0 + 1)], now=FIXED_NOW)
    with pytest.raises(LedgerError, match="too far"):
        world.ledger.append([status_entry(world, 2, timestamp=T0 - 86400)], now=FIXED_NOW)
    assert world.ledger.size == 2  # the create event and the one good publication


@pytest.mark.parametrize(
    "payload",
    [
        {
            "issuer": "did:example:x",
            "url": "https://x.example/l",
            "version": 1,
            "sha256": "ab" * 32,
            "holderName": "Dr. Amara Okafor",
        },
        {"issuer": "did:example:x", "url": "https://x.example/l", "version": 1, "sha256": "Dr. Amara Okafor"},
        {"issuer": "did:example:x", "url": "not a url", "version": 1, "sha256": "ab" * 32},
    ],
)
def test_no_personal_data_or_free_text(payload):
    with pytest.raises(LedgerError):
        make_entry("status-list", payload, submitter="did:example:x#k", key=insecure_seeded_key("x"), timestamp=T0)


def test_entries_must_be_signed_by_the_issuer_they_speak_for(world):
    other = insecure_seeded_key("other issuer")
    entry = make_entry(
        "status-list",
        {"issuer": world.did, "url": "https://board.example/status/1", "version": 1, "sha256": "ab" * 32},
        submitter=f"{other.public_key.did_key}#{other.public_key.multibase}",
        key=other,
        timestamp=T0,
    )
    with pytest.raises(LedgerError, match="signed by that issuer"):
        world.ledger.append([entry], now=FIXED_NOW)


def test_did_key_issuers_can_anchor_too(world):
    key = insecure_seeded_key("did key issuer")
    did = key.public_key.did_key
    entry = make_entry(
        "batch-anchor",
        {"issuer": did, "root": "cd" * 32, "count": 12},
        submitter=f"{did}#{key.public_key.multibase}",
        key=key,
        timestamp=T0,
    )
    assert world.ledger.append([entry], now=FIXED_NOW) == [1]


def test_tampered_leaf_is_detected_and_no_proof_is_served(world):
    world.ledger.append([status_entry(world, 1)], now=FIXED_NOW)
    world.ledger.checkpoint()
    world.ledger.store.tamper(1, status_entry(world, 1, sha="ef" * 32))
    with pytest.raises(LedgerError, match="modified"):
        world.ledger.inclusion_proof(1)
    with pytest.raises(LedgerError, match="modified"):
        world.ledger.verify_integrity()


def test_truncated_and_tampered_sqlite_database(sqlite_world, tmp_path):
    ledger = sqlite_world.ledger
    ledger.append([status_entry(sqlite_world, v, timestamp=T0 + v) for v in range(1, 6)], now=FIXED_NOW)
    ledger.checkpoint()
    path = ledger.store.path
    ledger.store.close()
    db = sqlite3.connect(path)
    db.execute("DELETE FROM entries WHERE idx >= 4")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match=r"missing|truncated|does not match"):
        Ledger.open(path, origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator"))
    db = sqlite3.connect(path)
    db.execute("UPDATE entries SET raw = X'7b7d' WHERE idx = 2")
    db.commit()
    db.close()
    with pytest.raises(LedgerError):
        Ledger.open(path, origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator"))


def test_reopen_keeps_everything(sqlite_world):
    ledger = sqlite_world.ledger
    ledger.append([status_entry(sqlite_world, 1)], now=FIXED_NOW)
    root = ledger.root()
    note = ledger.checkpoint()
    ledger.store.close()
    again = Ledger.open(
        ledger.store.path, origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator")
    )
    assert again.size == 2 and again.root() == root and again.latest_checkpoint() == note


def test_checkpoint_signatures(world):
    note = world.ledger.checkpoint()
    assert open_checkpoint(note, world.ledger.operator).checkpoint.size == 1
    forged = sign_checkpoint(Checkpoint(ORIGIN, 1, b"\x00" * 32), OPERATOR, insecure_seeded_key("not the operator"))
    with pytest.raises(LedgerError, match="not signed by the ledger operator"):
        open_checkpoint(forged, world.ledger.operator)
    body, _, signature = note.partition("\n\n")
    tampered = body.replace("\n1\n", "\n2\n") + "\n\n" + signature
    with pytest.raises(LedgerError):
        open_checkpoint(tampered, world.ledger.operator)
    for junk in ["", "x", "\n\n", note.replace("\u2014", "-"), note + "\u2014 x !!!\n", "a\n" * 10000]:
        with pytest.raises(LedgerError):
            open_checkpoint(junk, world.ledger.operator)


def test_witness_quorum_and_bad_cosignature(world):
    client = world.client(quorum=2)
    with pytest.raises(LedgerError, match="required"):
        client.accept(world.ledger.checkpoint())
    note = world.cosigned()
    client.accept(note)
    assert len(client.checkpoint.cosignatures) == 2
    fake_witness = cosign(world.ledger.checkpoint(), world.witnesses[0].name, insecure_seeded_key("fake"), T0)
    with pytest.raises(LedgerError):
        world.client().accept(fake_witness)


def test_split_view_is_caught_by_witness_and_client(world):
    client = world.client(quorum=0)
    client.accept(world.cosigned())
    old = client.checkpoint.checkpoint
    # the operator shows a forked history of the same size to someone else
    fork = Ledger.in_memory(origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator"))
    other = status_entry(world, 9)
    from vcred.did.ledger import create_event

    _, event = create_event(insecure_seeded_key("fork"), insecure_seeded_key("fork2").public_key, timestamp=T0)
    fork.append([event], now=FIXED_NOW)
    forked_note = fork.checkpoint()
    with pytest.raises(SplitView) as info:
        client.accept(forked_note)
    assert info.value.first == old and info.value.second.size == old.size
    with pytest.raises(SplitView):
        world.witnesses[0].cosign(forked_note, [], now=FIXED_NOW)
    # a later checkpoint that does not extend the trusted one
    world.ledger.append([other], now=FIXED_NOW)
    with pytest.raises(SplitView):
        client.accept(world.ledger.checkpoint(), [b"\x00" * 32])
    client.sync()
    assert client.checkpoint.checkpoint.size == 2


def test_rewritten_entry_is_detected_by_a_client_with_an_earlier_checkpoint(world):
    world.ledger.append([status_entry(world, 1)], now=FIXED_NOW)
    client = world.client(quorum=0)
    client.sync()
    world.ledger.store.tamper(1, status_entry(world, 1, sha="ef" * 32))
    with pytest.raises(LedgerError):
        client.latest("https://board.example/status/1", "status-list", author=world.did)


def test_did_rotation_pre_rotation_and_deactivation(world):
    ledger, did, keys = world.ledger, world.did, world.keys
    later = FIXED_NOW + timedelta(hours=1)
    previous = ledger.did_events(did)[-1][1]
    # a thief holding only the current key cannot rotate to a key of their own
    thief = insecure_seeded_key("thief")
    with pytest.raises(LedgerError, match="never committed"):
        ledger.append(
            [
                rotate_event(
                    did,
                    version=1,
                    current_key=keys[0],
                    new_key=thief,
                    following_key=thief.public_key,
                    previous_leaf=previous,
                    timestamp=int(later.timestamp()),
                )
            ],
            now=later,
        )
    ledger.append(
        [
            rotate_event(
                did,
                version=1,
                current_key=keys[0],
                new_key=keys[1],
                following_key=keys[2].public_key,
                previous_leaf=previous,
                timestamp=int(later.timestamp()),
            )
        ],
        now=later,
    )
    client = world.client(quorum=0)
    client.sync()
    resolver = client.did_resolver()
    assert method_id(did, 1) in resolver.resolve(did, as_of=FIXED_NOW + timedelta(minutes=5)).methods
    assert method_id(did, 2) in resolver.resolve(did, as_of=later + timedelta(minutes=5)).methods
    assert method_id(did, 1) in resolver.resolve_version(did, 1).methods
    with pytest.raises(ResolutionError):
        resolver.resolve(did, as_of=FIXED_NOW - timedelta(days=1))
    # the old key can no longer sign for the DID
    previous = ledger.did_events(did)[-1][1]
    when = int(later.timestamp()) + 60
    with pytest.raises(LedgerError):
        ledger.append(
            [
                deactivate_event(
                    did, version=1, current_key=keys[0], next_key=keys[2], previous_leaf=previous, timestamp=when
                )
            ],
            now=later,
        )
    ledger.append(
        [
            deactivate_event(
                did, version=2, current_key=keys[1], next_key=keys[2], previous_leaf=previous, timestamp=when
            )
        ],
        now=later,
    )
    client.sync()
    assert client.did_resolver().resolve(did).deactivated
    assert not client.did_resolver().resolve(did, as_of=later).deactivated


def test_a_stolen_current_key_alone_cannot_deactivate_a_did(world):
    """Finding B: deactivation needed only the current key and is final, so a thief holding it deactivated the
    DID for good (the issuer's rotation, revocations and credentials refused after it). Deactivation now needs the
    pre-committed next key, as rotation does."""
    from vcred.crypto import multibase
    from vcred.jsonld.canon import canonize_jcs
    from vcred.ledger.entries import DOMAIN

    ledger, did, keys = world.ledger, world.did, world.keys
    later = FIXED_NOW + timedelta(hours=1)
    previous = ledger.did_events(did)[-1][1]
    thief = insecure_seeded_key("thief")
    when = int(later.timestamp())
    # the form that used to be accepted: signed by the current key, nothing else
    statement = {
        "kind": "did-deactivate",
        "payload": {"did": did, "previous": previous.hex()},
        "submitter": method_id(did, 1),
        "timestamp": when,
    }
    signature = multibase.encode_base58btc(keys[0].sign(DOMAIN + canonize_jcs(statement)))
    with pytest.raises(LedgerError, match="missing or malformed"):
        ledger.append([canonize_jcs({"statement": statement, "signature": signature})], now=later)
    # the current key with a key of the thief's own in place of the committed one
    with pytest.raises(LedgerError, match="never committed"):
        ledger.append(
            [
                deactivate_event(
                    did, version=1, current_key=keys[0], next_key=thief, previous_leaf=previous, timestamp=when
                )
            ],
            now=later,
        )
    # the committed key named, but its possession not proven (the proof made by the thief's key)
    payload = {"did": did, "previous": previous.hex(), "key": keys[1].public_key.multibase}
    payload["keyProof"] = multibase.encode_base58btc(
        thief.sign(b"vcred-did-deactivate/v1\n" + canonize_jcs(dict(payload)))
    )
    forged = make_entry("did-deactivate", payload, submitter=method_id(did, 1), key=keys[0], timestamp=when)
    with pytest.raises(LedgerError, match="does not prove possession"):
        ledger.append([forged], now=later)
    # a rotation's key proof is not a deactivation's
    rotation = rotate_event(
        did,
        version=1,
        current_key=keys[0],
        new_key=keys[1],
        following_key=keys[2].public_key,
        previous_leaf=previous,
        timestamp=when,
    )
    proof = json.loads(rotation)["statement"]["payload"]["keyProof"]
    replayed = make_entry(
        "did-deactivate", {**payload, "keyProof": proof}, submitter=method_id(did, 1), key=keys[0], timestamp=when
    )
    with pytest.raises(LedgerError, match="does not prove possession"):
        ledger.append([replayed], now=later)
    client = world.client(quorum=0)
    client.sync()
    assert not client.did_resolver().resolve(did).deactivated
    # the issuer still rotates, and with the pre-committed key may deactivate
    ledger.append([rotation], now=later)
    previous = ledger.did_events(did)[-1][1]
    ledger.append(
        [
            deactivate_event(
                did, version=2, current_key=keys[1], next_key=keys[2], previous_leaf=previous, timestamp=when
            )
        ],
        now=later,
    )
    client.sync()
    assert client.did_resolver().resolve(did).deactivated
