"""Outside text is printed as it is: rich markup in credentials, policies and registries is never interpreted.

A ``[/]`` read as markup crashed the verifier (exit 1, which means "verification failed"); ``[bold]`` and
``[a-z0-9]`` silently vanished from what the office reads. The HTML report escapes the same text.
"""

from __future__ import annotations

import json
from typing import Any

from support_cli import OFFICE_DID, WALLET_PASSPHRASE, build_office

from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

HOSTILE = "[/] [bold]x [a-z0-9] <b>&amp;"
HTML_HOSTILE = "[/] [bold]x [a-z0-9] &lt;b&gt;&amp;amp;"


def _hostile(document: dict[str, Any]) -> dict[str, Any]:
    """The document with HOSTILE in every free-text name it carries (signed afterwards, when a credential)."""
    document = json.loads(json.dumps(document))
    if "credentialSubject" in document:
        document["issuer"] = {"id": document["issuer"], "name": f"Issuer {HOSTILE}"}
        document["name"] = f"{document.get('name', 'credential')} {HOSTILE}"
        for value in document["credentialSubject"].values():
            if isinstance(value, dict) and "name" in value:
                value["name"] += f" {HOSTILE}"
    elif "requirements" in document:
        document["name"] += f" {HOSTILE}"
        for requirement in document["requirements"]:
            requirement["description"] += f" {HOSTILE}"
    else:
        for entry in document.get("accreditors", []):
            entry["name"] += f" {HOSTILE}"
    return document


def _check_args(tmp_path, names, *extra):
    args = ["credential-check", "vp.json", "--policy", "policy.json", "--trust", "registry.json"]
    args += ["--registry-publisher", OFFICE_DID, "--no-replay-check"]
    args += ["--challenge", "n-77", "--domain", "credentialing.stmarys.example", *extra]
    for name in names:
        args += ["--accreditations", name]
    return args


def test_markup_in_signed_credentials_policy_and_registry_is_printed_literally(tmp_path, vcred_process):
    _, names = build_office(tmp_path, edit=_hostile)
    text = vcred_process(*_check_args(tmp_path, names, "--details", "--html", "decision.html"), expect=0)
    assert "APPROVED" in text.stdout
    assert text.stdout.count(HOSTILE) >= 2  # the policy's name and its requirements, character for character
    as_json = json.loads(vcred_process(*_check_args(tmp_path, names, "--json"), expect=0).stdout)
    assert as_json["decision"]["policy"].endswith(HOSTILE)
    html = (tmp_path / "decision.html").read_text()
    assert HTML_HOSTILE in html and "<b>" not in html


def test_markup_in_an_unsigned_credential_type_is_a_failed_verification_not_a_crash(tmp_path, vcred_process):
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", f"Board{HOSTILE}"],
        "issuer": {"id": "did:example:issuer", "name": HOSTILE},
        "credentialSubject": {"id": "did:example:holder", "name": HOSTILE},
    }
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:holder",
        "verifiableCredential": [credential],
    }
    (tmp_path / "vp.json").write_text(json.dumps(presentation))
    (tmp_path / "vc.json").write_text(json.dumps(credential))
    where = ["--challenge", "c", "--domain", "d"]
    shown = vcred_process("verify", "vp.json", *where, expect=1)
    assert f"Board{HOSTILE}" in shown.stdout and "NOT VERIFIED" in shown.stdout
    report = json.loads(vcred_process("verify", "vp.json", *where, "--json", expect=1).stdout)
    closed_world = next(c for c in report["checks"] if c["id"] == "vp.closed_world")
    assert f"Board{HOSTILE}" in closed_world["reason"]  # the undefined type, named literally
    assert "NOT VERIFIED" in vcred_process("verify", "vc.json", expect=1).stdout

    wallet = Wallet.create(tmp_path / "w.vcw", WALLET_PASSPHRASE, kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    wallet.import_credential({**credential, "issuer": "did:example:[/]"}, verify=False, allow_foreign=True)
    listed = vcred_process("wallet", "list", expect=0).stdout
    assert f"Board{HOSTILE}" in listed and "did:example:[/]" in listed
    (row,) = json.loads(vcred_process("wallet", "list", "--json", expect=0).stdout)
    assert row["types"][-1] == f"Board{HOSTILE}"


def test_markup_in_an_error_message_is_printed_literally(tmp_path, vcred_process):
    missing = vcred_process("verify", "[/][bold]x[a-z0-9].json", expect=2)
    assert "[/][bold]x[a-z0-9].json: no such file" in missing.stderr
    (tmp_path / "policy.json").write_text(json.dumps({"name": "[/]", "requirements": "[a-z0-9]"}))
    (tmp_path / "vp.json").write_text("{}")
    invalid = vcred_process(
        "credential-check", "vp.json", "--policy", "policy.json", "--challenge", "c", "--domain", "d", expect=2
    )
    assert invalid.stderr.startswith("error: ") and "Traceback" not in invalid.stderr
