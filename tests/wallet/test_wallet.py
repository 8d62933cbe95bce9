"""Wallet: encryption, wrong passphrase, damage detection, verified imports, selection, presentations, backups."""

from __future__ import annotations

import datetime as dt

import pytest

import vcred
from vcred.errors import CorruptWalletError, UsageError, WalletError, WrongPassphraseError
from vcred.examples import ISSUER_NAMES, ISSUER_ROLES, RADIOLOGIST_NAME, RADIOLOGIST_NPI, radiologist_credentials
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

KEYS = {role: insecure_seeded_key(f"wallet {role}") for role in ISSUER_ROLES}
ISSUERS = {role: key.public_key.did_key for role, key in KEYS.items()}
ROLE = {did: role for role, did in ISSUERS.items()}
PASS = "correct horse battery staple"


def issued_for(holder, suite="eddsa-rdfc-2022"):
    return [
        vcred.issue_credential(c, KEYS[ROLE[c["issuer"]]], suite=suite, now=FIXED_NOW)
        for c in radiologist_credentials(ISSUERS, holder, now=FIXED_NOW)
    ]


@pytest.fixture
def wallet(tmp_path):
    return Wallet.create(tmp_path / "wallet.vcw", PASS, kdf=UNSAFE_FAST_KDF_FOR_TESTS)


@pytest.fixture
def full(wallet):
    for credential in issued_for(wallet.holder_did):
        wallet.import_credential(credential, now=FIXED_NOW)
    return wallet


def test_round_trip_and_categories(full):
    again = Wallet.open(full.path, PASS)
    assert len(again.credentials) == 12 and again.holder_did == full.holder_did
    assert {c.category for c in again.credentials} == {"education", "board", "cme", "malpractice", "license"}


def test_nothing_readable_without_the_passphrase(full):
    data = full.path.read_bytes()
    distinctive = [
        RADIOLOGIST_NAME,
        RADIOLOGIST_NPI,
        "Okafor",
        "BoardCertificationCredential",
        "Neuroradiology",
        "KPM-NY-0048213",
        full.holder_did,
        *ISSUER_NAMES.values(),
        *ISSUERS.values(),
    ]
    for text in distinctive:
        assert text.encode() not in data, text


def test_wrong_passphrase(full):
    with pytest.raises(WrongPassphraseError):
        Wallet.open(full.path, "wrong")


@pytest.mark.parametrize("where", [0, 5, 40, 100, -1, -200])
def test_a_flipped_byte_is_detected(full, where):
    data = bytearray(full.path.read_bytes())
    data[where] ^= 0x01
    full.path.write_bytes(bytes(data))
    with pytest.raises(CorruptWalletError):
        Wallet.open(full.path, PASS)


def test_truncated_file(full):
    full.path.write_bytes(full.path.read_bytes()[:-10])
    with pytest.raises(CorruptWalletError):
        Wallet.open(full.path, PASS)


def test_import_refuses_someone_elses_credential(wallet):
    other = issued_for(insecure_seeded_key("another radiologist").public_key.did_key)[0]
    with pytest.raises(WalletError, match="not to this wallet's holder"):
        wallet.import_credential(other, now=FIXED_NOW)
    flagged = wallet.import_credential(other, now=FIXED_NOW, allow_foreign=True)
    assert flagged.flagged and len(wallet.credentials) == 1
    with pytest.raises(UsageError, match="nothing in the wallet"):  # flagged credentials are never presented
        wallet.select(categories=["education"])


def test_import_refuses_unverifiable_credentials(wallet):
    credential = issued_for(wallet.holder_did)[3]
    credential["credentialSubject"]["certificationStatus"] = "certified"
    credential["credentialSubject"]["specialty"] = "Radiation Oncology"
    with pytest.raises(WalletError, match="does not verify"):
        wallet.import_credential(credential, now=FIXED_NOW)
    with pytest.raises(WalletError):
        wallet.import_credential("not a credential", now=FIXED_NOW)


def test_jwt_credentials_and_duplicates(wallet):
    jwt = issued_for(wallet.holder_did, suite="vc+jwt")[0]
    first = wallet.import_credential(jwt, now=FIXED_NOW)
    second = wallet.import_credential(jwt, now=FIXED_NOW)
    assert first.id == second.id and first.form == "jwt" and len(wallet.credentials) == 1


def test_select_present_and_log(full):
    chosen = full.select(categories=["board", "cme"])
    assert {c.category for c in chosen} == {"board", "cme"}
    vp = full.present(
        categories=["board", "cme"],
        challenge="n-1",
        domain="stmarys.example",
        expires=dt.timedelta(hours=48),
        now=FIXED_NOW,
        purpose="medical staff appointment",
    )
    report = vcred.verify_presentation(vp, challenge="n-1", domain="stmarys.example", now=FIXED_NOW)
    assert report.verified and len(report.credentials) == len(chosen)
    [entry] = Wallet.open(full.path, PASS).log
    assert entry["domain"] == "stmarys.example" and entry["categories"] == ["board", "cme"]
    with pytest.raises(UsageError):
        full.select(categories=["hobbies"])


def test_remove_backup_restore(full, tmp_path):
    backup = full.backup(tmp_path / "backup.vcw")
    removed = full.remove(full.credentials[0].id[:8])
    assert removed.id not in [c.id for c in Wallet.open(full.path, PASS).credentials]
    with pytest.raises(UsageError):
        Wallet.restore(backup, full.path, PASS)
    restored = Wallet.restore(backup, full.path, PASS, overwrite=True)
    assert len(restored.credentials) == 12
    with pytest.raises(WrongPassphraseError):
        Wallet.restore(backup, tmp_path / "other.vcw", "wrong")


def test_create_refuses_to_overwrite(full):
    with pytest.raises(UsageError, match="already exists"):
        Wallet.create(full.path, PASS, kdf=UNSAFE_FAST_KDF_FOR_TESTS)


def test_anchor_proofs_are_checked_kept_and_presented(wallet):
    from vcred.ledger import build_batch

    board, license_ = [
        c
        for c in issued_for(wallet.holder_did)
        if set(c["type"]) & {"BoardCertificationCredential", "MedicalLicenseCredential"}
    ]
    _, (board_proof, license_proof) = build_batch([board, license_])
    with pytest.raises(WalletError, match="different credential"):
        wallet.import_credential(board, anchor_proof=license_proof, now=FIXED_NOW)
    with pytest.raises(WalletError, match="malformed"):
        wallet.import_credential(board, anchor_proof={"type": "BatchAnchorProof"}, now=FIXED_NOW)
    stored = wallet.import_credential(board, now=FIXED_NOW)
    assert stored.anchor_proof is None
    # importing again with its proof adds the proof, in the encrypted file
    again = wallet.import_credential(board, anchor_proof=board_proof.to_json(), now=FIXED_NOW)
    assert again.id == stored.id and again.anchor_proof == board_proof.to_json()
    assert Wallet.open(wallet.path, PASS).get(stored.id).anchor_proof == board_proof.to_json()
    assert board_proof.root.hex().encode() not in wallet.path.read_bytes()
    wallet.import_credential(license_, now=FIXED_NOW)
    vp = wallet.present(
        challenge="n", domain="d.example", expires=dt.timedelta(hours=1), categories=["board", "license"], now=FIXED_NOW
    )
    assert vp["anchorProofs"] == [board_proof.to_json()]
    assert "https://w3id.org/vcred/v1" in vp["@context"]
    report = vcred.verify_presentation(vp, challenge="n", domain="d.example", now=FIXED_NOW)
    assert report.verified, report.failures


def test_import_through_a_verifier_with_the_ledger_and_status_lists(tmp_path):
    """The wallet verifies with the caller's Verifier (status lists, ledger, the anchor proof) and files the
    credential under what the verified view says; its id is the credential hash used everywhere else."""
    import vcred
    from vcred.ledger.anchors import credential_hash
    from vcred.testing import CredentialingWorld

    world = CredentialingWorld.create(tmp_path / "world")
    wallet = Wallet.create(tmp_path / "w.vcw", "pw", kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    mine = world.issue("BoardCertificationCredential", issuer="board", claims={"id": wallet.holder_did})
    with pytest.raises(vcred.errors.WalletError, match="does not verify"):
        wallet.import_credential(mine, now=world.now)  # offline: cannot check its status or its did:vcred issuer
    stored = wallet.import_credential(mine, verify=vcred.Verifier.from_local(world.setting), now=world.now)
    assert stored.id == f"c-{credential_hash(mine).hex()[:16]}"
    assert stored.category == "board" and stored.issuer == world.did("board")
