"""Batch anchors prove when a credential was issued: after a key rotation, a credential signed with the retired
key verifies only with an anchor entered before the rotation, so a thief holding the old key cannot backdate."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from support_ledger import T0

import vcred
from vcred.did.ledger import method_id, rotate_event
from vcred.errors import LedgerError, UsageError
from vcred.examples import board_certification_example
from vcred.ledger import BatchProof, build_batch, make_entry
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.verify import VerifyOptions

HOLDER = insecure_seeded_key("anchored holder")
HOLDER_DID = HOLDER.public_key.did_key
DAY = timedelta(days=1)
T1, T2, T3 = FIXED_NOW + DAY, FIXED_NOW + 2 * DAY, FIXED_NOW + 3 * DAY


def sign(world, *, version=1, key=None, now=FIXED_NOW, suite="eddsa-rdfc-2022"):
    credential = board_certification_example(issuer=world.did, subject=HOLDER_DID)
    return vcred.issue_credential(
        credential,
        key or world.keys[version - 1],
        suite=suite,
        verification_method=method_id(world.did, version),
        now=now,
    )


def anchor(world, credentials, *, version=1, key=None, now=FIXED_NOW + timedelta(minutes=1)):
    root, proofs = build_batch(credentials)
    entry = make_entry(
        "batch-anchor",
        {"issuer": world.did, "root": root.hex(), "count": len(credentials)},
        submitter=method_id(world.did, version),
        key=key or world.keys[version - 1],
        timestamp=int(now.timestamp()),
    )
    world.ledger.append([entry], now=now)
    return proofs


def rotate(world):
    previous = world.ledger.did_events(world.did)[-1][1]
    event = rotate_event(
        world.did,
        version=1,
        current_key=world.keys[0],
        new_key=world.keys[1],
        following_key=world.keys[2].public_key,
        previous_leaf=previous,
        timestamp=int(T1.timestamp()),
    )
    world.ledger.append([event], now=T1)


@pytest.fixture
def story(world):
    """Two credentials anchored on day 0, one not; the key rotated on day 1; a client synced on day 3."""
    anchored = sign(world)
    anchored_jwt = sign(world, suite="vc+jwt")
    proofs = anchor(world, [anchored, anchored_jwt])
    unanchored = sign(world)
    rotate(world)
    client = world.client(quorum=0)
    client.sync()
    return dataclasses.make_dataclass("Story", ["world", "client", "anchored", "jwt", "proofs", "unanchored"])(
        world, client, anchored, anchored_jwt, proofs, unanchored
    )


def verify(story, credential, *proofs, at=T3, **options):
    return vcred.verify_credential(
        credential, now=at, ledger=story.client, options=VerifyOptions(anchor_proofs=proofs, **options)
    )


def test_credentials_anchored_before_the_rotation_keep_verifying(story):
    for credential, proof in ((story.anchored, story.proofs[0]), (story.jwt, story.proofs[1])):
        report = verify(story, credential, proof)
        assert report.verified, report.failures
        check = report.check("vc.ledger.anchor")
        assert check.ok and "before key version 1 was retired" in check.reason
    # the JSON form a holder keeps works the same
    assert verify(story, story.anchored, story.proofs[0].to_json()).verified


def test_an_unanchored_credential_of_a_retired_key_is_only_the_signers_word(story):
    report = verify(story, story.unanchored)
    check = report.check("vc.ledger.anchor")
    assert not report.verified and check.code == "ISSUANCE_TIME_UNPROVEN" and "retired" in check.reason
    # before the rotation nothing needed proving
    before = vcred.verify_credential(story.anchored, now=FIXED_NOW, ledger=story.client)
    assert before.check("vc.ledger.anchor").status == "skipped" and before.verified
    # an office may choose to believe the claimed date, and the report says so
    trusting = verify(story, story.unanchored, trust_claimed_issuance_time=True)
    assert trusting.verified and "trusted as configured" in trusting.check("vc.ledger.anchor").reason


def test_a_thief_with_the_retired_key_cannot_backdate_or_anchor(story):
    world = story.world
    forged = sign(world, key=world.keys[0], now=FIXED_NOW)  # signed on day 2, dated day 0
    assert verify(story, forged).check("vc.ledger.anchor").code == "ISSUANCE_TIME_UNPROVEN"
    with pytest.raises(LedgerError, match=r"cannot verify the submitter|does not verify"):
        anchor(world, [forged], now=T2)
    # dated just before the rotation and submitted just after it: the ledger wants the key in force now
    with pytest.raises(LedgerError):
        anchor(world, [forged], now=T1 - timedelta(seconds=10))
    # a batch the thief built but could not anchor proves nothing
    _, (unanchored_proof,) = build_batch([forged])
    check = verify(story, forged, unanchored_proof).check("vc.ledger.anchor")
    assert check.code == "PROOF_VERIFICATION_ERROR" and "no batch anchored" in check.reason


def test_old_credentials_anchored_after_the_rotation_are_refused(story):
    late = anchor(story.world, [story.unanchored], version=2, now=T2)
    story.client.sync()
    check = verify(story, story.unanchored, late[0]).check("vc.ledger.anchor")
    assert not check.ok and "after key version 1 was retired" in check.reason


def test_new_key_needs_no_anchor(story):
    fresh = sign(story.world, version=2, now=T2)
    report = verify(story, fresh)
    assert report.verified and "still in force" in report.check("vc.ledger.anchor").reason


def test_bad_anchor_proofs(story):
    good = story.proofs[0]
    tampered = dataclasses.replace(good, path=(bytes(32), *good.path[1:]))
    check = verify(story, story.anchored, tampered).check("vc.ledger.anchor")
    assert check.code == "PROOF_VERIFICATION_ERROR" and "does not lead" in check.reason
    # another credential's proof is no proof for this one
    other = verify(story, story.unanchored, good).check("vc.ledger.anchor")
    assert other.code == "ISSUANCE_TIME_UNPROVEN"
    for junk in ({"type": "BatchAnchorProof"}, "not a proof", {**good.to_json(), "index": 99}):
        check = verify(story, story.anchored, junk).check("vc.ledger.anchor")
        assert check.code == "MALFORMED_VALUE_ERROR" and not check.ok


@pytest.mark.parametrize(
    "value",
    [
        {"type": "BatchAnchorProof"},
        {"type": "Other", "credentialHash": "00" * 32, "index": 0, "count": 1, "path": [], "root": "00" * 32},
        {
            "type": "BatchAnchorProof",
            "credentialHash": "00" * 32,
            "index": 1,
            "count": 1,
            "path": [],
            "root": "00" * 32,
        },
        {
            "type": "BatchAnchorProof",
            "credentialHash": "XY" * 32,
            "index": 0,
            "count": 1,
            "path": [],
            "root": "00" * 32,
        },
        {
            "type": "BatchAnchorProof",
            "credentialHash": "00" * 32,
            "index": 0,
            "count": 2,
            "path": ["00"] * 40,
            "root": "00" * 32,
        },
        {
            "type": "BatchAnchorProof",
            "credentialHash": "00" * 32,
            "index": True,
            "count": 2,
            "path": [],
            "root": "0" * 64,
        },
        [],
    ],
)
def test_anchor_proof_json_is_strict(value):
    with pytest.raises(LedgerError):
        BatchProof.from_json(value)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vp+jwt"])
def test_presentations_carry_anchor_proofs(story, suite):
    def present(credentials, proofs):
        return vcred.create_presentation(
            credentials,
            HOLDER,
            challenge="n-1",
            domain="hospital.example",
            expires=timedelta(hours=1),
            suite=suite,
            now=T3,
            anchor_proofs=proofs,
        )

    def check(vp):
        return vcred.verify_presentation(vp, challenge="n-1", domain="hospital.example", now=T3, ledger=story.client)

    report = check(present([story.anchored, story.jwt], [story.proofs[0].to_json(), story.proofs[1]]))
    assert report.verified, [c.failures for c in report.credentials]
    assert all(c.check("vc.ledger.anchor").ok for c in report.credentials)
    mixed = check(present([story.anchored, story.unanchored], story.proofs[:1]))
    assert not mixed.verified
    assert mixed.credentials[1].check("vc.ledger.anchor").code == "ISSUANCE_TIME_UNPROVEN"
    with pytest.raises(UsageError, match="none of the presented"):
        present([story.unanchored], story.proofs[:1])


def test_ledger_entries_are_authorised_by_the_key_in_force_now(world):
    rotate(world)
    stale = make_entry(
        "batch-anchor",
        {"issuer": world.did, "root": "11" * 32, "count": 1},
        submitter=method_id(world.did, 1),
        key=world.keys[0],
        timestamp=int(T1.timestamp()) - 5,
    )
    with pytest.raises(LedgerError, match="cannot verify the submitter"):
        world.ledger.append([stale], now=T1)


def test_finding_one_anchor_among_thousands_proves_only_that_one(world, monkeypatch):
    credential = sign(world)
    (proof,) = anchor(world, [credential])
    noise = [
        make_entry(
            "batch-anchor",
            {"issuer": world.did, "root": f"{i:064x}", "count": 10},
            submitter=method_id(world.did, 1),
            key=world.keys[0],
            timestamp=T0,
        )
        for i in range(3000)
    ]
    world.ledger.append(noise, now=FIXED_NOW)
    rotate(world)
    client = world.client(quorum=0)
    client.sync()
    client.latest("https://nowhere.example/list", "status-list", author=world.did)  # builds the client's index up front
    entries_read = []
    original = type(client)._entry
    monkeypatch.setattr(type(client), "_entry", lambda self, i: entries_read.append(i) or original(self, i))
    report = vcred.verify_credential(credential, now=T3, ledger=client, options=VerifyOptions(anchor_proofs=[proof]))
    assert report.verified, report.failures
    assert len(entries_read) < 20  # the issuer's DID events and the one anchor, not 3 001 anchors


def test_a_claimed_iat_cannot_choose_which_key_needs_an_anchor(story):
    """One time per decision: the key whose history is checked is the key that verified the signature."""
    world = story.world
    credential = board_certification_example(issuer=world.did, subject=HOLDER_DID)
    credential["iat"] = int(T2.timestamp())  # "signed now", when key version 2 is in force
    # the thief signs with the retired key 1, backdating the proof so that key 1 verifies it
    forged = vcred.issue_credential(
        credential, world.keys[0], verification_method=method_id(world.did, 1), now=FIXED_NOW, validate=False
    )
    report = verify(story, forged, at=T3)
    assert report.check("vc.proof.signature").ok
    check = report.check("vc.ledger.anchor")
    assert not report.verified and check.code == "ISSUANCE_TIME_UNPROVEN"
    assert "key version 1" in report.check("vc.ledger.issuer").reason
    assert report.check("vc.closed_world").ok  # iat is a VC 2.0 term: only the key moment stops this
