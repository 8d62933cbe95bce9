"""The credentialing world of vcred.testing, end to end: real issuers, ledger, witnesses, wallet and office."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import vcred
from vcred.errors import UsageError
from vcred.examples import board_certification_example
from vcred.office import Outcome
from vcred.testing import FIXED_NOW, CredentialingWorld

ALL_CATEGORIES = ["education", "board", "cme", "license", "malpractice"]


def requirement(decision, requirement_id):
    return next(r for r in decision.requirements if r.id == requirement_id)


def test_a_new_world_is_cheap_and_creates_issuers_only_when_used(world):
    assert not list(world.setting.issuers_dir.glob("*.json"))  # no issuer yet
    assert world.ledger.size == 0 and world.client.checkpoint is not None
    board = world.issue("BoardCertificationCredential")
    assert sorted(p.name for p in world.setting.issuers_dir.glob("*.json")) == ["board.json", "board.recovery.json"]
    assert board["issuer"] == world.did("board") and board["issuer"].startswith("did:vcred:")
    assert board["proof"]["created"] == "2026-06-01T12:00:00Z"  # the world's clock, not the wall clock
    assert [c.name for c in world.wallet.credentials] == ["BoardCertificationCredential"]
    with pytest.raises(UsageError, match="no issuer 'mill'"):
        world.issuer("mill")


def test_issue_present_verify_and_decide(world):
    world.issue_examples()
    vp = world.present(categories=ALL_CATEGORIES, challenge="n-1")
    report = world.verify_presentation(vp, challenge="n-1")
    assert report.verified, [(c.id, c.reason) for c in report.failures]
    for credential in report.credentials:
        assert credential.check("vc.ledger.status_list").ok and credential.check("vc.trust").ok
    decision = world.evaluate(report)
    assert decision.approved
    assert all(r.outcome is Outcome.MET for r in decision.requirements)
    assert not world.verify_presentation(vp, challenge="n-2").verified  # another verifier's challenge


def test_a_revoked_certification_is_not_approved_and_says_why(world):
    world.issue_examples()
    vp = world.present(categories=ALL_CATEGORIES)
    assert world.evaluate(vp).approved
    world.revoke(world.credential("BoardCertificationCredential"))
    report = world.verify_presentation(vp)
    board = next(c for c in report.credentials if "BoardCertificationCredential" in c.types)
    revocation = board.check("vc.status.revocation")
    assert revocation.status == "failed" and "revoked" in revocation.reason
    decision = world.evaluate(report)
    assert not decision.approved
    assert requirement(decision, "board").outcome is not Outcome.MET
    assert "revoked" in requirement(decision, "board").reason


def test_suspension_is_lifted_and_changes_wait_for_publication(world):
    board = world.issue("BoardCertificationCredential")
    world.suspend(board, publish=False)
    assert world.verify_credential(board).verified  # the published list does not say so yet
    world.publish()
    assert world.verify_credential(board).check("vc.status.suspension").status == "failed"
    world.reinstate(board)
    assert world.verify_credential(board).verified


def test_rotation_keeps_anchored_credentials_and_refuses_a_backdated_forgery(world):
    board = world.issue("BoardCertificationCredential")
    unanchored = world.issue("BoardCertificationCredential")
    world.anchor(board)
    issued_at = world.now
    retired = world.rotate("board")
    assert world.now == issued_at + timedelta(seconds=1)  # ledger times are whole seconds
    world.advance(timedelta(days=1))

    kept = world.verify_credential(board)
    assert kept.verified, [(c.id, c.reason) for c in kept.failures]
    assert "before key version 1 was retired" in kept.check("vc.ledger.anchor").reason
    vp = world.present(categories=["board"])  # the wallet presents the anchor proof with its credential
    assert not world.verify_presentation(vp).verified  # ...but the unanchored one is in it too
    assert world.verify_credential(unanchored).check("vc.ledger.anchor").code == "ISSUANCE_TIME_UNPROVEN"

    thief = board_certification_example(issuer=world.did("board"), subject=world.wallet.holder_did, now=issued_at)
    forged = vcred.issue_credential(thief, retired.key, verification_method=retired.verification_method, now=issued_at)
    refused = world.verify_credential(forged, trust=False)
    assert not refused.verified and refused.check("vc.ledger.anchor").code == "ISSUANCE_TIME_UNPROVEN"
    assert world.verify_credential(world.issue("BoardCertificationCredential")).verified  # the new key signs


def test_an_anchored_presentation_verifies_after_the_rotation(world):
    credentials = world.issue_examples()
    world.anchor(*credentials)
    world.rotate("board")
    world.advance(timedelta(hours=1))
    vp = world.present(categories=ALL_CATEGORIES)
    assert world.evaluate(vp).approved


def test_advancing_past_valid_until_expires_the_credential(world):
    board = world.issue("BoardCertificationCredential", valid_until=timedelta(days=30))
    assert world.verify_credential(board).verified
    world.advance(timedelta(days=31))
    report = world.verify_credential(board)
    assert not report.verified and report.check("vc.valid_until").status == "failed"
    assert world.now == FIXED_NOW + timedelta(days=31)
    with pytest.raises(UsageError, match="forward"):
        world.advance(timedelta(seconds=-1))


def test_claims_issuers_and_suites(tmp_path):
    world = CredentialingWorld.create(tmp_path, issuers=["board", "mill"])
    mill = world.issue("BoardCertificationCredential", issuer="mill", claims={"specialty": "Radiation Oncology"})
    assert mill["issuer"] == world.did("mill") and mill["credentialSubject"]["specialty"] == "Radiation Oncology"
    jwt = world.issue("BoardCertificationCredential", suite="vc+jwt")
    assert isinstance(jwt, str) and world.verify_credential(jwt, trust=False).verified
    with pytest.raises(UsageError, match="no example"):
        world.issue("AstrologyCredential")
    with pytest.raises(UsageError, match="already holds a world"):
        CredentialingWorld.create(tmp_path)


def test_the_world_lives_in_files_other_tools_can_read(world):
    world.issue("MedicalLicenseCredential")
    assert json.loads(world.fetcher.fetch(world.issuer("license-board").lists["revocation"].url))["type"]
    assert world.setting.ledger_trust().quorum == 2  # both witnesses must cosign what the verifier adopts
