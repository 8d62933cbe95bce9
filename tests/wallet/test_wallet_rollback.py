"""A wallet file put back from an older copy is refused on open (generation numbers and the record beside it).

The review's case: the older copy lacks the later presentation log entries and still holds a credential the holder
removed. Also: explicit acceptance, a crash between the wallet write and the record write, no record yet, a copy
changed elsewhere with the same generation, restores, and a damaged record.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

import vcred
from vcred.errors import CorruptWalletError, WalletRolledBackError
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet
from vcred.wallet.generation import record_path
from vcred.wallet.vault import encode_vault

PASS = "pw"
ISSUER = insecure_seeded_key("rollback issuer")


def credential_for(holder: str, name: str) -> dict:
    unsigned = sample_credential(ISSUER.public_key.did_key, holder, name=name)
    return vcred.issue_credential(unsigned, ISSUER, now=FIXED_NOW, suite="eddsa-jcs-2022")


def present(wallet: Wallet, domain: str) -> None:
    wallet.present(
        ids=[wallet.credentials[0].id], challenge="n", domain=domain, expires=dt.timedelta(hours=1), now=FIXED_NOW
    )


@pytest.fixture
def wallet(tmp_path):
    created = Wallet.create(tmp_path / "wallet.vcw", PASS, kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    for name in ("Dr. A", "Dr. B"):
        created.import_credential(credential_for(created.holder_did, name), now=FIXED_NOW)
    return created


def test_a_rolled_back_wallet_is_refused_on_open(wallet):
    old_copy = wallet.path.read_bytes()  # two credentials, nothing presented yet
    wallet.remove(wallet.credentials[1].id)
    present(wallet, "hospital-a.example")
    present(wallet, "hospital-b.example")
    saved = wallet.state
    wallet.path.write_bytes(old_copy)
    with pytest.raises(WalletRolledBackError) as caught:
        Wallet.open(wallet.path, PASS)
    error = caught.value
    assert error.recorded.number == saved.generation and error.found.number == saved.generation - 3
    assert f"generation {saved.generation} saved at {saved.saved_at}" in error.message
    assert f"the file has generation {saved.generation - 3} saved at" in error.message
    assert "--accept-rollback" in (error.hint or "")


def test_a_copy_put_back_after_open_is_not_saved_over(wallet):
    old_copy = wallet.path.read_bytes()
    present(wallet, "hospital-a.example")
    opened = Wallet.open(wallet.path, PASS)
    wallet.path.write_bytes(old_copy)
    with pytest.raises(WalletRolledBackError):
        present(opened, "hospital-b.example")  # a change must not launder the older copy into a newer generation
    assert wallet.path.read_bytes() == old_copy


def test_an_accepted_rollback_is_kept_and_the_newer_copy_refused(wallet):
    old_copy = wallet.path.read_bytes()
    wallet.remove(wallet.credentials[1].id)
    present(wallet, "hospital-a.example")
    newer_copy, recorded = wallet.path.read_bytes(), wallet.state.generation
    wallet.path.write_bytes(old_copy)
    accepted = Wallet.open(wallet.path, PASS, accept_rollback=True)
    assert accepted.warning and "accepted an older copy" in accepted.warning
    assert len(accepted.credentials) == 2 and accepted.log == []
    assert accepted.state.generation == recorded + 1  # above the record, so the replaced copy cannot return
    assert Wallet.open(wallet.path, PASS).warning is None
    wallet.path.write_bytes(newer_copy)
    with pytest.raises(WalletRolledBackError):
        Wallet.open(wallet.path, PASS)


def test_a_crash_between_the_wallet_write_and_the_record_write_still_opens(wallet):
    before = wallet.path.read_bytes()
    record_before = record_path(wallet.path).read_bytes()
    present(wallet, "hospital-a.example")
    record_path(wallet.path).write_bytes(record_before)  # as if killed after the wallet write, before the record
    opened = Wallet.open(wallet.path, PASS)
    assert opened.warning is None and len(opened.log) == 1  # no false alarm, nothing lost
    assert json.loads(record_path(wallet.path).read_bytes())["generation"] == opened.state.generation
    wallet.path.write_bytes(before)  # once recorded, the copy from before the crash is refused
    with pytest.raises(WalletRolledBackError):
        Wallet.open(wallet.path, PASS)


def test_a_wallet_without_a_record_opens_with_a_warning_and_is_recorded(wallet):
    record_path(wallet.path).unlink()
    first = Wallet.open(wallet.path, PASS)
    assert first.warning and "no generation record" in first.warning
    assert record_path(wallet.path).exists() and Wallet.open(wallet.path, PASS).warning is None


def test_a_wallet_saved_before_generations_opens_and_counts_from_there(tmp_path):
    holder = insecure_seeded_key("legacy holder")
    legacy = {
        "version": 1,
        "holder": {
            "did": holder.public_key.did_key,
            "keys": [{"id": "x", "secretKeyMultibase": holder.secret_multibase}],
        },
        "credentials": [],
        "log": [],
    }
    path = tmp_path / "wallet.vcw"
    path.write_bytes(encode_vault(legacy, PASS, kdf=UNSAFE_FAST_KDF_FOR_TESTS)[0])
    opened = Wallet.open(path, PASS)
    assert opened.warning and opened.state.generation == 0 and opened.state.saved_at is None
    old_copy = path.read_bytes()
    opened.import_credential(credential_for(opened.holder_did, "Dr. L"), now=FIXED_NOW)
    assert Wallet.open(path, PASS).state.generation == 1
    path.write_bytes(old_copy)
    with pytest.raises(WalletRolledBackError, match="saved before generations were recorded"):
        Wallet.open(path, PASS)


def test_a_copy_changed_elsewhere_with_the_same_generation_is_refused(wallet, tmp_path):
    elsewhere = tmp_path / "other-machine"
    elsewhere.mkdir()
    shutil.copy(wallet.path, elsewhere / "wallet.vcw")
    shutil.copy(record_path(wallet.path), elsewhere / record_path(wallet.path).name)
    present(Wallet.open(elsewhere / "wallet.vcw", PASS), "hospital-b.example")
    present(wallet, "hospital-a.example")
    shutil.copy(elsewhere / "wallet.vcw", wallet.path)
    with pytest.raises(WalletRolledBackError, match="also has generation"):
        Wallet.open(wallet.path, PASS)


def test_restoring_a_backup_is_explicit_and_the_replaced_wallet_stays_refused(wallet, tmp_path):
    backup = wallet.backup(tmp_path / "backup.vcw")
    present(wallet, "hospital-a.example")
    replaced = wallet.path.read_bytes()
    restored = Wallet.restore(backup, wallet.path, PASS, overwrite=True)
    assert restored.log == [] and restored.warning and "restored a backup of generation" in restored.warning
    assert Wallet.open(wallet.path, PASS).warning is None
    wallet.path.write_bytes(replaced)
    with pytest.raises(WalletRolledBackError):
        Wallet.open(wallet.path, PASS)


def test_create_over_an_old_wallet_starts_above_its_record(wallet):
    old = wallet.path.read_bytes()
    Wallet.create(wallet.path, PASS, kdf=UNSAFE_FAST_KDF_FOR_TESTS, overwrite=True)
    wallet.path.write_bytes(old)
    with pytest.raises(WalletRolledBackError):
        Wallet.open(wallet.path, PASS)


def test_a_damaged_record_is_an_error_until_accepted(wallet):
    record_path(wallet.path).write_text("{not json")
    with pytest.raises(CorruptWalletError, match="generation record"):
        Wallet.open(wallet.path, PASS)
    assert Wallet.open(wallet.path, PASS, accept_rollback=True).warning
    assert Wallet.open(wallet.path, PASS).warning is None


def test_state_says_when_it_was_saved_and_what_it_holds(wallet):
    present(wallet, "hospital-a.example")
    state = Wallet.open(wallet.path, PASS).state
    assert (state.credentials, state.presentations) == (2, 1) and state.saved_at
    assert state.describe().startswith("2 credential(s), 1 presentation(s) logged; last saved ")
