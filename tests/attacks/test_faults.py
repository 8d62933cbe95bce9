"""Faults and tampering at rest: flipped bytes in wallet and ledger files, forks shown to two verifiers."""

from __future__ import annotations

import random
import sqlite3

import pytest
from support_attacks import FULL, count
from support_ledger import OPERATOR, ORIGIN, T0, World

import vcred
from vcred.did.ledger import method_id
from vcred.errors import CorruptWalletError, LedgerError, SplitView, StorageError, WrongPassphraseError
from vcred.ledger import Ledger
from vcred.ledger.entries import make_entry
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

FLIPS = 300 if FULL else 40


def test_flipped_bytes_in_a_wallet_are_always_detected(tmp_path):
    path = tmp_path / "wallet.vcw"
    wallet = Wallet.create(path, "pw", kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    issuer = insecure_seeded_key("flip issuer")
    for i in range(3):
        wallet.import_credential(
            vcred.issue_credential(
                sample_credential(issuer.public_key.did_key, wallet.holder_did, name=f"Dr. {i}"), issuer, now=FIXED_NOW
            ),
            now=FIXED_NOW,
        )
    original = path.read_bytes()
    rng = random.Random(11)
    for _ in range(FLIPS):
        data = bytearray(original)
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        with pytest.raises((CorruptWalletError, WrongPassphraseError)):
            Wallet.open(path, "pw")
        count("faults: wallet byte flips", "detected")


def _ledger_with_history(path):
    ledger = Ledger.open(path, origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator"))
    world = World(ledger)
    for version in range(1, 30):
        ledger.append(
            [
                make_entry(
                    "status-list",
                    {
                        "issuer": world.did,
                        "url": "https://board.example/s/1",
                        "version": version,
                        "sha256": f"{version:064x}",
                    },
                    submitter=method_id(world.did, 1),
                    key=world.keys[0],
                    timestamp=T0,
                )
            ],
            now=FIXED_NOW,
        )
    ledger.checkpoint()
    entries = [ledger.entry(i).raw for i in range(ledger.size)]
    ledger.store.close()
    return entries


def test_flipped_bytes_in_a_ledger_are_detected_or_harmless(tmp_path):
    path = tmp_path / "ledger.sqlite"
    entries = _ledger_with_history(path)
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    original = path.read_bytes()
    rng = random.Random(12)
    detected = harmless = 0
    for _ in range(FLIPS):
        data = bytearray(original)
        data[rng.randrange(100, len(data))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        for extra in ("-wal", "-shm"):
            (tmp_path / f"ledger.sqlite{extra}").unlink(missing_ok=True)
        try:
            ledger = Ledger.open(
                path, origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator")
            )
        except (LedgerError, StorageError):
            detected += 1
            continue
        # it opened: then nothing it serves may differ from what was written
        assert [ledger.entry(i).raw for i in range(ledger.size)] == entries
        ledger.store.close()
        harmless += 1
    count("faults: ledger byte flips", "detected", detected)
    count("faults: ledger byte flips", "harmless (unused bytes)", harmless)
    assert detected > 0


def test_forked_history_shown_to_two_verifiers_is_caught_when_they_compare():
    honest = World(
        Ledger.in_memory(origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator"))
    )
    a, b = honest.client(quorum=0), honest.client(quorum=0)
    a.sync()
    b.sync()
    # the operator shows client A one extension and client B another
    fork = Ledger.in_memory(origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("operator"))
    fork.store.append([honest.ledger.entry(0)], [(0, 0, honest.ledger.entry(0).leaf)])
    entry_a = make_entry(
        "batch-anchor",
        {"issuer": honest.did, "root": "aa" * 32, "count": 1},
        submitter=method_id(honest.did, 1),
        key=honest.keys[0],
        timestamp=T0,
    )
    entry_b = make_entry(
        "batch-anchor",
        {"issuer": honest.did, "root": "bb" * 32, "count": 1},
        submitter=method_id(honest.did, 1),
        key=honest.keys[0],
        timestamp=T0,
    )
    honest.ledger.append([entry_a], now=FIXED_NOW)
    fork.append([entry_b], now=FIXED_NOW)
    a.accept(honest.ledger.checkpoint(), honest.ledger.consistency_proof(1))
    b.accept(fork.checkpoint(), fork.consistency_proof(1))
    with pytest.raises(SplitView) as info:  # gossip: B shows A its checkpoint
        a.accept(b.checkpoint.note)
    assert info.value.first.root_hash != info.value.second.root_hash
    count("ledger tampering", "forks caught")
