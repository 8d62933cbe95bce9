"""Hostile input: junk, bombs, deep nesting, huge strings, remote contexts, poison graphs, private addresses.

The only allowed outcomes are a report that did not verify, or a typed vcred error for API misuse: no other
exception, no hang (each input is time-bounded), bounded memory.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import random
import socket
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support_attacks import FUZZ_INPUTS, count

import vcred
from vcred.crypto import jwk, multibase
from vcred.did import default_resolver, resolve_verification_method
from vcred.errors import VcredError
from vcred.ledger.checkpoint import open_checkpoint
from vcred.ledger.entries import parse_entry
from vcred.ledger.merkle import verify_consistency, verify_inclusion
from vcred.status import Bitstring, StatusListError
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

KEY = insecure_seeded_key("hostile")
SIGNED = vcred.issue_credential(
    sample_credential(KEY.public_key.did_key, "did:example:h", name="A"), KEY, now=FIXED_NOW
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@context",
                    "type",
                    "issuer",
                    "proof",
                    "credentialSubject",
                    "id",
                    "validFrom",
                    "verifiableCredential",
                    "holder",
                    "cryptosuite",
                    "proofValue",
                    "verificationMethod",
                    "credentialStatus",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)
SETTINGS = settings(max_examples=FUZZ_INPUTS, deadline=None, suppress_health_check=list(HealthCheck))


def bounded(fn, *args, seconds=2.0, **kwargs):
    start = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    except VcredError:
        result = None
    assert time.perf_counter() - start < seconds, "an input took too long"
    return result


@SETTINGS
@given(JSONISH)
def test_verify_credential_on_junk(value):
    report = bounded(vcred.verify_credential, value, now=FIXED_NOW)
    assert report is not None and report.verified is False
    assert not any(c.id.endswith(".internal") for c in report.checks), [c.reason for c in report.checks]
    count("fuzz verify_credential", "inputs")


@SETTINGS
@given(JSONISH)
def test_verify_presentation_on_junk(value):
    report = bounded(vcred.verify_presentation, value, challenge="c", domain="d", now=FIXED_NOW)
    assert report is not None and report.verified is False
    assert not any(c.id.endswith(".internal") for c in report.checks)
    count("fuzz verify_presentation", "inputs")


@SETTINGS
@given(st.data())
def test_structured_junk_inside_a_signed_credential(data):
    document = json.loads(json.dumps(SIGNED))
    target = data.draw(st.sampled_from(["credentialSubject", "proof", "issuer", "@context", "type", "validFrom"]))
    document[target] = data.draw(JSONISH)
    report = bounded(vcred.verify_credential, document, now=FIXED_NOW)
    assert report is not None and not report.verified
    assert not any(c.id.endswith(".internal") for c in report.checks), [c.reason for c in report.checks]
    count("fuzz structured credential", "inputs")


@SETTINGS
@given(st.text(max_size=120) | st.binary(max_size=80).map(lambda b: "did:key:z" + base64.b32encode(b).decode()))
def test_resolvers_and_decoders_on_junk(text):
    for call in (
        lambda: default_resolver().resolve(text),
        lambda: resolve_verification_method(default_resolver(), text, "assertionMethod"),
        lambda: multibase.decode_multikey_public(text),
        lambda: multibase.decode_base64url(text),
        lambda: jwk.jwk_to_public({"kty": "OKP", "crv": "Ed25519", "x": text}),
        lambda: Bitstring.decode(text),
        lambda: open_checkpoint(text, ("op", KEY.public_key)),
        lambda: parse_entry(text.encode()),
    ):
        try:
            bounded(call)
        except StatusListError:
            pass
    count("fuzz resolvers, multibase, JWK, status, checkpoint, entry parsers", "inputs")


@SETTINGS
@given(st.integers(-5, 300), st.integers(-5, 300), st.lists(st.binary(min_size=0, max_size=40), max_size=70))
def test_merkle_verifiers_on_junk(a, b, proof):
    root = bytes(32)
    assert verify_inclusion(a, b, root, proof, root) in (True, False)
    assert verify_consistency(a, b, root, root, proof) in (True, False)
    count("fuzz merkle proof verifiers", "inputs")


def test_deep_nesting_and_huge_strings():
    deep = "[" * 10_000 + "]" * 10_000
    nested: dict = {}
    node = nested
    for _ in range(10_000):
        node["a"] = {}
        node = node["a"]
    tracemalloc.start()
    huge = "x" * (100 * 1024 * 1024)
    for junk in (deep, nested, huge, '{"credentialSubject": "' + "y" * 2_000_000 + '"}'):
        report = bounded(vcred.verify_credential, junk, now=FIXED_NOW)
        assert report.checks[0].id == "vc.input" and not report.verified
        count("hostile shapes", "refused")
    del huge
    tracemalloc.stop()


def test_gzip_bomb_in_a_status_list():
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(300 * 1024 * 1024), 9)).rstrip(b"=").decode()
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(StatusListError):
        Bitstring.decode(bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.perf_counter() - start < 3 and peak < 64 * 1024 * 1024
    count("hostile shapes", "refused")


def test_remote_contexts_are_never_fetched(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("vcred tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    for url in ("https://evil.example/ctx.jsonld", "http://169.254.169.254/latest/meta-data", "file:///etc/passwd"):
        document = {**SIGNED, "@context": [*SIGNED["@context"], url]}
        report = vcred.verify_credential(document, now=FIXED_NOW)
        assert not report.verified and "not bundled" in report.check("vc.proof.transform").reason
        count("hostile shapes", "refused")


def test_rdfc_poison_graph_is_refused_quickly():
    subject = {"id": "did:example:h", "name": "A"}
    node = subject
    for _ in range(400):  # hundreds of blank nodes
        node["evidence"] = [{"type": ["Evidence"], "name": "n"}, {"type": ["Evidence"], "name": "n"}]
        node = node["evidence"][0]
    credential = {**sample_credential(KEY.public_key.did_key, "did:example:h"), "credentialSubject": subject}
    start = time.perf_counter()
    report = vcred.verify_credential({**credential, "proof": SIGNED["proof"]}, now=FIXED_NOW)
    assert not report.verified and time.perf_counter() - start < 5
    count("hostile shapes", "refused")


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fd00::1", "localhost"])
def test_did_web_pointing_inside_the_network(host):
    from vcred.did import HttpsFetcher

    with pytest.raises(VcredError, match=r"non-public|cannot resolve"):
        HttpsFetcher().vet(host)
    count("hostile shapes", "refused")


def test_random_bytes():
    rng = random.Random(99)
    for _ in range(FUZZ_INPUTS):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        assert not bounded(vcred.verify_credential, blob, now=FIXED_NOW).verified
        assert not bounded(vcred.verify_presentation, blob, challenge="c", domain="d", now=FIXED_NOW).verified
        count("fuzz random bytes", "inputs")


def _rotated_world():
    """A did:vcred board whose key 1 was retired, one credential it signed with key 1, and a synced client."""
    from vcred.did.ledger import create_event, method_id, rotate_event
    from vcred.ledger import Ledger, LedgerClient

    keys = [insecure_seeded_key(f"hostile board {i}") for i in range(3)]
    ledger = Ledger.in_memory(origin="o", operator_name="op", operator_key=insecure_seeded_key("hostile op"))
    did, create = create_event(keys[0], keys[1].public_key, timestamp=int(FIXED_NOW.timestamp()))
    ledger.append([create], now=FIXED_NOW)
    credential = vcred.issue_credential(
        sample_credential(did, "did:example:h", name="A"), keys[0], verification_method=method_id(did, 1), now=FIXED_NOW
    )
    later = FIXED_NOW + dt.timedelta(days=1)
    event = rotate_event(
        did,
        version=1,
        current_key=keys[0],
        new_key=keys[1],
        following_key=keys[2].public_key,
        previous_leaf=ledger.did_events(did)[-1][1],
        timestamp=int(later.timestamp()),
    )
    ledger.append([event], now=later)
    client = LedgerClient(ledger, operator=ledger.operator, origin="o")
    client.sync()
    return credential, client, later + dt.timedelta(hours=1)


ROTATED = _rotated_world()
ANCHOR_PROOFISH = (
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["BatchAnchorProof", "x"]),
            "credentialHash": st.text(max_size=70) | st.just("ab" * 32),
            "index": st.integers(-3, 2**40) | st.booleans(),
            "count": st.integers(-3, 2**40),
            "path": st.lists(st.text(max_size=70) | st.just("cd" * 32), max_size=40) | JSONISH,
            "root": st.text(max_size=70) | st.just("ef" * 32),
        },
    )
    | JSONISH
)


@SETTINGS
@given(st.lists(ANCHOR_PROOFISH, max_size=3))
def test_junk_anchor_proofs_fail_the_anchor_check_and_nothing_else(proofs):
    from vcred.errors import LedgerError
    from vcred.ledger import BatchProof
    from vcred.verify import VerifyOptions

    for proof in proofs:
        try:
            BatchProof.from_json(proof)
        except LedgerError:
            pass
    credential, client, at = ROTATED
    report = bounded(
        vcred.verify_credential, credential, now=at, ledger=client, options=VerifyOptions(anchor_proofs=proofs)
    )
    assert report is not None and not report.verified
    assert [c.id for c in report.failures] == ["vc.ledger.anchor"], [c.reason for c in report.failures]
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/vcred/v1"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential],
        "anchorProofs": proofs,
    }
    presented = bounded(vcred.verify_presentation, vp, challenge="c", domain="d", now=at, ledger=client)
    assert presented is not None and not presented.verified
    assert not any(c.id.endswith(".internal") for r in presented.credentials for c in r.checks)
    count("fuzz anchor proofs", "inputs")


@SETTINGS
@given(st.dictionaries(st.sampled_from(["statusSize", "statusMessage", "statusReference", "statusPurpose"]), JSONISH))
def test_junk_multi_bit_status_entries(overrides):
    from vcred.status import MemoryFetcher, check_status

    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "3",
        "statusListCredential": "https://board.example/status/1",
        **overrides,
    }
    checks = bounded(
        check_status,
        {"credentialStatus": entry, "issuer": "did:example:x"},
        fetcher=MemoryFetcher(),
        verify_list=lambda _: None,
        now=FIXED_NOW,
    )
    assert checks and all(not c.ok for c in checks)
    count("fuzz status entries", "inputs")
