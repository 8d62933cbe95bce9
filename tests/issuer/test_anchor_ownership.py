"""The outside review's attack, end to end: a stranger anchors the board's revocation list.

With a plain did:key, a stranger anchored ``{url: the board's revocation list, version: 2**53-1, sha256: the list
from before a revocation}``. The ledger accepted it, the board's next publication was refused as a rollback (its
revocations frozen), and while the old list was still served the revoked credential verified, with
``vc.ledger.status_list`` passing on the stranger's entry.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from support_ledger import did_key_entry, force_append

import vcred
from vcred.errors import LedgerError
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.testing import FIXED_NOW
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
HUGE = 2**53 - 1


@pytest.fixture
def board(tmp_path):
    """The board, with one credential issued and its lists published (version 1)."""
    from vcred.examples import board_certification_example

    local = LocalSetting(tmp_path / "data")
    account = IssuerAccount.create(local, "abr", recovery="kept offline", kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW)
    claims = board_certification_example(issuer=account.did, subject=HOLDER)["credentialSubject"]
    credential = account.issue("BoardCertificationCredential", claims, now=FIXED_NOW)
    account.publish(local, now=FIXED_NOW)
    local.trust_local_ledger()
    return local, account, credential


def strangers_anchor(url, listed, at):
    return did_key_entry(
        "stranger with a did:key",
        "status-list",
        {"url": url, "version": HUGE, "sha256": hashlib.sha256(listed).hexdigest()},
        timestamp=int(at.timestamp()),
    )


def verify(local, credential, at, url):
    """The report, and its checks by id (the ledger check of the list at ``url`` as ``vc.ledger.status_list``)."""
    report = vcred.verify_credential(credential, now=at, status_fetcher=local.fetcher(), ledger=local.client())
    checks = {c.id: c for c in report.checks if c.id != "vc.ledger.status_list" or c.details.get("list") == url}
    return report, checks


def test_the_ledger_refuses_a_strangers_anchor_of_the_boards_list(board):
    local, account, _ = board
    url = account.lists["revocation"].url
    _, entry = strangers_anchor(url, local.fetcher().fetch(url), FIXED_NOW)
    with pytest.raises(LedgerError, match=f"is anchored by {account.did}"):
        local.ledger().append([entry], now=FIXED_NOW)


def test_a_strangers_anchor_neither_freezes_nor_vouches_for_the_boards_list(board):
    """An operator that does not enforce ownership took the stranger's entry: the verifier still ignores it."""
    local, account, credential = board
    url = account.lists["revocation"].url
    before = local.fetcher().fetch(url)  # the list from before the revocation
    later = FIXED_NOW + timedelta(minutes=5)
    account.set_status(credential, "revocation", True, setting=local, now=later)
    account.publish(local, now=later)
    _, entry = strangers_anchor(url, before, later)
    force_append(local.ledger(), entry)

    local.fetcher().publish(url, before)  # a stale copy is still served (a cache, a CDN, the attacker)
    report, checks = verify(local, credential, later, url)
    assert checks["vc.status.revocation"].ok  # the old list does not show the revocation...
    stale = checks["vc.ledger.status_list"]  # ...and the ledger says it is not the board's latest
    assert not report.verified and not stale.ok and stale.details["anchored_version"] == 2

    # the board's next publication is not refused as a rollback of the stranger's version
    account.publish(local, now=later + timedelta(minutes=1))
    report, checks = verify(local, credential, later + timedelta(minutes=1), url)
    assert not report.verified and checks["vc.status.revocation"].code == "CREDENTIAL_REVOKED"
    assert checks["vc.ledger.status_list"].ok and "version 3" in checks["vc.ledger.status_list"].reason


def test_a_strangers_entry_about_the_boards_list_does_not_hold_up_its_rotation(board, monkeypatch):
    """Before rotating, the board waits until the clock leaves the last second its key was used in: its own uses."""
    import vcred.issuer
    from vcred._time import utcnow

    local, account, _ = board
    url = account.lists["revocation"].url
    _, entry = strangers_anchor(url, b"{}", utcnow() + timedelta(days=1))  # dated far ahead of the clock
    force_append(local.ledger(), entry)

    def no_waiting(seconds):
        raise AssertionError("the board waited for another DID's entry")

    monkeypatch.setattr(vcred.issuer.account.time, "sleep", no_waiting)
    account._after_last_use(local.ledger())
