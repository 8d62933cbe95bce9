"""Issuer accounts: issuing with anchors, and key rotation that survives a crash between ledger and account file."""

from __future__ import annotations

from datetime import timedelta

import pytest

import vcred
from vcred.did.ledger import replay, rotate_event
from vcred.errors import UsageError
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.model.families import build_credential
from vcred.testing import FIXED_NOW

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture
def local(tmp_path):
    return LocalSetting(tmp_path / "data")


def board(account, now=FIXED_NOW):
    from vcred.examples import board_certification_example

    claims = board_certification_example(issuer=account.did, subject=HOLDER)["credentialSubject"]
    return account.sign(
        build_credential("BoardCertificationCredential", claims, issuer=account.did, valid_from=now), now=now
    )


def test_rotation_switches_keys_and_anchored_credentials_survive_it(local):
    account = IssuerAccount.create(local, "abr", now=FIXED_NOW)
    first_next = account.next_key
    old = board(account)
    (proof,) = account.anchor([old], local, now=FIXED_NOW)
    account.rotate(local, now=FIXED_NOW + timedelta(days=1))
    assert account.verification_method.endswith("#key-2") and account.key == first_next
    reloaded = IssuerAccount.load(local, "abr")
    assert reloaded.verification_method == account.verification_method and reloaded.pending_following is None
    later = FIXED_NOW + timedelta(days=2)
    local.trust_local_ledger()  # the verifier's one configuration step
    client = local.client()
    assert vcred.verify_credential(
        old, now=later, ledger=client, options=vcred.VerifyOptions(anchor_proofs=[proof])
    ).verified
    assert not vcred.verify_credential(old, now=later, ledger=client).verified
    assert vcred.verify_credential(board(reloaded, now=later), now=later, ledger=client).verified
    # and again: each rotation reveals the key committed by the previous one
    reloaded.rotate(local, now=later)
    assert reloaded.verification_method.endswith("#key-3")


def test_a_crash_after_the_ledger_recorded_the_rotation_is_finished_on_load(local):
    account = IssuerAccount.create(local, "abr", now=FIXED_NOW)
    from vcred.crypto.keys import Ed25519SigningKey

    following = Ed25519SigningKey.generate()
    account.pending_following = following
    account.save(local)  # what rotate() saves before appending
    ledger = local.ledger()
    event = rotate_event(
        account.did,
        version=1,
        current_key=account.key,
        new_key=account.next_key,
        following_key=following.public_key,
        previous_leaf=ledger.did_events(account.did)[-1][1],
        timestamp=int(FIXED_NOW.timestamp()),
    )
    ledger.append([event], now=FIXED_NOW)
    # ...the process dies here, before the account file learns of the new key
    recovered = IssuerAccount.load(local, "abr")
    assert recovered.verification_method.endswith("#key-2")
    assert recovered.next_key is not None and recovered.next_key.public_key == following.public_key
    state = replay(account.did, local.ledger().did_events(account.did))
    assert state.current.key == recovered.key.public_key


def test_a_crash_before_the_ledger_saw_the_rotation_forgets_it(local):
    account = IssuerAccount.create(local, "abr", now=FIXED_NOW)
    from vcred.crypto.keys import Ed25519SigningKey

    account.pending_following = Ed25519SigningKey.generate()
    account.save(local)
    recovered = IssuerAccount.load(local, "abr")
    assert recovered.verification_method.endswith("#key-1") and recovered.pending_following is None
    assert recovered.key.public_key == account.key.public_key


def test_did_key_issuers_cannot_rotate_and_empty_batches_are_refused(local):
    account = IssuerAccount.create(local, "cme", anchored=False, now=FIXED_NOW)
    with pytest.raises(UsageError, match="cannot rotate"):
        account.rotate(local)
    with pytest.raises(UsageError, match="at least one"):
        account.anchor([], local)


def test_processes_issuing_as_the_same_issuer_take_turns(local, tmp_path):
    """Without the account lock two processes draw indexes from the same saved state (one index, two credentials)
    and publish the same list version twice (the ledger refuses the second as a rollback)."""
    import json
    import subprocess
    import sys

    IssuerAccount.create(local, "abr", now=FIXED_NOW)
    script = f"""
import json, sys
from vcred.examples import board_certification_example
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.model.families import build_credential
local = LocalSetting({str(local.root)!r})
out = []
for _ in range(8):
    with IssuerAccount.editing(local, "abr") as account:
        claims = board_certification_example(issuer=account.did, subject={HOLDER!r})["credentialSubject"]
        credential = account.issue("BoardCertificationCredential", claims)
        account.publish(local)
        out.append([e["statusListIndex"] for e in credential["credentialStatus"]])
print(json.dumps(out))
"""
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [r.communicate(timeout=120)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0, 0]
    indexes = [tuple(pair) for out in outputs for pair in json.loads(out)]
    assert len(indexes) == 24 and len({i[0] for i in indexes}) == 24 and len({i[1] for i in indexes}) == 24
    account = IssuerAccount.load(local, "abr")
    assert {p: sl.version for p, sl in account.lists.items()} == {"revocation": 24, "suspension": 24}
    assert all(sl.allocated_count == 24 for sl in account.lists.values())


def test_a_revocation_survives_a_crash_between_publishing_and_saving(local):
    from vcred.status import check_status

    account = IssuerAccount.create(local, "abr", now=FIXED_NOW)
    credential = account.issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW)
    account.publish(local, now=FIXED_NOW)
    account.set_status(credential, "revocation", True)

    class KilledError(Exception):
        pass

    class DyingLedger:
        def append(self, entries, now=None):
            raise KilledError  # the process dies after the list files went out, before the ledger saw them

    with pytest.raises(KilledError):
        account.publish(local, now=FIXED_NOW, ledger=DyingLedger())  # type: ignore[arg-type]
    again = IssuerAccount.load(local, "abr")
    index = int(credential["credentialStatus"][0]["statusListIndex"])
    assert again.lists["revocation"].is_set(index) and again.lists["revocation"].version == 2
    again.publish(local, now=FIXED_NOW)  # version 3: advances past what the dead run may have shown
    local.trust_local_ledger()  # the verifier's one configuration step
    client = local.client()
    checks = check_status(
        credential,
        fetcher=local.fetcher(),
        verify_list=lambda text: vcred.verify_credential(text, now=FIXED_NOW, ledger=client),
        now=FIXED_NOW,
    )
    assert [c.code for c in checks if not c.ok] == ["CREDENTIAL_REVOKED"]


def _claims(account):
    from vcred.examples import board_certification_example

    return board_certification_example(issuer=account.did, subject=HOLDER)["credentialSubject"]


def test_signing_before_the_key_came_into_force_is_refused(local):
    account = IssuerAccount.create(local, "abr", now=FIXED_NOW)
    with pytest.raises(UsageError, match="in force only since"):
        account.issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW - timedelta(seconds=1))
    with pytest.raises(UsageError, match="in force only since"):
        account.publish(local, now=FIXED_NOW - timedelta(days=1))
    account.rotate(local, now=FIXED_NOW + timedelta(days=1))
    with pytest.raises(UsageError, match="#key-2 is in force only since"):
        IssuerAccount.load(local, "abr").issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW)
