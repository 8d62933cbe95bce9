"""Verifier.verify_many: a batch at one moment, in input order, on one or several processes, same answers."""

from __future__ import annotations

import pytest

import vcred
from vcred.errors import UsageError
from vcred.testing import CredentialingWorld


@pytest.fixture
def batch(tmp_path):
    world = CredentialingWorld.create(tmp_path)
    credentials = world.issue_examples()
    world.anchor(*credentials)
    world.revoke(credentials[1])
    tampered = dict(credentials[2]) if isinstance(credentials[2], dict) else credentials[2]
    if isinstance(tampered, dict):
        tampered["credentialSubject"] = {**tampered["credentialSubject"], "name": "Someone Else"}
    return world, [*credentials, tampered, "not a credential"]


def outcome(report):
    return report.verified, [(c.id, c.status.value, c.code) for c in report.checks]


def test_workers_give_the_same_reports_in_input_order(batch):
    world, credentials = batch
    verifier = vcred.Verifier.from_local(world.setting)
    alone = verifier.verify_many(credentials, now=world.now)
    shared = verifier.verify_many(credentials, now=world.now, workers=2)
    assert [outcome(r) for r in shared] == [outcome(r) for r in alone]
    assert [r.verified for r in alone].count(True) == len(credentials) - 3  # revoked, tampered, junk
    assert not alone[1].verified and any(c.code == "CREDENTIAL_REVOKED" for c in alone[1].checks)


def test_misuse(batch):
    world, credentials = batch
    with pytest.raises(UsageError):
        vcred.Verifier.offline().verify_many(credentials, workers=0)
    by_hand = vcred.Verifier(ledger=world.client, status_fetcher=world.fetcher)
    with pytest.raises(UsageError, match="from_local"):
        by_hand.verify_many(credentials, now=world.now, workers=2)


def test_a_long_lived_verifier_follows_the_ledger_not_only_its_cache(tmp_path):
    """A list cached a minute ago, a newer version anchored since (and seen by the verifier's ledger client): the
    shared status cache does not hide it — the list is fetched again and the suspension is reported."""
    from datetime import timedelta

    world = CredentialingWorld.create(tmp_path)
    board = world.issue("BoardCertificationCredential", issuer="board")
    verifier = vcred.Verifier.from_local(world.setting)
    assert verifier.verify_credential(board, now=world.now).verified
    world.advance(timedelta(minutes=1))
    world.suspend(board)
    verifier = verifier.replace(ledger=vcred.Verifier.from_local(world.setting).ledger)  # the ledger moved on
    report = verifier.verify_credential(board, now=world.now)
    assert not report.verified
    assert any(c.code == "CREDENTIAL_SUSPENDED" for c in report.checks), report.failures
