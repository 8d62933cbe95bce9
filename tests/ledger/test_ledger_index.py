"""The ledger database's indexed columns are a cache, never evidence.

An attacker with write access to the operator's SQLite file edits only the ``kind``/``subject`` columns (every hash
still matches): the operator's integrity check must notice, and no verifier's answer may change, because a client
indexes the entries it verified itself.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from support_ledger import OPERATOR, ORIGIN, T0, World

import vcred
from vcred.did.ledger import method_id, rotate_event
from vcred.errors import LedgerError
from vcred.examples import board_certification_example
from vcred.ledger import Ledger, LedgerClient, build_batch, make_entry
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.verify import VerifyOptions

OPERATOR_KEY = insecure_seeded_key("operator")
URL = "https://board.example/status/1"
DAY = timedelta(days=1)
T1, T2, T3 = FIXED_NOW + DAY, FIXED_NOW + 2 * DAY, FIXED_NOW + 3 * DAY
HOLDER_DID = insecure_seeded_key("index holder").public_key.did_key


def sign(world, *, key=None, now=FIXED_NOW):
    credential = board_certification_example(issuer=world.did, subject=HOLDER_DID)
    return vcred.issue_credential(
        credential, key or world.keys[0], verification_method=method_id(world.did, 1), now=now
    )


def anchor(world, credentials):
    root, proofs = build_batch(credentials)
    entry = make_entry(
        "batch-anchor",
        {"issuer": world.did, "root": root.hex(), "count": len(credentials)},
        submitter=method_id(world.did, 1),
        key=world.keys[0],
        timestamp=T0 + 60,
    )
    world.ledger.append([entry], now=FIXED_NOW + timedelta(minutes=1))
    return proofs


def rotate(world):
    event = rotate_event(
        world.did,
        version=1,
        current_key=world.keys[0],
        new_key=world.keys[1],
        following_key=world.keys[2].public_key,
        previous_leaf=world.ledger.did_events(world.did)[-1][1],
        timestamp=int(T1.timestamp()),
    )
    world.ledger.append([event], now=T1)


# each edit hides the board's key rotation (or relabels it) from a lookup through the columns
EDITS = {
    "subject": ["UPDATE entries SET subject = 'did:vcred:somebody-else' WHERE kind = 'did-rotate'"],
    "kind": ["UPDATE entries SET kind = 'batch-anchor' WHERE kind = 'did-rotate'"],
    "swapped subjects": [
        "UPDATE entries SET subject = CASE kind WHEN 'did-rotate' THEN "
        f"'{URL}' ELSE (SELECT subject FROM entries WHERE kind = 'did-rotate') END "
        "WHERE kind IN ('did-rotate', 'status-list')"
    ],
    "timestamp": ["UPDATE entries SET ts = ts + 1 WHERE kind = 'did-rotate'"],
}


def open_ledger(path, **kw):
    return Ledger.open(path, origin=ORIGIN, operator_name=OPERATOR, operator_key=OPERATOR_KEY, **kw)


@pytest.fixture
def rotated(tmp_path):
    """A board that published a list, anchored a credential, then rotated its key (it leaked)."""
    world = World(open_ledger(tmp_path / "ledger.sqlite"))
    status = make_entry(
        "status-list",
        {"issuer": world.did, "url": URL, "version": 1, "sha256": "ab" * 32},
        submitter=method_id(world.did, 1),
        key=world.keys[0],
        timestamp=T0,
    )
    world.ledger.append([status], now=FIXED_NOW)
    anchored = sign(world)
    proofs = anchor(world, [anchored])
    rotate(world)
    # the thief signs with the retired key on day 2, after the rotation, and dates it day 2
    thief = sign(world, key=world.keys[0], now=T2)
    world.ledger.store.close()
    return tmp_path / "ledger.sqlite", world, anchored, proofs, thief


def outcomes(path, world, anchored, proofs, thief):
    """What a verifier reading the file concludes (its client reads the file, not the operator's index)."""
    client = LedgerClient(
        open_ledger(path, check_integrity=False), operator=(OPERATOR, OPERATOR_KEY.public_key), origin=ORIGIN
    )
    client.sync()
    reports = [
        vcred.verify_credential(c, now=T3, ledger=client, options=VerifyOptions(anchor_proofs=p))
        for c, p in ((anchored, proofs), (thief, []))
    ]
    latest = client.latest(URL, "status-list", author=world.did)
    return (
        [(r.verified, [(c.id, c.status) for c in r.checks]) for r in reports],
        latest.index if latest else None,
        len(client.did_events(world.did)),
    )


def edit(path, statements):
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


@pytest.mark.parametrize("name", list(EDITS))
def test_edited_index_columns_are_caught_and_change_no_verification(rotated, name):
    path = rotated[0]
    honest = outcomes(*rotated)
    assert honest[0][0][0] and not honest[0][1][0]  # anchored verifies; the thief's credential does not
    assert honest[2] == 2  # create and rotate
    edit(path, EDITS[name])
    with pytest.raises(LedgerError, match=r"indexed .* column does not match its bytes"):
        open_ledger(path)
    opened = open_ledger(path, check_integrity=False)
    with pytest.raises(LedgerError, match="the database was edited"):
        opened.verify_integrity(full=True)
    assert outcomes(*rotated) == honest


def test_the_client_never_reads_the_servers_columns(rotated):
    path, world, *_ = rotated
    client = LedgerClient(open_ledger(path), operator=(OPERATOR, OPERATOR_KEY.public_key), origin=ORIGIN)
    assert not isinstance(client.source, Ledger)  # the operator's object (and its key) stays with the operator
    client.sync()
    edit(path, EDITS["subject"])
    # the index was built before the edit; the edit changes nothing the client answers
    assert len(client.did_events(world.did)) == 2


def test_entry_bytes_swapped_after_indexing_are_refused(world):
    world.ledger.append(
        [
            make_entry(
                "status-list",
                {"issuer": world.did, "url": URL, "version": 1, "sha256": "ab" * 32},
                submitter=method_id(world.did, 1),
                key=world.keys[0],
                timestamp=T0,
            )
        ],
        now=FIXED_NOW,
    )
    client = world.client(quorum=0)
    client.sync()
    client.did_events(world.did)  # index built, the create event cached
    world.ledger.store.tamper(1, world.ledger.store.entry(0).raw)
    with pytest.raises(LedgerError, match="bytes other than the ones this client verified"):
        client.latest(URL, "status-list", author=world.did)


def test_entries_that_do_not_rebuild_the_checkpoint_are_refused(world):
    client = world.client(quorum=0)
    client.sync()
    world.ledger.store.tamper(0, world.ledger.store.entry(0).raw.replace(b'"timestamp":', b'"timestamp": '))
    with pytest.raises(LedgerError):
        client.did_events(world.did)
    assert client._tree.size == 0  # nothing half-indexed


def test_an_entry_the_operator_should_have_refused_is_not_believed(world):
    """A status list entry signed by a stranger in a log the operator signed anyway: the client checks signatures."""
    forged = make_entry(
        "status-list",
        {"issuer": world.did, "url": URL, "version": 1, "sha256": "cd" * 32},
        submitter=method_id(world.did, 1),
        key=insecure_seeded_key("impostor"),
        timestamp=T0,
    )
    from vcred.ledger.log import _BatchNodes
    from vcred.ledger.merkle import leaf_hash
    from vcred.ledger.store import StoredEntry

    nodes = _BatchNodes(world.ledger.store)
    nodes.add_leaf(1, leaf_hash(forged))
    stored = StoredEntry(1, leaf_hash(forged), forged, "status-list", URL, T0)
    world.ledger.store.append([stored], [(lvl, idx, h) for (lvl, idx), h in nodes.pending.items()])
    world.ledger.checkpoint()
    client = world.client(quorum=0)
    client.sync()
    with pytest.raises(LedgerError, match="signature does not verify"):
        client.latest(URL, "status-list", author=world.did)


def test_a_new_checkpoint_extends_the_index_incrementally(world):
    client = world.client(quorum=0)
    client.sync()
    assert len(client.did_events(world.did)) == 1
    rotate(world)
    assert len(client.did_events(world.did)) == 1  # still the trusted checkpoint
    client.sync()
    assert len(client.did_events(world.did)) == 2 and client._tree.size == world.ledger.size
