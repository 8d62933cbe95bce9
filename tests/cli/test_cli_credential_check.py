"""`vcred credential-check`: an office decides a real presentation against its policy and archives the report."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from vcred.cli.app import app
from vcred.cli.commands import office  # noqa: F401 - registers the command
from vcred.examples import ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.issuer import IssuerAccount
from vcred.local import LocalSetting
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet


@pytest.fixture
def office_files(tmp_path, monkeypatch):
    monkeypatch.setenv("VCRED_DATA_DIR", str(tmp_path / "data"))
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
    wallet = Wallet.create(tmp_path / "w.vcw", "pw", kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    signed = []
    for credential in radiologist_credentials(issuers, wallet.holder_did, now=now):
        account = accounts[role_of[credential["issuer"]]]
        signed.append(account.sign(account.attach_status(credential), now=now))
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
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    (tmp_path / "registry.json").write_text(json.dumps(trust_registry(issuers)))
    names = []
    for index, credential in enumerate(accreditation_credentials(issuers, now=now)):
        name = f"accreditation-{index}.json"
        (tmp_path / name).write_text(json.dumps(accounts[role_of[credential["issuer"]]].sign(credential, now=now)))
        names.append(str(tmp_path / name))
    return tmp_path, names


def invoke(tmp_path, names, *extra):
    args = [
        "credential-check",
        str(tmp_path / "vp.json"),
        "--policy",
        str(tmp_path / "policy.json"),
        "--trust",
        str(tmp_path / "registry.json"),
        "--challenge",
        "n-77",
        "--domain",
        "credentialing.stmarys.example",
        *extra,
    ]
    for name in names:
        args += ["--accreditations", name]
    return CliRunner().invoke(app, args)


def test_approved_with_html_report(office_files):
    tmp_path, names = office_files
    result = invoke(tmp_path, names, "--html", str(tmp_path / "decision.html"))
    assert result.exit_code == 0, result.output
    assert "APPROVED" in result.output
    html = (tmp_path / "decision.html").read_text()
    assert "every requirement is met" in html and "<script" not in html


def test_without_accreditations_the_chains_break(office_files):
    tmp_path, _ = office_files
    result = invoke(tmp_path, [], "--json")
    assert result.exit_code == 1
    decision = json.loads(result.output)["decision"]
    unmet = {r["id"] for r in decision["requirements"] if r["outcome"] != "met"}
    assert {"degree", "residency", "cme"} <= unmet and "board" not in unmet


def test_a_registry_that_is_not_the_anchored_version_is_refused(office_files):
    from vcred.ledger import make_entry
    from vcred.policy import TrustRegistry
    from vcred.testing import insecure_seeded_key

    tmp_path, names = office_files
    result = invoke(tmp_path, names, "--json")
    assert result.exit_code == 0 and "no version" in json.loads(result.output)["trustRegistry"]["reason"]
    registry = TrustRegistry(json.loads((tmp_path / "registry.json").read_text()))
    office_key = insecure_seeded_key("st marys office")
    did = office_key.public_key.did_key
    now = dt.datetime.now(dt.UTC)
    entry = make_entry(
        "trust-registry",
        {"publisher": did, "url": registry.document.id, "version": 1, "sha256": "ab" * 32},  # another version
        submitter=f"{did}#{office_key.public_key.multibase}",
        key=office_key,
        timestamp=int(now.timestamp()),
    )
    LocalSetting(tmp_path / "data").ledger().append([entry], now=now)
    refused = invoke(tmp_path, names, "--json")
    assert refused.exit_code == 1
    anchor = json.loads(refused.output)["trustRegistry"]
    assert anchor["status"] == "failed" and "outdated copy" in anchor["reason"]
