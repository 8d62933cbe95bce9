"""Recovery files: one Argon2id derivation per rotation, a fresh nonce per seal, the header still authenticated."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import vcred.crypto.sealed_keys as sealed_keys
from vcred.crypto.keys import Ed25519SigningKey
from vcred.crypto.sealed_keys import RecoveryKey, open_keys, seal_keys
from vcred.crypto.sealing import INTERACTIVE_KDF
from vcred.errors import WrongPassphraseError
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.testing import FIXED_NOW
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS

RECOVERY = "the board's recovery passphrase, kept offline"
DID = "did:vcred:example"


@pytest.fixture
def local(tmp_path):
    return LocalSetting(tmp_path / "data")


@pytest.fixture
def derivations(monkeypatch):
    """How many times Argon2id ran."""
    calls: list[bytes] = []
    real = sealed_keys.derive_key

    def counting(passphrase, salt, params):
        calls.append(salt)
        return real(passphrase, salt, params)

    monkeypatch.setattr(sealed_keys, "derive_key", counting)
    return calls


def create(local):
    return IssuerAccount.create(local, "abr", recovery=RECOVERY, kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW)


def header(path):
    return json.loads(path.read_text())


def test_a_rotation_derives_the_recovery_key_once_and_reseals_with_fresh_nonces(local, derivations, monkeypatch):
    account = create(local)
    path = IssuerAccount.recovery_path(local, "abr")
    before = header(path)
    nonces = []
    real_seal = sealed_keys.seal

    def recording_seal(key, nonce, plaintext, associated):
        nonces.append(nonce)
        return real_seal(key, nonce, plaintext, associated)

    monkeypatch.setattr(sealed_keys, "seal", recording_seal)
    derivations.clear()
    account.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=1))
    assert len(derivations) == 1  # was 3: one to open, one per seal
    after = header(path)
    assert len(nonces) == 2 and len(set(nonces)) == 2 and after["nonce"] != before["nonce"]
    assert after["salt"] == before["salt"] and after["opslimit"] == before["opslimit"]
    # the resealed file still opens with the passphrase, and only with it
    assert len(open_keys(path, RECOVERY, did=account.did).keys) == 1
    with pytest.raises(WrongPassphraseError):
        open_keys(path, "not it", did=account.did)


class KilledError(Exception):
    pass


class DyingLedger:
    """The ledger, with the process dying just after it appends."""

    def __init__(self, ledger):
        self.ledger = ledger

    def __getattr__(self, name):
        return getattr(self.ledger, name)

    def append(self, entries, now=None):
        self.ledger.append(entries, now=now)
        raise KilledError


def test_finishing_an_interrupted_rotation_derives_once(local, derivations):
    account = create(local)
    with pytest.raises(KilledError):
        account.rotate(local, recovery=RECOVERY, now=FIXED_NOW, ledger=DyingLedger(local.ledger()))
    derivations.clear()
    IssuerAccount.load(local, "abr").rotate(local, recovery=RECOVERY)
    assert len(derivations) == 1  # was 2
    assert IssuerAccount.load(local, "abr").verification_method.endswith("#key-2")


def test_a_new_cost_takes_a_new_salt_and_one_more_derivation(local, derivations):
    account = create(local)
    path = IssuerAccount.recovery_path(local, "abr")
    old_salt = header(path)["salt"]
    derivations.clear()
    account.rotate(local, recovery=RECOVERY, now=FIXED_NOW + timedelta(days=1), kdf=INTERACTIVE_KDF)
    assert len(derivations) == 2  # open under the old cost, derive under the new one (was 3)
    after = header(path)
    assert after["salt"] != old_salt and after["opslimit"] == INTERACTIVE_KDF.opslimit
    assert open_keys(path, RECOVERY, did=account.did).kdf == INTERACTIVE_KDF


@pytest.mark.parametrize("field", ["salt", "nonce", "ciphertext", "opslimit", "did"])
def test_every_header_field_stays_bound_when_the_key_is_reused(tmp_path, field):
    import base64
    import os

    key = RecoveryKey.derive(RECOVERY, kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    seal_keys(first, DID, [Ed25519SigningKey.generate()], key)
    seal_keys(second, DID, [Ed25519SigningKey.generate()], key)
    one, two = header(first), header(second)
    assert one["salt"] == two["salt"] and one["nonce"] != two["nonce"]
    assert open_keys(first, RECOVERY, did=DID).keys != open_keys(second, RECOVERY, did=DID).keys
    # a part of the other file (same key, same salt), another salt, an edited cost or DID: refused
    replacement = {
        "salt": base64.b64encode(os.urandom(16)).decode("ascii"),
        "nonce": two["nonce"],
        "ciphertext": two["ciphertext"],
        "opslimit": one["opslimit"] + 1,
        "did": "did:vcred:other",
    }
    edited = {**one, field: replacement[field]}
    first.write_text(json.dumps(edited))
    with pytest.raises(WrongPassphraseError):
        open_keys(first, RECOVERY, did=edited["did"])


def test_an_empty_recovery_passphrase_is_refused():
    from vcred.errors import UsageError

    with pytest.raises(UsageError, match="must not be empty"):
        RecoveryKey.derive("", kdf=UNSAFE_FAST_KDF_FOR_TESTS)
