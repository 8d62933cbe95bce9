"""A verifier remembers the ledger between runs and trusts it only by configured keys.

The operator rolling its ledger back (to before an issuer's key rotation, say), a checkpoint the witnesses never
cosigned, one witness configured under two names: each is refused. Verifying never creates a secret key.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest

import vcred
from vcred.errors import LedgerError, SplitView, UsageError
from vcred.examples import board_certification_example
from vcred.issuer import IssuerAccount
from vcred.ledger import Ledger, LedgerClient
from vcred.ledger.checkpoint import verifier_key
from vcred.local import OPERATOR, ORIGIN, LocalSetting
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS

HOLDER = insecure_seeded_key("trust holder").public_key.did_key
WITNESSES = ("witness-a.example", "witness-b.example")


def secret_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file() and b"secretKeyMultibase" in p.read_bytes())


def copy_ledger(source: LocalSetting, target):
    """A consistent copy of the ledger file (what an operator restores to roll back)."""
    ledger = source.ledger()
    ledger.store.backup_to(target)
    ledger.store.close()


def restore(setting: LocalSetting, backup):
    """Replace the live database's content with the backup's, through SQLite (other connections stay valid)."""
    source, target = sqlite3.connect(backup), sqlite3.connect(setting.ledger_path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def thief_credential(account, leaked_key, leaked_method, now):
    credential = board_certification_example(issuer=account.did, subject=HOLDER)
    return vcred.issue_credential(credential, leaked_key, verification_method=leaked_method, now=now)


def test_a_rollback_between_two_runs_is_a_split_view(tmp_path):
    operator = LocalSetting(tmp_path / "data")
    abr = IssuerAccount.create(operator, "abr", now=FIXED_NOW, recovery="recovery", kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    copy_ledger(operator, tmp_path / "before-rotation.sqlite")
    leaked_key, leaked_method = abr.key, abr.verification_method
    abr.rotate(operator, recovery="recovery", now=FIXED_NOW + timedelta(days=1))
    later = FIXED_NOW + timedelta(days=2)
    forged = thief_credential(abr, leaked_key, leaked_method, later)

    operator.trust_local_ledger()
    first_run = operator.verifier_environment()
    assert not vcred.verify_credential(forged, now=later, **first_run).verified
    assert operator.checkpoint_path.exists()

    restore(operator, tmp_path / "before-rotation.sqlite")  # the operator rolls back to before the rotation
    with pytest.raises(SplitView) as caught:
        operator.verifier_environment()
    assert caught.value.first.size > caught.value.second.size  # both checkpoints kept as evidence
    assert "trusted size" in str(caught.value.hint)

    # rolling back and appending past the trusted size is a fork: no consistency proof can exist
    IssuerAccount.create(
        operator, "glie", now=FIXED_NOW + timedelta(days=1), recovery="recovery", kdf=UNSAFE_FAST_KDF_FOR_TESTS
    )
    IssuerAccount.create(
        operator, "nybom", now=FIXED_NOW + timedelta(days=1), recovery="recovery", kdf=UNSAFE_FAST_KDF_FOR_TESTS
    )
    with pytest.raises(SplitView, match="does not extend"):
        operator.verifier_environment()


def test_a_checkpoint_without_the_witness_quorum_is_refused(tmp_path):
    operator = LocalSetting(tmp_path / "data")
    for name in WITNESSES:
        operator.witness(name)
    IssuerAccount.create(operator, "abr", now=FIXED_NOW, recovery="recovery", kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    trust = operator.trust_local_ledger()
    assert trust.quorum == 2
    signed = operator.client().checkpoint
    assert signed is not None and len(signed.cosignatures) == 2  # every batch is cosigned as it is appended
    # the operator appends through a ledger that asks no witness: its checkpoint carries no cosignature
    rogue = Ledger.open(
        operator.ledger_path, origin=ORIGIN, operator_name=OPERATOR, operator_key=operator._operator_key()
    )
    rogue.checkpoint()
    rogue.store.close()
    with pytest.raises(LedgerError, match=r"0 distinct witness cosignature\(s\); 2 required"):
        operator.verifier_environment()


def test_one_witness_under_two_names_is_refused(tmp_path):
    operator_key = insecure_seeded_key("trust operator").public_key
    witness = insecure_seeded_key("one witness").public_key
    ledger = Ledger.in_memory(origin=ORIGIN, operator_name=OPERATOR, operator_key=insecure_seeded_key("trust operator"))
    with pytest.raises(UsageError, match="same key"):
        LedgerClient(ledger, operator=(OPERATOR, operator_key), origin=ORIGIN, witnesses={"a": witness, "b": witness})
    with pytest.raises(UsageError, match="operator's key"):
        LedgerClient(ledger, operator=(OPERATOR, operator_key), origin=ORIGIN, witnesses={"a": operator_key})
    with pytest.raises(UsageError, match="cannot be met"):
        LedgerClient(ledger, operator=(OPERATOR, operator_key), origin=ORIGIN, witnesses={"a": witness}, quorum=2)
    setting = LocalSetting(tmp_path / "verifier")
    twice = [verifier_key("a.example", witness), verifier_key("b.example", witness)]
    with pytest.raises(UsageError, match="same key"):
        setting.trust_ledger(verifier_key(OPERATOR, operator_key), twice, 2)
    assert not setting.trust_path.exists()


def test_verifying_creates_no_secret_key(tmp_path):
    issuer_key = insecure_seeded_key("trust did:key issuer")
    credential = vcred.issue_credential(
        board_certification_example(issuer=issuer_key.public_key.did_key, subject=HOLDER), issuer_key, now=FIXED_NOW
    )
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "credential.json").write_text(json.dumps(credential))
    command = [sys.executable, "-c", "from vcred.cli.app import main; main()"]
    result = subprocess.run(
        [*command, "verify", "credential.json", "--data-dir", str(fresh / "data"), "--at", "2026-01-01T00:00:00Z"],
        capture_output=True,
        text=True,
        cwd=fresh,
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    keys = subprocess.run(
        [*command, "ledger", "keys", "--data-dir", str(fresh / "data")], capture_output=True, text=True, timeout=120
    )
    assert keys.returncode == 2 and "runs no ledger operator" in keys.stderr
    assert secret_files(fresh) == []

    # a verifier handed a copy of the operator's ledger file: no trust configured, no key read or created
    operator = LocalSetting(tmp_path / "operator")
    IssuerAccount.create(operator, "abr", now=FIXED_NOW, recovery="recovery", kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    verifier = LocalSetting(tmp_path / "verifier")
    verifier.root.mkdir()
    copy_ledger(operator, verifier.ledger_path)
    with pytest.raises(UsageError, match="no ledger trust configured"):
        verifier.verifier_environment()
    verifier.trust_ledger(operator.operator_verifier_key())
    assert "ledger" in verifier.verifier_environment()
    assert secret_files(verifier.root) == []
