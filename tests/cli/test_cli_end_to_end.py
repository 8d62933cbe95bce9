"""The CLI driven as a user would: subprocesses, real files, passphrase from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vcred.examples import ISSUER_ROLES, radiologist_credentials
from vcred.testing import FIXED_NOW

VCRED = [sys.executable, "-c", "from vcred.cli.app import main; main()"]


@pytest.fixture
def user(tmp_path):
    env = {
        **os.environ,
        "VCRED_DATA_DIR": str(tmp_path / "data"),
        "VCRED_WALLET": str(tmp_path / "wallet.vcw"),
        "VCRED_PASSPHRASE": "a long wallet passphrase",
        "VCRED_RECOVERY_PASSPHRASE": "the issuers' recovery passphrase",
        "COLUMNS": "200",
    }

    def run(*args, expect=0, env_extra=None):
        result = subprocess.run(
            [*VCRED, *args], capture_output=True, text=True, cwd=tmp_path, env={**env, **(env_extra or {})}, timeout=120
        )
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    run.dir = tmp_path
    return run


def subject_claims(kind):
    issuers = dict.fromkeys(ISSUER_ROLES, "did:example:placeholder")
    credential = next(c for c in radiologist_credentials(issuers, "did:example:x", now=FIXED_NOW) if kind in c["type"])
    return {k: v for k, v in credential["credentialSubject"].items() if k != "id"}


def test_a_radiologist_and_a_hospital(user):
    directory: Path = user.dir
    for issuer in ("abr", "glie", "nybom"):
        user("issuer", "init", issuer)
    # the hospital's verifier configures, once, the key it trusts the ledger by (handed over by the operator)
    keys = json.loads(user("ledger", "keys", "--json").stdout)
    assert keys["witnesses"] == []
    user("ledger", "trust", "--operator-key", keys["operator"], "--quorum", "0")
    holder = json.loads(user("wallet", "init", "--json").stdout)["holder"]
    files = []
    for kind, issuer in (
        ("BoardCertificationCredential", "abr"),
        ("CMECredential", "glie"),
        ("MedicalLicenseCredential", "nybom"),
    ):
        (directory / f"{kind}.data.json").write_text(json.dumps(subject_claims(kind)))
        user(
            "issue", kind, "--data", f"{kind}.data.json", "--subject", holder, "--issuer", issuer, "-o", f"{kind}.json"
        )
        files.append(f"{kind}.json")
    imported = json.loads(user("wallet", "import", *files, "--json").stdout)
    assert all(row["imported"] for row in imported)
    listed = json.loads(user("wallet", "list", "--json").stdout)
    assert {row["category"] for row in listed} == {"board", "cme", "license"}

    user(
        "wallet",
        "present",
        "--categories",
        "board,cme",
        "--domain",
        "credentialing.stmarys.example",
        "--challenge",
        "n-4711",
        "--expires",
        "1h",
        "-o",
        "vp.json",
    )
    vp = json.loads((directory / "vp.json").read_text())
    assert len(vp["verifiableCredential"]) == 2  # the license was not shown
    ok = user("verify", "vp.json", "--challenge", "n-4711", "--domain", "credentialing.stmarys.example")
    assert "VERIFIED" in ok.stdout
    wrong = user("verify", "vp.json", "--challenge", "n-0000", "--domain", "credentialing.stmarys.example", expect=1)
    assert "challenge" in wrong.stdout
    user("verify", "vp.json", "--challenge", "n-4711", "--domain", "evil.example", expect=1)
    later = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expired = user(
        "verify",
        "vp.json",
        "--challenge",
        "n-4711",
        "--domain",
        "credentialing.stmarys.example",
        "--at",
        later,
        "--json",
        expect=1,
    )
    assert any(c["id"] == "vp.proof.expires" and c["status"] == "failed" for c in json.loads(expired.stdout)["checks"])

    user("revoke", "BoardCertificationCredential.json", "--issuer", "abr")
    revoked = user(
        "verify", "vp.json", "--challenge", "n-4711", "--domain", "credentialing.stmarys.example", "--json", expect=1
    )
    reasons = [
        c["reason"]
        for cred in json.loads(revoked.stdout)["credentials"]
        for c in cred["checks"]
        if c["status"] == "failed"
    ]
    assert any("revoked" in r for r in reasons)
    log = json.loads(user("wallet", "log", "--json").stdout)
    assert log[0]["domain"] == "credentialing.stmarys.example" and log[0]["categories"] == ["board", "cme"]


def test_user_mistakes_get_helpful_errors(user):
    user("wallet", "init")
    wrong = user("wallet", "list", env_extra={"VCRED_PASSPHRASE": "not it"}, expect=2)
    assert "passphrase" in wrong.stderr
    missing = user("verify", "nope.json", expect=2)
    assert "no such file" in missing.stderr
    user("wallet", "present", "--categories", "hobbies", "--domain", "d", "--challenge", "c", "-o", "x.json", expect=2)
    user("issue", "NobelPrize", "--data", "x.json", "--subject", "did:example:1", "--issuer", "abr", expect=2)
    user("wallet", "init", expect=2)  # already exists
    assert (
        "Examples" in user("wallet", "present", "--help").stdout
        or "Example" in user("wallet", "present", "--help").stdout
    )


def test_after_a_key_rotation_anchored_credentials_still_verify(user):
    directory: Path = user.dir
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")  # trust on first use, explicitly
    holder = json.loads(user("wallet", "init", "--json").stdout)["holder"]
    (directory / "board.data.json").write_text(json.dumps(subject_claims("BoardCertificationCredential")))
    for name in ("board", "copy"):
        args = ["--data", "board.data.json", "--subject", holder, "--issuer", "abr", "-o", f"{name}.json"]
        issued = user("issue", "BoardCertificationCredential", *args)
        assert "issuance anchored" in issued.stdout and (directory / f"{name}.json.anchor.json").exists()
    (directory / "copy.json.anchor.json").unlink()  # the holder lost this one's anchor proof
    imported = {
        row["file"]: row for row in json.loads(user("wallet", "import", "board.json", "copy.json", "--json").stdout)
    }
    assert all(row["imported"] for row in imported.values())
    anchored = {row["id"]: row["anchored"] for row in json.loads(user("wallet", "list", "--json").stdout)}
    assert anchored == {imported["board.json"]["id"]: True, imported["copy.json"]["id"]: False}

    wrong = user("issuer", "rotate", "abr", env_extra={"VCRED_RECOVERY_PASSPHRASE": "not it"}, expect=2)
    assert "recovery passphrase does not open" in wrong.stderr
    rotated = json.loads(user("issuer", "rotate", "abr", "--json").stdout)
    assert rotated["verification_method"].endswith("#key-2")

    def present_and_verify(name, challenge, expect):
        where = ["--domain", "h.example", "--challenge", challenge]
        user("wallet", "present", "--ids", imported[name]["id"], *where, "--expires", "1h", "-o", f"{challenge}.json")
        result = user("verify", f"{challenge}.json", *where, "--json", expect=expect)
        (credential,) = json.loads(result.stdout)["credentials"]
        return next(c for c in credential["checks"] if c["id"] == "vc.ledger.anchor")

    kept = present_and_verify("board.json", "n-1", expect=0)
    assert kept["status"] == "passed" and "before key version 1 was retired" in kept["reason"]
    lost = present_and_verify("copy.json", "n-2", expect=1)
    assert lost["status"] == "failed" and lost["code"] == "ISSUANCE_TIME_UNPROVEN"
    # a credential file verifies with the anchor proof beside it, and fails without one
    assert json.loads(user("verify", "board.json", "--json").stdout)["verified"]
    alone = json.loads(user("verify", "copy.json", "--json", expect=1).stdout)
    assert any(c["code"] == "ISSUANCE_TIME_UNPROVEN" for c in alone["checks"])
    given = user("verify", "copy.json", "--anchor-proof", "board.json.anchor.json", "--json", expect=1)
    assert any(c["id"] == "vc.ledger.anchor" and c["status"] == "failed" for c in json.loads(given.stdout)["checks"])
    # new credentials are signed with the new key and need no anchor to verify
    user(
        "issue",
        "BoardCertificationCredential",
        "--data",
        "board.data.json",
        "--subject",
        holder,
        "--issuer",
        "abr",
        "-o",
        "new.json",
    )
    fresh = json.loads(user("verify", "new.json", "--json").stdout)
    assert fresh["verified"]


def test_deactivation_needs_confirmation_and_the_recovery_passphrase(user):
    user("issuer", "init", "abr")
    assert "--yes" in user("issuer", "deactivate", "abr", expect=2).stderr
    wrong = user("issuer", "deactivate", "abr", "--yes", env_extra={"VCRED_RECOVERY_PASSPHRASE": "x"}, expect=2)
    assert "recovery passphrase does not open" in wrong.stderr
    done = json.loads(user("issuer", "deactivate", "abr", "--yes", "--json").stdout)
    assert done["deactivated"]
    (user.dir / "board.data.json").write_text(json.dumps(subject_claims("BoardCertificationCredential")))
    refused = user(
        "issue",
        "BoardCertificationCredential",
        "--data",
        "board.data.json",
        "--subject",
        "did:example:1",
        "--issuer",
        "abr",
        expect=2,
    )
    assert "deactivated" in refused.stderr


def test_revoke_refuses_a_credential_whose_status_index_was_edited(user):
    """Finding C through the CLI: a holder asks to revoke 'her' credential with the index edited to a colleague's."""
    directory: Path = user.dir
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    (directory / "board.data.json").write_text(json.dumps(subject_claims("BoardCertificationCredential")))
    for name in ("mine", "colleague"):
        args = [
            "--data",
            "board.data.json",
            "--subject",
            f"did:example:{name}",
            "--issuer",
            "abr",
            "-o",
            f"{name}.json",
        ]
        user("issue", "BoardCertificationCredential", *args)
    mine, colleague = (json.loads((directory / f"{n}.json").read_text()) for n in ("mine", "colleague"))
    revocation = {e["statusPurpose"]: e for e in colleague["credentialStatus"]}["revocation"]
    for entry in mine["credentialStatus"]:
        if entry["statusPurpose"] == "revocation":
            entry["statusListIndex"] = revocation["statusListIndex"]
    (directory / "edited.json").write_text(json.dumps(mine))
    refused = user("revoke", "edited.json", "--issuer", "abr", expect=2)
    assert "does not verify as signed by abr" in refused.stderr
    assert json.loads(user("verify", "colleague.json", "--json").stdout)["verified"]
    done = json.loads(user("revoke", "mine.json", "--issuer", "abr", "--json").stdout)
    assert done["set"] and str(done["index"]) != revocation["statusListIndex"]
    assert json.loads(user("verify", "colleague.json", "--json").stdout)["verified"]
    assert not json.loads(user("verify", "mine.json", "--json", expect=1).stdout)["verified"]


def test_a_rolled_back_wallet_is_refused_unless_accepted(user):
    from vcred import issue_credential
    from vcred.testing import insecure_seeded_key, sample_credential
    from vcred.wallet import Wallet
    from vcred.wallet.generation import record_path

    user("wallet", "init")
    path = user.dir / "wallet.vcw"
    old_copy = path.read_bytes()
    opened = Wallet.open(path, "a long wallet passphrase")
    issuer = insecure_seeded_key("cli rollback issuer")
    unsigned = sample_credential(issuer.public_key.did_key, opened.holder_did, name="Dr. R")
    opened.import_credential(issue_credential(unsigned, issuer, now=FIXED_NOW), now=FIXED_NOW)
    shown = user("wallet", "list", "--json")
    assert "1 credential(s), 0 presentation(s) logged; last saved" in shown.stderr
    assert len(json.loads(shown.stdout)) == 1  # stdout stays JSON

    path.write_bytes(old_copy)
    refused = user("wallet", "list", expect=3)
    assert "older copy" in refused.stderr and "generation 2 saved at" in refused.stderr
    assert "--accept-rollback" in refused.stderr
    accepted = user("wallet", "list", "--accept-rollback", "--json")
    assert "accepted an older copy" in accepted.stderr and json.loads(accepted.stdout) == []
    again = user("wallet", "list")
    assert "warning" not in again.stderr and "generation 3" in again.stderr

    record_path(path).unlink()
    unrecorded = user("wallet", "log")
    assert "warning" in unrecorded.stderr and "no generation record" in unrecorded.stderr


def test_revoke_not_issued_here_for_what_a_leaked_key_signed(user):
    """A thief signed credentials with abr's key before abr rotated: abr revokes them only with --not-issued-here,
    and never one sharing the index of a credential abr recorded."""
    import time

    import vcred
    from vcred._time import utcnow
    from vcred.issuer import IssuerAccount
    from vcred.local import LocalSetting

    directory: Path = user.dir
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    (directory / "board.data.json").write_text(json.dumps(subject_claims("BoardCertificationCredential")))
    args = ["--data", "board.data.json", "--subject", "did:example:mine", "--issuer", "abr", "-o", "mine.json"]
    user("issue", "BoardCertificationCredential", *args)
    mine = json.loads((directory / "mine.json").read_text())
    # the thief's copy of the account: signs with the current key, draws indexes from a copy of the lists
    stolen = IssuerAccount.load(LocalSetting(directory / "data"), "abr")
    claims = {**subject_claims("BoardCertificationCredential"), "id": "did:example:thief"}
    forged = stolen.issue("BoardCertificationCredential", claims, now=utcnow())
    (directory / "forged.json").write_text(json.dumps(forged))
    shared = {
        **{k: v for k, v in forged.items() if k != "proof"},
        "credentialStatus": [e for e in mine["credentialStatus"] if e["statusPurpose"] == "revocation"],
    }
    stolen_vm = stolen.verification_method
    collision = vcred.issue_credential(shared, stolen.key, verification_method=stolen_vm, now=utcnow())
    (directory / "collision.json").write_text(json.dumps(collision))
    time.sleep(1.1)  # the rotation waits out the last second the ledger saw the key used in, not the thief's
    user("issuer", "rotate", "abr")

    def said(*args, expect):
        return " ".join(user(*args, expect=expect).stderr.split())  # as one line, however it was wrapped

    asked = said("revoke", "forged.json", "--issuer", "abr", expect=2)
    assert "no record of issuing it" in asked and "a retired key" in asked and "--not-issued-here" in asked
    suspended = said("suspend", "forged.json", "--issuer", "abr", expect=2)
    assert "did not issue this credential" in suspended and "--not-issued-here" not in suspended
    refused = said("revoke", "collision.json", "--issuer", "abr", "--not-issued-here", expect=2)
    assert "innocent holder" in refused and "shares that index" in refused

    done = json.loads(user("revoke", "forged.json", "--issuer", "abr", "--not-issued-here", "--json").stdout)
    assert done["not_issued_here"] and done["signed_by"] == stolen_vm
    index = {e["statusPurpose"]: e for e in forged["credentialStatus"]}["revocation"]["statusListIndex"]
    assert str(done["index"]) == index
    checks = json.loads(user("verify", "forged.json", "--json", expect=1).stdout)["checks"]
    assert any(c["code"] == "CREDENTIAL_REVOKED" for c in checks)
    user("reinstate", "forged.json", "--issuer", "abr", expect=2)
    # the innocent holder's credential is untouched; the plain revoke of what abr issued works as before
    assert json.loads(user("verify", "mine.json", "--json").stdout)["verified"]
    plain = user("revoke", "mine.json", "--issuer", "abr", "--not-issued-here").stdout
    assert "revoked mine.json" in plain and "no record" not in plain
