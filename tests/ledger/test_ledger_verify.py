"""verify_credential with a ledger client: issuer DID history and anchored status lists."""

from __future__ import annotations

import hashlib
import json

import vcred
from vcred.did.ledger import method_id
from vcred.examples import board_certification_example
from vcred.ledger.entries import make_entry
from vcred.status import MemoryFetcher, StatusList
from vcred.testing import FIXED_NOW


def publish(world, status_list, fetcher, *, anchor=True):
    signed = status_list.publish(world.keys[0], now=FIXED_NOW, verification_method=method_id(world.did, 1))
    text = json.dumps(signed)
    fetcher.publish(status_list.url, text)
    if anchor:
        entry = make_entry(
            "status-list",
            {
                "issuer": world.did,
                "url": status_list.url,
                "version": status_list.version,
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            },
            submitter=method_id(world.did, 1),
            key=world.keys[0],
            timestamp=int(FIXED_NOW.timestamp()),
        )
        world.ledger.append([entry], now=FIXED_NOW)
    return text


def setup(world):
    fetcher = MemoryFetcher()
    revocations = StatusList(url="https://board.example/status/r1", purpose="revocation", issuer=world.did)
    credential = board_certification_example(issuer=world.did)
    credential["credentialStatus"] = revocations.entry(revocations.allocate())
    signed = vcred.issue_credential(
        credential, world.keys[0], verification_method=method_id(world.did, 1), now=FIXED_NOW
    )
    return fetcher, revocations, signed


def ids(report, status):
    return [c.id for c in report.checks if c.status == status]


def test_anchored_issuer_and_list(world):
    fetcher, revocations, signed = setup(world)
    publish(world, revocations, fetcher)
    client = world.client(quorum=2)
    client.accept(world.cosigned())
    report = vcred.verify_credential(signed, now=FIXED_NOW, status_fetcher=fetcher, ledger=client)
    assert report.verified, report.failures
    assert "vc.ledger.issuer" in ids(report, "passed") and "vc.ledger.status_list" in ids(report, "passed")


def test_unanchored_or_different_list_is_a_split_view(world):
    fetcher, revocations, signed = setup(world)
    publish(world, revocations, fetcher, anchor=False)
    client = world.client(quorum=0)
    client.sync()
    report = vcred.verify_credential(signed, now=FIXED_NOW, status_fetcher=fetcher, ledger=client)
    assert ids(report, "failed") == ["vc.ledger.status_list"]
    # the issuer anchors one version but serves this verifier another (e.g. hiding a revocation)
    publish(world, revocations, fetcher)
    other = StatusList(url=revocations.url, purpose="revocation", issuer=world.did)
    other.version = revocations.version
    fetcher.publish(
        revocations.url,
        json.dumps(other.publish(world.keys[0], now=FIXED_NOW, verification_method=method_id(world.did, 1))),
    )
    client.sync()
    report = vcred.verify_credential(signed, now=FIXED_NOW, status_fetcher=fetcher, ledger=client)
    assert ids(report, "failed") == ["vc.ledger.status_list"]
    assert "split view" in report.check("vc.ledger.status_list").reason


def test_did_vcred_issuer_needs_the_ledger(world):
    _, _, signed = setup(world)
    signed = dict(signed)
    signed.pop("credentialStatus", None)
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert "did:vcred is resolved from a ledger" in report.check("vc.proof.verification_method").reason
