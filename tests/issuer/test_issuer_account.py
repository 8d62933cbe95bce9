"""Issuer accounts: issuing with anchors, and key rotation that survives a crash between ledger and account file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import vcred
from vcred.did.ledger import replay
from vcred.errors import NotIssuedHereError, UsageError
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.model.families import build_credential
from vcred.testing import FIXED_NOW
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
RECOVERY = "the board's recovery passphrase, kept offline"


@pytest.fixture
def local(tmp_path):
    return LocalSetting(tmp_path / "data")


def board(account, now=FIXED_NOW):
    from vcred.examples import board_certification_example

    claims = board_certification_example(issuer=account.did, subject=HOLDER)["credentialSubject"]
    return account.sign(
        build_credential("BoardCertificationCredential", claims, issuer=account.did, valid_from=now), now=now
    )


def create(local, name="abr", **kw):
    return IssuerAccount.create(local, name, recovery=RECOVERY, kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW, **kw)


def test_rotation_switches_keys_and_anchored_credentials_survive_it(local):
    account = create(local)
    old = board(account)
    (proof,) = account.anchor([old], local, now=FIXED_NOW)
    account.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=1))
    assert account.verification_method.endswith("#key-2")
    state = replay(account.did, local.ledger().did_events(account.did))
    assert state.current.key == account.key.public_key
    reloaded = IssuerAccount.load(local, "abr")
    assert reloaded.verification_method == account.verification_method and not reloaded.rotation_started
    later = FIXED_NOW + timedelta(days=2)
    local.trust_local_ledger()  # the verifier's one configuration step
    client = local.client()
    assert vcred.verify_credential(
        old, now=later, ledger=client, options=vcred.VerifyOptions(anchor_proofs=[proof])
    ).verified
    assert not vcred.verify_credential(old, now=later, ledger=client).verified
    assert vcred.verify_credential(board(reloaded, now=later), now=later, ledger=client).verified
    # and again: each rotation reveals the key committed by the previous one, sealed in the recovery file
    reloaded.rotate(local, recovery=RECOVERY, now=later)
    assert reloaded.verification_method.endswith("#key-3")


class KilledError(Exception):
    pass


class DyingLedger:
    """The ledger, with the process dying just before or just after it appends."""

    def __init__(self, ledger, *, after):
        self.ledger, self.after = ledger, after

    def __getattr__(self, name):
        return getattr(self.ledger, name)

    def append(self, entries, now=None):
        if self.after:
            self.ledger.append(entries, now=now)
        raise KilledError


def test_a_crash_after_the_ledger_recorded_the_rotation_is_finished_by_rotate(local):
    account = create(local)
    with pytest.raises(KilledError):
        account.rotate(local, recovery=RECOVERY, now=FIXED_NOW, ledger=DyingLedger(local.ledger(), after=True))
    # ...the process died before the account file learned of the new key: the old one is retired and refused
    recovered = IssuerAccount.load(local, "abr")
    assert recovered.verification_method.endswith("#key-1") and recovered.rotation_started
    with pytest.raises(UsageError, match="interrupted"):
        recovered.issue("BoardCertificationCredential", _claims(recovered), now=FIXED_NOW)
    recovered.rotate(local, recovery=RECOVERY)  # finishes that rotation, appends nothing
    state = replay(account.did, local.ledger().did_events(account.did))
    assert state.version == 2 and state.current.key == recovered.key.public_key
    assert recovered.verification_method.endswith("#key-2") and not recovered.rotation_started
    later = FIXED_NOW + timedelta(days=1)
    recovered.rotate(local, recovery=RECOVERY, now=later)  # the key committed to in the interrupted rotation
    assert IssuerAccount.load(local, "abr").verification_method.endswith("#key-3")


def test_a_crash_before_the_ledger_saw_the_rotation_forgets_it(local):
    account = create(local)
    with pytest.raises(KilledError):
        account.rotate(local, recovery=RECOVERY, now=FIXED_NOW, ledger=DyingLedger(local.ledger(), after=False))
    recovered = IssuerAccount.load(local, "abr")
    assert recovered.verification_method.endswith("#key-1") and not recovered.rotation_started
    assert recovered.key.public_key == account.key.public_key
    recovered.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=1))
    assert recovered.verification_method.endswith("#key-2")


def test_a_crash_between_saving_the_account_and_resealing_loses_no_key(local, monkeypatch):
    import vcred.issuer.account as issuer_module

    account = create(local)
    calls = []
    real = issuer_module.seal_keys

    def seal_then_die(*args, **kw):
        calls.append(args)
        if len(calls) == 2:  # the reseal after the account file holds the new key
            raise KilledError
        real(*args, **kw)

    monkeypatch.setattr(issuer_module, "seal_keys", seal_then_die)
    with pytest.raises(KilledError):
        account.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=1))
    monkeypatch.setattr(issuer_module, "seal_keys", real)
    again = IssuerAccount.load(local, "abr")
    assert again.verification_method.endswith("#key-2") and not again.rotation_started
    again.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=2))
    assert again.verification_method.endswith("#key-3")


def test_a_copy_of_the_account_file_cannot_take_the_did_over(local, tmp_path):
    """Finding A: the account file held the current and the next key; a thief copying it rotated twice and ended
    on a key only they held. Now the next key is sealed under the recovery passphrase in another file."""
    import json
    import shutil

    from vcred.did.ledger import commitment

    account = create(local)
    text = (local.issuers_dir / "abr.json").read_text()
    keys = [key for v in _strings(json.loads(text)) if (key := _secret_key(v)) is not None]
    state = replay(account.did, local.ledger().did_events(account.did))
    assert [k.public_key for k in keys] == [account.key.public_key]  # the current key, nothing else
    assert not any(commitment(k.public_key) == state.next_commitment for k in keys)
    recovery_file = IssuerAccount.recovery_path(local, "abr")
    assert account.key.secret_multibase not in recovery_file.read_text()

    thief = LocalSetting(tmp_path / "thief")
    thief.issuers_dir.mkdir(parents=True)
    shutil.copy(local.issuers_dir / "abr.json", thief.issuers_dir / "abr.json")
    stolen = IssuerAccount.load(thief, "abr")
    later = FIXED_NOW + timedelta(days=1)
    with pytest.raises(UsageError, match="no recovery file"):
        stolen.rotate(thief, recovery="a guess", now=later, ledger=local.ledger())
    shutil.copy(recovery_file, IssuerAccount.recovery_path(thief, "abr"))  # the whole directory, then
    with pytest.raises(vcred.errors.WrongPassphraseError):
        stolen.rotate(thief, recovery="a guess", now=later, ledger=local.ledger())
    assert replay(account.did, local.ledger().did_events(account.did)).version == 1
    # the issuer, with its recovery passphrase, rotates away from the copied key
    account.rotate(local, recovery=RECOVERY, now=later)
    assert account.verification_method.endswith("#key-2") and account.key.public_key != stolen.key.public_key


def test_an_old_account_file_with_its_next_key_rotates_once_and_then_keeps_no_next_key(local):
    import json

    from vcred.crypto.keys import Ed25519SigningKey
    from vcred.did.ledger import create_event

    next_key, key = Ed25519SigningKey.generate(), Ed25519SigningKey.generate()
    did, event = create_event(key, next_key.public_key, timestamp=int(FIXED_NOW.timestamp()))
    local.ledger().append([event], now=FIXED_NOW)
    account = IssuerAccount(
        "abr", did, key, f"{did}#key-1", key_since=int(FIXED_NOW.timestamp()), legacy_next_key=next_key
    )
    account.save(local)  # the layout earlier versions wrote: nextKey in the account file
    assert json.loads((local.issuers_dir / "abr.json").read_text())["nextKey"] == next_key.secret_multibase
    old = IssuerAccount.load(local, "abr")
    old.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=1), kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    assert old.key.public_key == next_key.public_key
    assert "nextKey" not in json.loads((local.issuers_dir / "abr.json").read_text())
    old.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=2))
    assert old.verification_method.endswith("#key-3")


def test_only_the_issuer_with_its_recovery_passphrase_deactivates(local, tmp_path):
    """Finding B, through the account: a copy of the account file (the current key) cannot deactivate the DID; the
    issuer can, and then signs nothing more."""
    import shutil

    account = create(local)
    credential = board(account)
    (proof,) = account.anchor([credential], local, now=FIXED_NOW)
    thief = LocalSetting(tmp_path / "thief")
    thief.issuers_dir.mkdir(parents=True)
    shutil.copy(local.issuers_dir / "abr.json", thief.issuers_dir / "abr.json")
    later = FIXED_NOW + timedelta(days=1)
    with pytest.raises(UsageError, match="no recovery file"):
        IssuerAccount.load(thief, "abr").deactivate(thief, recovery="a guess", now=later, ledger=local.ledger())
    local.trust_local_ledger()  # the verifier's one configuration step
    assert not local.client().did_resolver().resolve(account.did).deactivated
    account.deactivate(local, recovery=RECOVERY, now=later)
    client = local.client()
    assert client.did_resolver().resolve(account.did).deactivated
    with pytest.raises(UsageError, match="deactivated"):
        IssuerAccount.load(local, "abr").issue("BoardCertificationCredential", _claims(account), now=later)
    with pytest.raises(UsageError, match="deactivated"):
        account.rotate(local, recovery=RECOVERY, now=later)
    # what it issued before, anchored, still verifies
    options = vcred.VerifyOptions(anchor_proofs=[proof])
    assert vcred.verify_credential(credential, now=later, ledger=client, options=options).verified


def _secret_key(text):
    from vcred.crypto.keys import Ed25519SigningKey
    from vcred.errors import KeyFormatError

    try:
        return Ed25519SigningKey.from_multibase(text)
    except KeyFormatError:
        return None


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_did_key_issuers_cannot_rotate_and_empty_batches_are_refused(local):
    account = IssuerAccount.create(local, "cme", anchored=False, now=FIXED_NOW)
    with pytest.raises(UsageError, match="cannot rotate"):
        account.rotate(local, recovery=RECOVERY)
    with pytest.raises(UsageError, match="at least one"):
        account.anchor([], local)


def test_processes_issuing_as_the_same_issuer_take_turns(local, tmp_path):
    """Without the account lock two processes draw indexes from the same saved state (one index, two credentials)
    and publish the same list version twice (the ledger refuses the second as a rollback)."""
    import json
    import subprocess
    import sys

    create(local)
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

    account = create(local)
    credential = account.issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW)
    account.publish(local, now=FIXED_NOW)
    account.set_status(credential, "revocation", True, setting=local, now=FIXED_NOW)

    with pytest.raises(KilledError):  # the process dies after the list files went out, before the ledger saw them
        account.publish(local, now=FIXED_NOW, ledger=DyingLedger(local.ledger(), after=False))
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
    account = create(local)
    with pytest.raises(UsageError, match="in force only since"):
        account.issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW - timedelta(seconds=1))
    with pytest.raises(UsageError, match="in force only since"):
        account.publish(local, now=FIXED_NOW - timedelta(days=1))
    account.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=1))
    with pytest.raises(UsageError, match="#key-2 is in force only since"):
        IssuerAccount.load(local, "abr").issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW)


def _with_index(credential, purpose, index):
    edited = json.loads(json.dumps(credential))
    for entry in edited["credentialStatus"]:
        if entry["statusPurpose"] == purpose:
            entry["statusListIndex"] = str(index)
    return edited


def _index(credential, purpose):
    return next(int(e["statusListIndex"]) for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)


def test_a_status_change_acts_only_on_the_credential_as_issued(local):
    """Finding C: set_status trusted the index in whatever file it was given; a holder edited hers to a
    colleague's and the colleague's credential was revoked. Now the credential must verify as this issuer's and
    match its issuance record for that index."""
    account = create(local)
    mine = account.issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW)
    colleague = account.issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW)
    account.publish(local, now=FIXED_NOW)
    before = account.lists["revocation"].to_json()
    target = _index(colleague, "revocation")
    edited = _with_index(mine, "revocation", target)
    with pytest.raises(NotIssuedHereError, match="does not verify"):
        account.set_status(edited, "revocation", True, setting=local, now=FIXED_NOW)
    # even re-signed with the issuer's own key (a stolen copy of it), it is not what the issuer recorded
    resigned = vcred.issue_credential(
        {k: v for k, v in edited.items() if k != "proof"},
        account.key,
        verification_method=account.verification_method,
        now=FIXED_NOW,
    )
    with pytest.raises(NotIssuedHereError, match="did not issue this credential"):
        account.set_status(resigned, "revocation", True, setting=local, now=FIXED_NOW)
    assert account.lists["revocation"].to_json() == before and not account.lists["revocation"].is_set(target)
    # the unedited one works, in a later process too
    again = IssuerAccount.load(local, "abr")
    assert again.set_status(mine, "revocation", True, setting=local, now=FIXED_NOW) == _index(mine, "revocation")
    assert again.lists["revocation"].is_set(_index(mine, "revocation")) and not again.lists["revocation"].is_set(target)


def test_a_status_change_refuses_another_issuers_credential_and_one_without_a_record(local):
    account = create(local)
    other = create(local, "nbme")
    theirs = other.issue("BoardCertificationCredential", _claims(other), now=FIXED_NOW)
    with pytest.raises(NotIssuedHereError, match="not issued by abr"):
        account.set_status(theirs, "revocation", True, setting=local, now=FIXED_NOW)
    # the other issuer's credential claiming this issuer, with its list URL: the signature is not this issuer's
    claimed = {**theirs, "issuer": account.did}
    with pytest.raises(NotIssuedHereError, match="does not verify"):
        account.set_status(claimed, "revocation", True, setting=local, now=FIXED_NOW)
    # signed with this issuer's key, on its lists, but not through the account (so never recorded)
    before = {p: sl.to_json() for p, sl in account.lists.items()}
    unrecorded = vcred.issue_credential(
        account.attach_status(_unsigned(account)),
        account.key,
        verification_method=account.verification_method,
        now=FIXED_NOW,
    )
    account.lists = {p: type(sl).from_json(before[p]) for p, sl in account.lists.items()}
    with pytest.raises(NotIssuedHereError, match="did not issue this credential"):
        account.set_status(unrecorded, "revocation", True, setting=local, now=FIXED_NOW)
    assert {p: sl.to_json() for p, sl in account.lists.items()} == before
    without = account.sign(_unsigned(account), now=FIXED_NOW)
    with pytest.raises(UsageError, match="no revocation entry"):
        account.set_status(without, "revocation", True, setting=local, now=FIXED_NOW)


def test_status_changes_work_for_vc_jwt_and_after_a_rotation(local):
    account = create(local)
    token = account.issue("BoardCertificationCredential", _claims(account), now=FIXED_NOW, suite="vc+jwt")
    account.publish(local, now=FIXED_NOW)
    later = FIXED_NOW + timedelta(days=1)
    account.rotate(local, recovery=RECOVERY, now=later)
    # signed by the retired key: still this issuer's, resolved as of its signing time
    assert account.set_status(token, "suspension", True, setting=local, now=later) >= 0
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(NotIssuedHereError):
        account.set_status(tampered, "suspension", False, setting=local, now=later)
    with pytest.raises(UsageError, match="already given"):
        account.sign(
            account.attach_status({k: v for k, v in _unsigned(account).items()})
            | {"credentialStatus": [account.lists["revocation"].entry(_index(peek(token), "revocation"))]},
            now=later,
        )


def _unsigned(account):
    return build_credential("BoardCertificationCredential", _claims(account), issuer=account.did, valid_from=FIXED_NOW)


def peek(token):
    from vcred.jose.vc_jwt import peek_payload

    return peek_payload(token)
