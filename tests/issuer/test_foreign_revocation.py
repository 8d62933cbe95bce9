"""Revoking a credential someone issued with a leaked key of the issuer's DID (revocation only, never on an
innocent holder's index)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

import vcred
from vcred.errors import NotInIssuanceRecordError, NotIssuedHereError, UsageError
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.model.families import build_credential
from vcred.testing import FIXED_NOW
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
RECOVERY = "the board's recovery passphrase, kept offline"
STOLEN_AT = FIXED_NOW + timedelta(hours=1)
ROTATED_AT = FIXED_NOW + timedelta(days=1)
LATER = FIXED_NOW + timedelta(days=2)


@pytest.fixture
def local(tmp_path):
    return LocalSetting(tmp_path / "data")


def create(local, name="abr"):
    account = IssuerAccount.create(local, name, recovery=RECOVERY, kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW)
    if local.ledger_trust() is None:
        local.trust_local_ledger()  # the verifier's one configuration step
    return account


def claims(account):
    from vcred.examples import board_certification_example

    return board_certification_example(issuer=account.did, subject=HOLDER)["credentialSubject"]


def steal(local, tmp_path, name="abr"):
    """A thief's copy of the account file (the current key and the lists as they were), on the same ledger."""
    thief = LocalSetting(tmp_path / "thief")
    thief.issuers_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(local.issuers_dir / f"{name}.json", thief.issuers_dir / f"{name}.json")
    return thief, IssuerAccount.load(thief, name)


def index(credential, purpose="revocation"):
    from vcred.jose.vc_jwt import peek_payload

    claims = peek_payload(credential) if isinstance(credential, str) else credential
    return next(int(e["statusListIndex"]) for e in claims["credentialStatus"] if e["statusPurpose"] == purpose)


def signed_with(account, credential, *, key=None, vm=None, now=STOLEN_AT, suite="eddsa-rdfc-2022"):
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    return vcred.issue_credential(
        unsigned, key or account.key, suite=suite, verification_method=vm or account.verification_method, now=now
    )


def verify(credential, local, proof):
    return vcred.verify_credential(
        credential,
        now=LATER,
        ledger=local.client(),
        status_fetcher=local.fetcher(),
        options=vcred.VerifyOptions(anchor_proofs=[proof]),
    )


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "vc+jwt"])
def test_the_issuer_revokes_what_a_thief_issued_and_anchored_before_the_rotation(local, tmp_path, suite):
    account = create(local)
    account.publish(local, now=FIXED_NOW)
    thief_setting, stolen = steal(local, tmp_path)
    forged = stolen.issue("BoardCertificationCredential", claims(stolen), now=STOLEN_AT, suite=suite)
    (proof,) = stolen.anchor([forged], thief_setting, now=STOLEN_AT, ledger=local.ledger())
    account.rotate(local, recovery=RECOVERY, now=ROTATED_AT)
    account.publish(local, now=LATER)
    assert verify(forged, local, proof).verified  # SECURITY.md: valid until the issuer revokes it

    with pytest.raises(NotInIssuanceRecordError, match="did not issue this credential") as refused:
        account.set_status(forged, "revocation", True, setting=local, now=LATER)
    assert "--not-issued-here" in (refused.value.hint or "")
    plan = account.foreign_revocation(forged, setting=local, now=LATER)
    assert plan.index == index(forged) and plan.signed_by.endswith("#key-1") and not plan.current_key
    assert not account.lists["revocation"].is_set(plan.index)  # a plan changes nothing
    done = account.revoke_not_issued_here(forged, setting=local, now=LATER)
    assert done == plan
    account.save(local)
    account.publish(local, now=LATER)
    report = verify(forged, local, proof)
    assert not report.verified and "CREDENTIAL_REVOKED" in {c.code for c in report.failures}

    # auditable, and the index is never given to a credential of the issuer's
    again = IssuerAccount.load(local, "abr")
    assert again.revoked_foreign == {plan.index: [plan.credential_hash]}
    assert plan.index not in again.issued.get("revocation", {})
    assert again.lists["revocation"].is_allocated(plan.index)
    unsigned = build_credential("BoardCertificationCredential", claims(again), issuer=again.did, valid_from=LATER)
    reuse = {**unsigned, "credentialStatus": [again.lists["revocation"].entry(plan.index)]}
    with pytest.raises(UsageError, match="already given"):
        again.sign(reuse, now=LATER)
    # revoking it again changes nothing and records nothing twice
    again.revoke_not_issued_here(forged, setting=local, now=LATER)
    assert again.revoked_foreign == {plan.index: [plan.credential_hash]}


def test_before_the_rotation_too_with_the_current_key(local, tmp_path):
    account = create(local)
    _, stolen = steal(local, tmp_path)
    forged = stolen.issue("BoardCertificationCredential", claims(stolen), now=STOLEN_AT)
    plan = account.revoke_not_issued_here(forged, setting=local, now=STOLEN_AT)
    assert plan.current_key and account.lists["revocation"].is_set(plan.index)


def test_refused_when_the_index_belongs_to_a_credential_the_issuer_recorded(local, tmp_path):
    account = create(local)
    _, stolen = steal(local, tmp_path)
    innocent = account.issue("BoardCertificationCredential", claims(account), now=STOLEN_AT)
    # the thief puts the innocent holder's revocation index on its own credential, signed with the stolen key
    mine = stolen.issue("BoardCertificationCredential", claims(stolen), now=STOLEN_AT)
    shared = {
        **mine,
        "credentialStatus": [
            {**e, "statusListIndex": str(index(innocent))} if e["statusPurpose"] == "revocation" else e
            for e in mine["credentialStatus"]
        ],
    }
    forged = signed_with(stolen, shared)
    account.rotate(local, recovery=RECOVERY, now=ROTATED_AT)
    before = account.lists["revocation"].to_json()
    with pytest.raises(NotIssuedHereError, match="innocent holder's credential") as refused:
        account.revoke_not_issued_here(forged, setting=local, now=LATER)
    assert "shares that index" in str(refused.value) and f"index {index(innocent)}" in str(refused.value)
    assert account.lists["revocation"].to_json() == before and not account.revoked_foreign


def test_refused_when_the_index_was_handed_out_without_a_record(local):
    """An index the list handed out but no record names (an account older than the record, or a credential signed
    outside it) may be an innocent holder's: refused rather than guessed."""
    account = create(local)
    unsigned = build_credential(
        "BoardCertificationCredential", claims(account), issuer=account.did, valid_from=FIXED_NOW
    )
    outside = vcred.issue_credential(
        account.attach_status(unsigned), account.key, verification_method=account.verification_method, now=FIXED_NOW
    )
    with pytest.raises(NotIssuedHereError, match="no credential is recorded"):
        account.revoke_not_issued_here(outside, setting=local, now=FIXED_NOW)
    assert not account.lists["revocation"].is_set(index(outside))


def test_suspension_and_reinstatement_of_an_unrecorded_credential_stay_refused(local, tmp_path):
    account = create(local)
    _, stolen = steal(local, tmp_path)
    forged = stolen.issue("BoardCertificationCredential", claims(stolen), now=STOLEN_AT)
    account.rotate(local, recovery=RECOVERY, now=ROTATED_AT)
    suspension = account.lists["suspension"].to_json()
    for value in (True, False):
        with pytest.raises(NotInIssuanceRecordError) as refused:
            account.set_status(forged, "suspension", value, setting=local, now=LATER)
        assert "not-issued-here" not in (refused.value.hint or "")
    account.revoke_not_issued_here(forged, setting=local, now=LATER)
    for purpose, value in (("suspension", False), ("suspension", True), ("revocation", False)):
        with pytest.raises(NotInIssuanceRecordError):
            account.set_status(forged, purpose, value, setting=local, now=LATER)
    assert account.lists["suspension"].to_json() == suspension


def test_a_credential_of_another_did_is_refused(local):
    account = create(local)
    other = create(local, "nbme")
    theirs = other.issue("BoardCertificationCredential", claims(other), now=FIXED_NOW)
    with pytest.raises(NotIssuedHereError, match="not issued by abr"):
        account.revoke_not_issued_here(theirs, setting=local, now=FIXED_NOW)
    # another DID's key, claiming this issuer and pointing at its list: the signature is not of this DID's history
    entry = account.lists["revocation"].entry(account.lists["revocation"].allocate())
    claimed = build_credential(
        "BoardCertificationCredential", claims(account), issuer=account.did, valid_from=FIXED_NOW
    )
    forged = signed_with(account, {**claimed, "credentialStatus": [entry]}, key=other.key, now=FIXED_NOW)
    with pytest.raises(NotIssuedHereError, match="does not verify"):
        account.revoke_not_issued_here(forged, setting=local, now=FIXED_NOW)
    assert not account.revoked_foreign and not account.lists["revocation"].is_set(int(entry["statusListIndex"]))


def test_an_entry_on_another_list_or_an_edited_copy_is_refused(local, tmp_path):
    account = create(local)
    _, stolen = steal(local, tmp_path)
    elsewhere = build_credential(
        "BoardCertificationCredential", claims(stolen), issuer=stolen.did, valid_from=STOLEN_AT
    )
    entry = {
        "id": "https://status.example/other#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://status.example/other",
    }
    off_list = signed_with(stolen, {**elsewhere, "credentialStatus": [entry]})
    with pytest.raises(NotIssuedHereError, match="no revocation entry on abr's list"):
        account.revoke_not_issued_here(off_list, setting=local, now=STOLEN_AT)
    forged = stolen.issue("BoardCertificationCredential", claims(stolen), now=STOLEN_AT)
    edited = {
        **forged,
        "credentialStatus": [{**e, "statusListIndex": "7"} for e in forged["credentialStatus"]],
    }
    with pytest.raises(NotIssuedHereError, match="does not verify"):
        account.revoke_not_issued_here(edited, setting=local, now=STOLEN_AT)
    assert not account.revoked_foreign
