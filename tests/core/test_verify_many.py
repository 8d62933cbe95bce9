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


class _CollectionProbe(vcred.Verifier):
    """Reports, for each credential, whether garbage collection was on where it was verified."""

    def verify_credential(self, credential, *, now=None, anchor_proofs=()):
        import gc

        from vcred.report import Check, VerificationReport

        return VerificationReport(checks=[Check.passed("probe", "where it ran", collecting=gc.isenabled())])


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
@pytest.mark.parametrize("collecting", [True, False])
def test_gathering_reports_does_not_collect_again_and_again(collecting):
    """While workers verify, the parent only unpickles reports: it does not run collections over them (each would
    rescan every report received so far). Workers still collect when the caller did, and the caller's setting is
    restored afterwards."""
    import gc
    import os
    import threading

    parent = os.getpid()
    gathering: list[int] = []

    def note(phase, info):
        if phase == "start" and os.getpid() == parent and threading.current_thread() is not threading.main_thread():
            gathering.append(info["generation"])  # a collection in the pool's result thread

    was = gc.isenabled()
    gc.callbacks.append(note)
    try:
        if not collecting:
            gc.disable()
        reports = _CollectionProbe().verify_many([str(i) for i in range(2000)], workers=2)
        assert gc.isenabled() is collecting
    finally:
        gc.callbacks.remove(note)
        if was:
            gc.enable()
    assert gathering == []
    assert {r.checks[0].details["collecting"] for r in reports} == {collecting}
