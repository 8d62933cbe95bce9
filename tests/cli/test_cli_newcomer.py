"""The README's command line followed on a fresh data directory, as a newcomer does: each step works as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

VCRED = [sys.executable, "-c", "from vcred.cli.app import main; main()"]
STRONG = "radiology okapi lantern seventeen"


@pytest.fixture
def user(tmp_path):
    env = {
        **os.environ,
        "VCRED_DATA_DIR": str(tmp_path / "data"),
        "VCRED_WALLET": str(tmp_path / "wallet.vcw"),
        "VCRED_PASSPHRASE": STRONG,
        "VCRED_RECOVERY_PASSPHRASE": "the issuers' recovery passphrase",
        "COLUMNS": "200",
    }

    def run(*args, expect=0, env_extra=None, stdin=subprocess.DEVNULL):
        merged = {**env, **(env_extra or {})}
        merged = {k: v for k, v in merged.items() if v is not None}
        result = subprocess.run(
            [*VCRED, *args], capture_output=True, text=True, cwd=tmp_path, env=merged, timeout=120, stdin=stdin
        )
        assert result.returncode == expect, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    run.dir = tmp_path
    return run


def _json(result):
    return json.loads(result.stdout)


def _keys(value, path=""):
    """Every key vcred wrote, with where; documents passed through as they are (credentials, proofs) are skipped."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", key
            if key not in ("credential", "anchor_proof"):
                yield from _keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item, f"{path}[]")


SNAKE = re.compile(r"[a-z][a-z0-9_]*")


def _issue(user, kind, issuer, subject, output):
    user("example", "claims", kind, "-o", f"claims-{output}", "--force")
    return user("issue", kind, "--data", f"claims-{output}", "--subject", subject, "--issuer", issuer, "-o", output)


def test_the_readme_flow_with_every_json_output_in_snake_case(user):
    directory: Path = user.dir
    outputs = {}

    def record(name, result):
        outputs[name] = _json(result)
        return outputs[name]

    record("issuer init", user("issuer", "init", "abr", "--json"))
    user("issuer", "init", "glie")
    record("ledger keys", user("ledger", "keys", "--json"))
    record("ledger trust", user("ledger", "trust", "--local", "--json"))
    created = record("wallet init", user("wallet", "init", "--json"))
    holder = created["did"]
    assert record("wallet did", user("wallet", "did", "--json"))["did"] == holder
    assert user("wallet", "did").stdout.strip() == holder  # bare, for $(vcred wallet did)
    _issue(user, "BoardCertificationCredential", "abr", holder, "board.json")
    again = ["--data", "claims-board.json", "--subject", holder, "--issuer", "abr", "-o", "second.json"]
    record("issue", user("issue", "BoardCertificationCredential", *again, "--json"))
    _issue(user, "CMECredential", "glie", holder, "cme-1.json")
    _issue(user, "CMECredential", "glie", holder, "cme-2.json")
    # the shell's cme-*.json also matches the anchor proofs beside them; a quoted glob is expanded by vcred
    for pattern in (["cme-1.json", "cme-2.json", "cme-1.json.anchor.json", "cme-2.json.anchor.json"], ["cme-*.json"]):
        rows = record("wallet import", user("wallet", "import", "board.json", *pattern, "--json"))
        assert [r["file"] for r in rows] == ["board.json", "cme-1.json", "cme-2.json"] and all(
            r["imported"] for r in rows
        )
    listed = record("wallet list", user("wallet", "list", "--json"))
    assert {r["issuer_name"] for r in listed} == {"abr", "glie"} and all(r["anchored"] for r in listed)
    assert "abr" in user("wallet", "list").stdout and "did:vcred:" not in user("wallet", "list").stdout
    record("wallet show", user("wallet", "show", listed[0]["id"], "--json"))
    presented = record(
        "wallet present",
        user(
            "wallet",
            "present",
            "--categories",
            "board,cme",
            "--domain",
            "h.example",
            "--challenge",
            "n-1",
            "--expires",
            "1h",
            "-o",
            "vp.json",
            "--json",
        ),
    )
    assert presented["categories"] == ["board", "cme"]
    record("wallet log", user("wallet", "log", "--json"))
    record("wallet verify", user("wallet", "verify", "--json"))
    record("wallet backup", user("wallet", "backup", "backup.vcw", "--json"))
    record("verify credential", user("verify", "board.json", "--json"))
    record("verify presentation", user("verify", "vp.json", "--challenge", "n-1", "--domain", "h.example", "--json"))
    record("revoke", user("revoke", "second.json", "--issuer", "abr", "--json"))
    record("issuer rotate", user("issuer", "rotate", "abr", "--json"))
    record("data-dir", user("data-dir", "--json"))
    record("error", user("wallet", "import", "missing.json", "--json", expect=2))
    record("wallet remove", user("wallet", "remove", listed[-1]["id"], "--json"))
    record("wallet restore", user("wallet", "restore", "backup.vcw", "--force", "--json"))
    record("issuer deactivate", user("issuer", "deactivate", "glie", "--yes", "--json"))
    record("example policy", user("example", "policy"))
    record("example registry", user("example", "registry"))

    bad = [(name, where) for name, value in outputs.items() for where, key in _keys(value) if not SNAKE.fullmatch(key)]
    bad = [b for b in bad if not b[0].startswith("example")]  # example files are documents in their own format
    assert bad == []
    assert directory.joinpath("vp.json").exists()


def test_wallet_verify_passes_the_stored_anchor_proof_after_a_key_rotation(user):
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    holder = _json(user("wallet", "init", "--json"))["did"]
    _issue(user, "BoardCertificationCredential", "abr", holder, "board.json")
    user("wallet", "import", "board.json")
    user("issuer", "rotate", "abr")
    (row,) = _json(user("wallet", "verify", "--json"))
    assert row["verified"], row
    assert _json(user("wallet", "list", "--json"))[0]["anchored"]
    # and a credential without its proof still fails for the same reason as in a presentation
    (user.dir / "board.json.anchor.json").unlink()
    alone = _json(user("verify", "board.json", "--json", expect=1))
    assert any(c["code"] == "ISSUANCE_TIME_UNPROVEN" for c in alone["checks"])


def test_a_replayed_presentation_is_refused_across_runs(user):
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    holder = _json(user("wallet", "init", "--json"))["did"]
    _issue(user, "BoardCertificationCredential", "abr", holder, "board.json")
    user("wallet", "import", "board.json")
    where = ["--challenge", "n-9", "--domain", "h.example"]
    user("wallet", "present", "--categories", "board", *where, "--expires", "1h", "-o", "vp.json")
    first = _json(user("verify", "vp.json", *where, "--json"))
    assert {c["id"]: c["status"] for c in first["checks"]}["vp.replay"] == "passed"
    again = _json(user("verify", "vp.json", *where, "--json", expect=1))
    replay = next(c for c in again["checks"] if c["id"] == "vp.replay")
    assert replay["status"] == "failed" and "replayed" in replay["reason"]
    user("verify", "vp.json", *where, "--no-replay-check")
    assert (user.dir / "data" / "verifier" / "replay.sqlite").exists()


def test_outputs_never_overwrite_inputs_or_existing_files_without_force(user):
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    user("example", "claims", "BoardCertificationCredential", "-o", "board.json")
    claims = (user.dir / "board.json").read_bytes()
    args = ["--subject", "did:example:1", "--issuer", "abr"]
    same = user("issue", "BoardCertificationCredential", "--data", "board.json", *args, "-o", "board.json", expect=2)
    assert "input" in same.stderr and (user.dir / "board.json").read_bytes() == claims
    forced = user(
        "issue", "BoardCertificationCredential", "--data", "board.json", *args, "-o", "board.json", "--force", expect=2
    )
    assert "input" in forced.stderr and (user.dir / "board.json").read_bytes() == claims
    user("issue", "BoardCertificationCredential", "--data", "board.json", *args, "-o", "cred.json")
    before = (user.dir / "cred.json").read_bytes()
    exists = user("issue", "BoardCertificationCredential", "--data", "board.json", *args, "-o", "cred.json", expect=2)
    assert "already exists" in exists.stderr and "--force" in exists.stderr
    assert (user.dir / "cred.json").read_bytes() == before
    user("issue", "BoardCertificationCredential", "--data", "board.json", *args, "-o", "cred.json", "--force")
    assert (user.dir / "cred.json").read_bytes() != before
    user("example", "policy", "-o", "board.json", expect=2)
    user("wallet", "init")
    user("wallet", "backup", "board.json", expect=2)


def test_examples_are_valid_inputs(user, tmp_path):
    from vcred.model.families import FAMILIES
    from vcred.office import load_policy
    from vcred.office.documents import load_registry_document

    assert load_policy(_json(user("example", "policy")))
    empty = _json(user("example", "registry"))
    assert load_registry_document(empty) and "did:example:board" in json.dumps(empty)
    user("issuer", "init", "abr", env_extra={})
    listed = _json(user("example", "registry"))
    assert load_registry_document(listed) and "abr" in json.dumps(listed)
    user("ledger", "trust", "--local")
    for kind in FAMILIES:
        _issue(user, kind, "abr", "did:example:radiologist", f"{kind}.json")
    user("example", "claims", "NobelPrize", expect=2)


def test_inputs_are_checked_before_the_passphrase_is_asked(user):
    no_passphrase = {"VCRED_PASSPHRASE": None}
    missing = user("wallet", "import", "missing.json", env_extra=no_passphrase, expect=2)
    assert "missing.json: no such file" in missing.stderr and "passphrase" not in missing.stderr
    user("wallet", "restore", "missing.vcw", env_extra=no_passphrase, expect=2)
    nowallet = user("wallet", "list", env_extra=no_passphrase, expect=2)
    assert "no wallet at" in nowallet.stderr
    absent = user("issuer", "rotate", "nobody", env_extra={"VCRED_RECOVERY_PASSPHRASE": None}, expect=2)
    assert "no issuer named" in absent.stderr


def test_presenting_fails_on_missing_categories_and_names_the_30_day_limit(user):
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    holder = _json(user("wallet", "init", "--json"))["did"]
    _issue(user, "BoardCertificationCredential", "abr", holder, "board.json")
    user("wallet", "import", "board.json")
    where = ["--domain", "h.example", "--challenge", "n-1", "-o", "vp.json"]
    refused = user("wallet", "present", "--categories", "board,cme", *where, expect=2)
    assert "category cme" in refused.stderr and "--allow-missing" in refused.stderr
    assert not (user.dir / "vp.json").exists()
    user("wallet", "present", "--categories", "board,cme", "--allow-missing", *where)
    long = user("wallet", "present", "--categories", "board", *where, "--force", "--expires", "90d", expect=2)
    assert "30 days" in long.stderr and "30d" in long.stderr


def test_errors_are_json_with_json(user):
    for args, code in (
        (["verify", "nope.json", "--json"], 2),
        (["issue", "X", "--bogus", "--json"], 2),
        (["wallet", "list", "--json"], 2),
    ):
        result = user(*args, expect=code)
        body = _json(result)
        assert set(body) == {"error", "exit_code"} and body["exit_code"] == code
        assert set(body["error"]) == {"message", "hint", "code"} and body["error"]["message"]


def test_help_prints_text_as_written(user):
    help_text = user("issue", "--help").stdout
    assert "did:key:z6Mk" in help_text and "\N{KEY}" not in help_text
    assert "<bool>" not in help_text and "--force" in help_text
    root = user("--help").stdout
    assert "--verbose" in root and "--version" in root and "VCRED_DATA_DIR" in root
    assert user("--version").stdout.startswith("vcred ")
    assert user("data-dir").stdout.strip() == str(user.dir / "data")


def test_weak_wallet_passphrases_are_refused_unless_accepted(user):
    weak = user("wallet", "init", env_extra={"VCRED_PASSPHRASE": "abcde"}, expect=2)
    assert "too easy to guess" in weak.stderr and "--weak-passphrase-ok" in weak.stderr
    assert not (user.dir / "wallet.vcw").exists()
    user("wallet", "init", "--weak-passphrase-ok", env_extra={"VCRED_PASSPHRASE": "abcde"})


def test_read_only_verify_creates_no_secret_and_names_its_checkpoint(user, tmp_path):
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    _issue(user, "BoardCertificationCredential", "abr", "did:example:1", "board.json")
    data = user.dir / "data"
    secrets_before = sorted(p.name for p in data.rglob("*") if "secretKeyMultibase" in _text(p) or '"key"' in _text(p))
    shown = user("verify", "board.json", "--data-dir", str(data))
    assert re.search(r"ledger checkpoint: size \d+, root [0-9a-f]{16}…", shown.stdout)
    secrets_after = sorted(p.name for p in data.rglob("*") if "secretKeyMultibase" in _text(p) or '"key"' in _text(p))
    assert secrets_after == secrets_before
    elsewhere = tmp_path / "elsewhere"
    user("verify", "board.json", "--data-dir", str(elsewhere), expect=1)
    assert not elsewhere.exists() or not any(
        "secretKeyMultibase" in _text(p) for p in elsewhere.rglob("*") if p.is_file()
    )


def _text(path: Path) -> str:
    try:
        return path.read_text("utf-8") if path.is_file() else ""
    except (UnicodeDecodeError, OSError):
        return ""


def test_verify_batch_in_input_order_on_every_core(user):
    """vcred verify --batch: many credentials (a quoted glob), a row each in input order; 0 only if all verify."""
    user("issuer", "init", "abr")
    user("ledger", "trust", "--local")
    holder = _json(user("wallet", "init", "--json"))["did"]
    for name in ("a.json", "b.json", "c.json"):
        _issue(user, "BoardCertificationCredential", "abr", holder, name)
    rows = json.loads(user("verify", "--batch", "?.json", "--workers", "2", "--json").stdout)
    assert [r["file"] for r in rows] == ["a.json", "b.json", "c.json"] and all(r["verified"] for r in rows)
    user("suspend", "b.json", "--issuer", "abr")
    rows = json.loads(user("verify", "--batch", "a.json", "b.json", "c.json", "--json", expect=1).stdout)
    assert [r["verified"] for r in rows] == [True, False, True] and "suspended" in rows[1]["reason"]
    user("verify", "a.json", "b.json", expect=2)  # one file without --batch: a usage error
