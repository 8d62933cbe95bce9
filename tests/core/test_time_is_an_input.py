"""Time is an input: the library reads the clock only at its public boundary, and only when no ``now`` was given."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

import vcred
from vcred.errors import UsageError
from vcred.ledger import Ledger, Witness
from vcred.ledger.checkpoint import open_checkpoint
from vcred.ledger.store import MemoryStore
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

PACKAGE = Path(vcred.__file__).parent
# The packages below the public boundary, and the functions in them that may read the clock: each is a public
# method's default for a ``now`` its caller did not give (or, for a rotation, waits for the clock to pass the
# key's last second). The CLI, the demo and the verifier's entry points are boundaries of their own.
LIBRARY = ("proofs", "jose", "status", "ledger", "wallet", "did", "jsonld", "crypto", "model", "office", "issuer")
ALLOWED = {
    ("ledger/log.py", "_moment"),
    ("wallet/wallet.py", "_moment"),
    ("issuer/issue.py", "issue_credential"),  # the public entry points
    ("wallet/present.py", "create_presentation"),
    ("office/workflow.py", "review"),
    ("issuer/account.py", "create"),
    ("issuer/account.py", "issue"),
    ("issuer/account.py", "set_status"),
    ("issuer/account.py", "publish"),
    ("issuer/account.py", "anchor"),
    ("issuer/account.py", "anchor_registry"),
    ("issuer/account.py", "foreign_revocation"),
    ("issuer/account.py", "_after_last_use"),
}
CLOCKS = {"utcnow", "now", "today", "time", "time_ns", "utcfromtimestamp"}


def _clock_reads(path: Path, root: Path = PACKAGE) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call):
                called = child.func
                attr = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
                owner = called.value if isinstance(called, ast.Attribute) else None
                owner_name = getattr(owner, "id", getattr(owner, "attr", ""))
                if attr == "utcnow" or (attr in CLOCKS and owner_name in {"datetime", "date", "time"}):
                    found.add((path.relative_to(root).as_posix(), function))
            visit(child, name)

    visit(tree, "<module>")
    return found


def test_the_library_reads_the_clock_only_at_its_boundary():
    files = [
        p
        for entry in LIBRARY
        for p in ([PACKAGE / entry] if entry.endswith(".py") else (PACKAGE / entry).rglob("*.py"))
    ]
    reads = set().union(*(_clock_reads(p) for p in files))
    assert reads - ALLOWED == set()


def test_the_inventory_sees_a_clock_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import datetime, time\nfrom vcred._time import utcnow\n"
        "def f():\n    return datetime.datetime.now(), time.time()\n"
        "def g():\n    return utcnow()\n"
        "def h(now):\n    return now\n"
    )
    assert _clock_reads(sample, tmp_path) == {("sample.py", "f"), ("sample.py", "g")}


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the wallet: its save time is the caller's ---------------------------------------------------------------------


def test_the_wallet_is_saved_at_the_callers_now(tmp_path):
    path = tmp_path / "wallet.vcw"
    wallet = Wallet.create(path, "pw", kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW)
    assert wallet.state.saved_at == _stamp(FIXED_NOW)
    later = FIXED_NOW + timedelta(days=3)
    issuer = insecure_seeded_key("clock issuer")
    credential = vcred.issue_credential(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential"],
            "issuer": issuer.public_key.did_key,
            "credentialSubject": {"id": wallet.holder_did, "name": "Dr. Amara Okafor"},
        },
        issuer,
        suite="eddsa-jcs-2022",
        now=FIXED_NOW,
    )
    stored = wallet.import_credential(credential, now=later)
    assert stored.added_at == wallet.state.saved_at == _stamp(later)
    removed_at = later + timedelta(days=1)
    wallet.remove(stored.id, now=removed_at)
    assert wallet.state.saved_at == _stamp(removed_at)
    backup = wallet.backup(tmp_path / "backup.vcw")
    restored = Wallet.restore(backup, path, "pw", overwrite=True, now=FIXED_NOW + timedelta(days=9))
    assert restored.state.saved_at == _stamp(FIXED_NOW + timedelta(days=9))


def test_a_naive_now_is_refused_by_the_wallet(tmp_path):
    with pytest.raises(UsageError, match="timezone-aware"):
        Wallet.create(tmp_path / "w.vcw", "pw", kdf=UNSAFE_FAST_KDF_FOR_TESTS, now=FIXED_NOW.replace(tzinfo=None))


# -- the ledger: checkpoints are cosigned at the caller's now ------------------------------------------------------


def _ledger_with_witness(now):
    operator = insecure_seeded_key("clock operator")
    origin = "ledger.clock.example/main"
    witness = Witness(
        "witness.clock.example",
        insecure_seeded_key("clock witness"),
        operator=("ledger.clock.example", operator.public_key),
        origin=origin,
    )
    ledger = Ledger(
        MemoryStore(),
        origin=origin,
        operator_name="ledger.clock.example",
        operator_key=operator,
        signature_helpers=False,
        cosigners=[witness],
        now=now,
    )
    return ledger, witness


def _cosigned_at(ledger, witness, note):
    signed = open_checkpoint(note, ledger.operator, {witness.name: witness.public_key})
    return {c.timestamp for c in signed.cosignatures}


def test_every_checkpoint_is_cosigned_at_the_callers_now():
    ledger, witness = _ledger_with_witness(FIXED_NOW)
    assert _cosigned_at(ledger, witness, ledger.latest_checkpoint()) == {int(FIXED_NOW.timestamp())}
    later = FIXED_NOW + timedelta(hours=2)
    assert _cosigned_at(ledger, witness, ledger.checkpoint(now=later)) == {int(later.timestamp())}
    from vcred.did.ledger import create_event

    key = insecure_seeded_key("clock board")
    _, event = create_event(key, insecure_seeded_key("clock board next").public_key, timestamp=int(later.timestamp()))
    ledger.append([event], now=later)
    assert _cosigned_at(ledger, witness, ledger.latest_checkpoint(now=later)) == {int(later.timestamp())}
