"""C2SP signed-note and tlog-checkpoint rules, and a real log written by Tessera read with vcred's note and Merkle code.

Verifier keys are ``name+hash+base64key``; the base64 part holds '+' in about four keys of ten, so splitting on
every '+' refused them. Key names hold no '+', no whitespace and are never empty, on both sides.
"""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import SHARED_REFERENCE

from vcred.crypto.keys import Ed25519SigningKey
from vcred.errors import LedgerError, UsageError
from vcred.ledger.checkpoint import (
    Checkpoint,
    cosign,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
    verifier_key,
)
from vcred.ledger.merkle import (
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

TESSERA = SHARED_REFERENCE / "tlog" / "tessera-log"
TESSERA_KEY = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
needs_tessera = pytest.mark.skipif(
    not TESSERA.is_dir(), reason=f"the shared reference log ({TESSERA}) is not present (CI has it)"
)
KEY = Ed25519SigningKey(bytes(range(32)))
CHECKPOINT = Checkpoint("example.org/log", 3, bytes(32))


def test_400_generated_verifier_keys_all_parse_back():
    keys = [Ed25519SigningKey.generate() for _ in range(400)]
    texts = [verifier_key("ledger.example/operator", key.public_key) for key in keys]
    assert sum("+" in text.split("+", 2)[2] for text in texts) > 50  # the case that used to fail is well covered
    for key, text in zip(keys, texts, strict=True):
        assert parse_verifier_key(text) == ("ledger.example/operator", key.public_key)


NAMES = st.text(alphabet=sorted(set(string.printable) - set(string.whitespace) - {"+"}), min_size=1, max_size=40)


@settings(max_examples=400, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), name=NAMES)
def test_any_key_and_valid_name_round_trips_and_signs(seed, name):
    key = Ed25519SigningKey(seed)
    assert parse_verifier_key(verifier_key(name, key.public_key)) == (name, key.public_key)
    note = sign_checkpoint(CHECKPOINT, name, key)
    assert open_checkpoint(note, (name, key.public_key)).checkpoint == CHECKPOINT


@pytest.mark.parametrize("name", ["", "a+b", "a b", "tab\there", "new\nline", "+"])
def test_invalid_key_names_are_a_usage_error_when_creating(name):
    with pytest.raises(UsageError, match="invalid signer name"):
        verifier_key(name, KEY.public_key)
    with pytest.raises(UsageError, match="invalid signer name"):
        sign_checkpoint(CHECKPOINT, name, KEY)
    note = sign_checkpoint(CHECKPOINT, "operator", KEY)
    with pytest.raises(UsageError, match="invalid signer name"):
        cosign(note, name, KEY, 1_700_000_000)


@pytest.mark.parametrize(
    "text",
    [
        "+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",  # empty name
        "exa mple+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",  # space in the name
        "example.com/log/testdata+33d7b4+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",  # short key hash
        "example.com/log/testdata+33d7b49g+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",  # not hex
        "example.com/log/testdata+33d7b497+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",  # wrong key hash
        "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkS",  # truncated key
        "example.com/log/testdata+33d7b496",
    ],
)
def test_malformed_verifier_keys_are_refused(text):
    with pytest.raises(LedgerError):
        parse_verifier_key(text)


def test_note_rules():
    note = sign_checkpoint(CHECKPOINT, "operator", KEY)
    operator = ("operator", KEY.public_key)
    stranger = Ed25519SigningKey(bytes(32))
    # a signature by a key the verifier does not know is ignored, not an error; a malformed line is one
    assert open_checkpoint(cosign(note, "stranger", stranger, 1), operator).checkpoint == CHECKPOINT
    extra = f"— someone+else {base64.b64encode(bytes(68)).decode()}\n"
    with pytest.raises(LedgerError, match="invalid key name"):
        open_checkpoint(note + extra, operator)
    with pytest.raises(LedgerError, match="newline"):
        open_checkpoint(note.rstrip("\n"), operator)
    with pytest.raises(LedgerError, match="control characters"):
        open_checkpoint(note.replace("example.org/log", "example.org/\x07log"), operator)
    with pytest.raises(LedgerError, match="not a signed note"):
        open_checkpoint(note[note.index("\n\n") + 1 :], operator)  # no text at all
    with pytest.raises(LedgerError, match="not signed by the ledger operator"):
        open_checkpoint(note, ("operator", stranger.public_key))


def _tessera_leaves() -> list[bytes]:
    """The leaf hashes of the 15-entry log: from its hash tile, checked against its entry bundle."""
    tile = (TESSERA / "tile" / "0" / "000.p" / "15").read_bytes()
    hashes = [tile[i : i + 32] for i in range(0, len(tile), 32)]
    bundle = (TESSERA / "tile" / "entries" / "000.p" / "15").read_bytes()
    entries, at = [], 0
    while at < len(bundle):
        length = int.from_bytes(bundle[at : at + 2], "big")
        entries.append(bundle[at + 2 : at + 2 + length])
        at += 2 + length
    assert entries[0] == b"one" and entries[-1] == b"fivten"
    assert [leaf_hash(entry) for entry in entries] == hashes
    return hashes


@needs_tessera
def test_every_checkpoint_of_a_real_tessera_log_verifies_and_matches_its_tiles():
    operator = parse_verifier_key(TESSERA_KEY)
    assert "+" in TESSERA_KEY.split("+", 2)[2]  # the key this log ships with is one the old parser refused
    leaves = _tessera_leaves()
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    roots = {}
    for size in range(len(leaves) + 1):
        note = (TESSERA / f"checkpoint.{size}").read_text("utf-8")
        checkpoint = open_checkpoint(note, operator).checkpoint
        assert (checkpoint.origin, checkpoint.size) == ("example.com/log/testdata", size)
        assert checkpoint.root_hash == tree.root(size)  # vcred's RFC 9162 code rebuilds Tessera's root
        roots[size] = checkpoint.root_hash
    latest = open_checkpoint((TESSERA / "checkpoint").read_text("utf-8"), operator).checkpoint
    assert latest.root_hash == roots[15]
    for new in range(1, 16):
        for index in range(new):
            assert verify_inclusion(index, new, leaves[index], inclusion_proof(tree, index, new), roots[new])
        for old in range(1, new + 1):
            proof = consistency_proof(tree, old, new)
            assert verify_consistency(old, new, roots[old], roots[new], proof)


@needs_tessera
def test_a_tampered_tessera_checkpoint_is_refused():
    operator = parse_verifier_key(TESSERA_KEY)
    note = (TESSERA / "checkpoint.7").read_text("utf-8")
    with pytest.raises(LedgerError, match="invalid"):
        open_checkpoint(note.replace("\n7\n", "\n8\n", 1), operator)
    other_name = ("example.com/log/other", operator[1])
    with pytest.raises(LedgerError, match="not signed"):
        open_checkpoint(note, other_name)
