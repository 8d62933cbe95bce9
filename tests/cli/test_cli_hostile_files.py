"""Every file the CLI reads is bounded like the library's input: hostile files give one line and the exit code.

Deep nesting used to end in a RecursionError traceback (exit 1, "verification failed"), /dev/zero in a MemoryError.
Now a file the command cannot take is a usage error (2) naming it; the credential or presentation being verified
is the verifier's to judge (a failed report, 1); a wallet backup that is not one is stored-data damage (3).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support_cli import WALLET_PASSPHRASE

from vcred.examples import ISSUER_ROLES
from vcred.examples.office import POLICY, trust_registry
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

DEEP = ('{"a":' * 10_000 + "1" + "}" * 10_000).encode()
KINDS = {
    "deep": DEEP,
    "duplicate-keys": b'{"a": 1, "a": 2}',
    "not-utf8": b'{"a": "\xff\xfe"}',
    "100MB": None,  # a sparse file of 100 MB
    "dev-zero": None,  # the device itself
}
USAGE, FAILED, STORED_DATA = 2, 1, 3


def _hostile_file(directory: Path, kind: str, name: str) -> str:
    if kind == "dev-zero":
        if not Path("/dev/zero").exists():
            pytest.skip("this system has no /dev/zero")
        return "/dev/zero"
    path = directory / name
    if kind == "100MB":
        with path.open("wb") as handle:
            handle.truncate(100 * 1024 * 1024)
    else:
        path.write_bytes(KINDS[kind] or b"")
    return name


@pytest.fixture
def office(tmp_path):
    issuers = {role: f"did:example:{role}" for role in ISSUER_ROLES}
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    (tmp_path / "registry.json").write_text(json.dumps(trust_registry(issuers)))
    (tmp_path / "vc.json").write_text(json.dumps({"type": ["VerifiableCredential"]}))
    Wallet.create(tmp_path / "w.vcw", WALLET_PASSPHRASE, kdf=UNSAFE_FAST_KDF_FOR_TESTS)
    return tmp_path


CHECK = ["--challenge", "c", "--domain", "d"]
# (command with {} for the hostile file, exit code for a file the command must refuse to read)
FILE_OPTIONS = {
    "verify --anchor-proof": ["verify", "vc.json", "--anchor-proof", "{}"],
    "wallet import (its FILE.anchor.json)": ["wallet", "import", "vc.json"],
    "credential-check --policy": ["credential-check", "vc.json", "--policy", "{}", *CHECK],
    "credential-check --trust": ["credential-check", "vc.json", "--policy", "policy.json", "--trust", "{}", *CHECK],
    "credential-check --accreditations": [
        "credential-check", "vc.json", "--policy", "policy.json", "--trust", "registry.json", "--accreditations", "{}",
        *CHECK,
    ],
    "issue --data": ["issue", "CMECredential", "--data", "{}", "--subject", "did:example:h", "--issuer", "glie"],
    "revoke": ["revoke", "{}", "--issuer", "abr"],
}  # fmt: skip


def _assert_one_line_error(stderr: str, name: str) -> None:
    # the wallet's one informational line (when it was last saved) may come first
    lines = [line for line in stderr.strip().splitlines() if not line.startswith("wallet ")]
    assert lines and lines[0].startswith("error: ") and name in lines[0], stderr
    assert len(lines) <= 2, stderr  # the error, and perhaps one hint


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("option", list(FILE_OPTIONS))
def test_a_hostile_file_in_any_file_option_is_one_line_and_a_usage_error(office, vcred_process, option, kind):
    if option.endswith("(its FILE.anchor.json)"):
        if kind == "dev-zero":
            pytest.skip("a sidecar is read only when it is a regular file")
        name = "vc.json.anchor.json"
        _hostile_file(office, kind, name)
    else:
        name = _hostile_file(office, kind, "hostile.json")
    args = [name if part == "{}" else part for part in FILE_OPTIONS[option]]
    result = vcred_process(*args, expect=USAGE)
    _assert_one_line_error(result.stderr, name)


@pytest.mark.parametrize(("kind", "expect"), [("deep", FAILED), ("duplicate-keys", FAILED), ("not-utf8", USAGE),
                                              ("100MB", USAGE), ("dev-zero", USAGE)])  # fmt: skip
@pytest.mark.parametrize("command", ["credential", "presentation", "credential-check", "wallet import"])
def test_hostile_input_to_verify_is_a_failed_report_or_a_usage_error(office, vcred_process, command, kind, expect):
    name = _hostile_file(office, kind, "input.json")
    args = {
        "credential": ["verify", name, "--json"],
        "presentation": ["verify", name, *CHECK, "--json"],
        "credential-check": ["credential-check", name, "--policy", "policy.json", "--trust", "registry.json", *CHECK],
        "wallet import": ["wallet", "import", name, "--json"],
    }[command]
    result = vcred_process(*args, expect=expect)
    if expect == USAGE:
        _assert_one_line_error(result.stderr, name)
    elif command == "wallet import":
        (row,) = json.loads(result.stdout)
        assert not row["imported"] and ("nests deeper" in row["reason"] or "duplicate key" in row["reason"])
    elif command == "credential-check":
        assert "NOT APPROVED" in result.stdout
    else:
        report = json.loads(result.stdout)
        assert not report["verified"] and report["checks"][0]["status"] == "failed"


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_hostile_wallet_backup_is_refused_as_damaged_data(office, vcred_process, kind):
    name = _hostile_file(office, kind, "backup.vcw")
    result = vcred_process("wallet", "restore", name, "--wallet", "restored.vcw", expect=STORED_DATA)
    _assert_one_line_error(result.stderr, "wallet")
    assert not (office / "restored.vcw").exists()


def test_an_unforeseen_exception_is_exit_3_and_one_line(office, monkeypatch, capsys):
    """The boundary catches what no one foresaw (here a RecursionError) as an internal error, without a traceback."""
    from vcred.cli import app as cli_app
    from vcred.cli import commands  # noqa: F401 - registers the commands before the app is replaced

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(cli_app, "app", explode)
    monkeypatch.setattr("sys.argv", ["vcred", "verify", "vc.json"])
    with pytest.raises(SystemExit) as exited:
        cli_app.main()
    assert exited.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("error: internal error: RecursionError") and "Traceback" not in err
    monkeypatch.setattr("sys.argv", ["vcred", "verify", "vc.json", "--verbose"])
    with pytest.raises(RecursionError):
        cli_app.main()
