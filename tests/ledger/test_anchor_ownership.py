"""An anchored URL has an owner: the DID that first anchored it.

A stranger with a plain did:key anchored the board's status list URL at version 2**53-1 with the hash of the
board's list from before a revocation: the ledger took it (its only rule was that an entry speaks for its own
signer), the board's next publication was refused as a rollback, and verifiers, taking the newest entry about the
URL whoever wrote it, accepted the old list. The ledger now refuses other submitters for an anchored URL, and a
verifier reads only the anchors of the list's own issuer, so it is safe from an operator that does not enforce that.
"""

from __future__ import annotations

import sqlite3

import pytest
from support_ledger import OPERATOR, ORIGIN, T0, World, did_key_entry, force_append

from vcred.did.ledger import method_id
from vcred.errors import LedgerError
from vcred.ledger import Ledger, make_entry
from vcred.ledger.checks import check_status_list_anchored
from vcred.testing import FIXED_NOW, insecure_seeded_key

URL = "https://board.example/status/revocation"
BEFORE, AFTER = "aa" * 32, "bb" * 32  # the board's list before and after a revocation
HUGE = 2**53 - 1


def publish(world, version, sha):
    entry = make_entry(
        "status-list",
        {"issuer": world.did, "url": URL, "version": version, "sha256": sha},
        submitter=method_id(world.did, 1),
        key=world.keys[0],
        timestamp=T0,
    )
    return world.ledger.append([entry], now=FIXED_NOW)[0]


def strangers_anchor(kind="status-list", url=URL, sha=BEFORE):
    return did_key_entry("stranger", kind, {"url": url, "version": HUGE, "sha256": sha})


def client(world):
    synced = world.client(quorum=0)
    synced.sync()
    return synced


def test_a_stranger_cannot_anchor_another_issuers_status_list(world):
    publish(world, 1, BEFORE)
    _, entry = strangers_anchor()
    with pytest.raises(LedgerError, match=f"is anchored by {world.did}: only that DID may anchor"):
        world.ledger.append([entry], now=FIXED_NOW)
    # nor under the other publication kind, nor in the same batch as the owner's first anchor
    _, as_registry = strangers_anchor("trust-registry")
    with pytest.raises(LedgerError, match="is anchored by"):
        world.ledger.append([as_registry], now=FIXED_NOW)
    other = "https://board.example/status/suspension"
    first = make_entry(
        "status-list",
        {"issuer": world.did, "url": other, "version": 1, "sha256": BEFORE},
        submitter=method_id(world.did, 1),
        key=world.keys[0],
        timestamp=T0,
    )
    with pytest.raises(LedgerError, match="is anchored by"):
        world.ledger.append([first, strangers_anchor(url=other)[1]], now=FIXED_NOW)
    assert publish(world, 2, AFTER) == 2  # the board's publications go on; nothing of the refused batches landed


def test_versions_advance_per_owner_and_url(world):
    publish(world, 3, BEFORE)
    with pytest.raises(LedgerError, match="does not advance past version 3"):
        publish(world, 3, AFTER)
    publish(world, 4, AFTER)


def test_the_verifier_ignores_a_strangers_anchor_the_operator_accepted(world):
    """An operator that does not enforce ownership: the stranger's entry is in the log, the verifier ignores it."""
    publish(world, 1, BEFORE)
    publish(world, 2, AFTER)  # the board revokes a credential
    stranger, entry = strangers_anchor()
    forced = force_append(world.ledger, entry)
    verifier = client(world)
    assert verifier.authors(URL, "status-list") == [world.did, stranger]
    assert verifier.latest(URL, "status-list", author=world.did).index == 2
    assert verifier.latest(URL, "status-list", author=stranger).index == forced
    # the list from before the revocation, served again: stale, whatever the stranger anchored
    stale = check_status_list_anchored(verifier, URL, BEFORE, issuer=world.did)
    assert not stale.ok and stale.details["anchored_version"] == 2
    current = check_status_list_anchored(verifier, URL, AFTER, issuer=world.did)
    assert current.ok and current.details["entry"] == 2
    # and the board's next publication is not refused as a rollback of the stranger's version
    assert publish(world, 3, "cc" * 32) == forced + 1
    assert client(world).latest(URL, "status-list", author=world.did).entry.payload["version"] == 3


def test_a_replayed_older_anchor_by_the_issuer_is_not_its_latest_word(world):
    """An operator that does not refuse replays appended the board's version 1 again, after version 2."""
    publish(world, 1, BEFORE)
    first = world.ledger.entry(1).raw
    publish(world, 2, AFTER)
    force_append(world.ledger, first)
    verifier = client(world)
    assert verifier.latest(URL, "status-list", author=world.did).index == 2
    assert not check_status_list_anchored(verifier, URL, BEFORE, issuer=world.did).ok


def test_a_list_without_an_issuer_has_no_anchor(world):
    publish(world, 1, BEFORE)
    check = check_status_list_anchored(client(world), URL, BEFORE, issuer="")
    assert not check.ok and "issuer is unknown" in check.reason


def test_the_operator_reads_owners_from_entry_bytes_not_columns(tmp_path):
    """A row relabelled in the database (every hash intact) cannot decide who owns a URL."""
    path = tmp_path / "ledger.sqlite"
    key = insecure_seeded_key("operator")
    world = World(Ledger.open(path, origin=ORIGIN, operator_name=OPERATOR, operator_key=key))
    elsewhere = "https://stranger.example/status/1"
    world.ledger.append([strangers_anchor(url=elsewhere)[1]], now=FIXED_NOW)  # the stranger's own list
    publish(world, 1, BEFORE)
    world.ledger.store.close()
    with sqlite3.connect(path) as db:  # the stranger's entry, relabelled as the first anchor of the board's URL
        db.execute(f"UPDATE entries SET subject = '{URL}' WHERE subject = '{elsewhere}'")
    world.ledger = Ledger.open(path, origin=ORIGIN, operator_name=OPERATOR, operator_key=key, check_integrity=False)
    with pytest.raises(LedgerError, match="column does not match its bytes"):
        publish(world, 2, AFTER)
