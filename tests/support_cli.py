"""Helpers for the CLI tests: an office's files built from real issuers, and the ``vcred`` command line."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vcred.examples import ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.testing import insecure_seeded_key
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

VCRED = [sys.executable, "-c", "from vcred.cli.app import main; main()"]
OFFICE_KEY = insecure_seeded_key("st marys office")
OFFICE_DID = OFFICE_KEY.public_key.did_key  # the registry's publisher, as the office configures it
WALLET_PASSPHRASE = "pw"

Edit = Callable[[dict[str, Any]], dict[str, Any]]


def build_office(tmp_path: Path, *, edit: Edit | None = None) -> tuple[Path, list[str]]:
    """Signed credentials in a wallet (w.vcw), a presentation of five categories, the office's policy, registry
    and accreditations; ``edit`` changes each document (credentials before signing, policy, registry) first."""
    edit = edit or (lambda document: document)
    setting = LocalSetting(tmp_path / "data")
    ledger = setting.ledger()
    now = dt.datetime.now(dt.UTC)
    accounts = {
        role: IssuerAccount.create(
            setting, role, ledger=ledger, now=now, recovery="recovery", kdf=UNSAFE_FAST_KDF_FOR_TESTS
        )
        for role in ISSUER_ROLES
    }
    setting.trust_local_ledger()  # the office's one configuration step
    issuers = {role: account.did for role, account in accounts.items()}
    role_of = {did: role for role, did in issuers.items()}
    wallet = Wallet.create(tmp_path / "w.vcw", WALLET_PASSPHRASE, kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    signed = []
    for credential in radiologist_credentials(issuers, wallet.holder_did, now=now):
        account = accounts[role_of[credential["issuer"]]]
        signed.append(account.sign(account.attach_status(edit(credential)), now=now))
    for account in accounts.values():
        account.publish(setting, now=now, ledger=ledger)
    for credential in signed:
        wallet.import_credential(credential, verify=False)
    vp = wallet.present(
        categories=["education", "board", "cme", "license", "malpractice"],
        challenge="n-77",
        domain="credentialing.stmarys.example",
        expires=dt.timedelta(hours=1),
        now=now,
    )
    (tmp_path / "vp.json").write_text(json.dumps(vp))
    (tmp_path / "policy.json").write_text(json.dumps(edit(dict(POLICY))))
    registry = edit(trust_registry(issuers))
    (tmp_path / "registry.json").write_text(json.dumps(registry))
    anchor_registry(ledger, registry, version=1, now=now)
    names = []
    for index, credential in enumerate(accreditation_credentials(issuers, now=now)):
        name = f"accreditation-{index}.json"
        (tmp_path / name).write_text(json.dumps(accounts[role_of[credential["issuer"]]].sign(credential, now=now)))
        names.append(str(tmp_path / name))
    return tmp_path, names


def anchor_registry(ledger: Any, registry: dict[str, Any], *, version: int, now: dt.datetime, digest: str = "") -> None:
    """The office publishes ``registry`` (or, with ``digest``, some other version) under its own DID."""
    from vcred.ledger import make_entry
    from vcred.office import TrustRegistry

    entry = make_entry(
        "trust-registry",
        {
            "publisher": OFFICE_DID,
            "url": registry["id"],
            "version": version,
            "sha256": digest or TrustRegistry(registry).digest,
        },
        submitter=f"{OFFICE_DID}#{OFFICE_KEY.public_key.multibase}",
        key=OFFICE_KEY,
        timestamp=int(now.timestamp()),
    )
    ledger.append([entry], now=now)
