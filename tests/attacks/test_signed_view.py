"""Every check reads what was signed: rewrites that keep an RDFC signature valid must not change what checks read.

Each test is one way an outside review got a forged or revoked credential accepted by writing the same RDF graph as
different JSON. The signature still verifies in each (that is the attack); the closed world refuses the document.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

import vcred
from vcred.examples import board_certification_example
from vcred.jsonld.canon import canonize_rdfc
from vcred.jsonld.loader import default_loader
from vcred.status import MemoryFetcher, StatusList
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

BOARD = insecure_seeded_key("signed view board")
HOLDER = insecure_seeded_key("signed view holder")
CRED = "https://www.w3.org/2018/credentials#"
VOCAB = "https://w3id.org/vcred/vocab#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
LOADER = default_loader()


def unproofed(document):
    return {k: v for k, v in document.items() if k != "proof"}


def same_graph(a, b):
    return canonize_rdfc(unproofed(a), loader=LOADER, backend="pyld") == canonize_rdfc(
        unproofed(b), loader=LOADER, backend="pyld"
    )


def signature_holds(report):
    return report.check("vc.proof.signature").ok


class Board:
    def __init__(self):
        self.did = BOARD.public_key.did_key
        self.fetcher = MemoryFetcher()
        self.revocations = StatusList(
            url="https://board.example/status/revocation/7", purpose="revocation", issuer=self.did
        )

    def issue(self, **changes):
        credential = board_certification_example(issuer=self.did, subject=HOLDER.public_key.did_key)
        credential.update(changes)
        self.index = self.revocations.allocate()
        credential["credentialStatus"] = self.revocations.entry(self.index)
        self.publish()
        return vcred.issue_credential(credential, BOARD, now=FIXED_NOW)

    def publish(self, now=FIXED_NOW):
        self.list = self.revocations.publish(BOARD, now=now)
        self.fetcher.publish(self.revocations.url, json.dumps(self.list))

    def revoke(self, now=FIXED_NOW):
        self.revocations.set(self.index)
        self.publish(now)


def verify(credential, board, now=FIXED_NOW):
    return vcred.verify_credential(credential, now=now, status_fetcher=board.fetcher)


def test_claim_forgery_with_a_null_mapped_term_and_an_alias():
    board = Board()
    signed = board.issue()
    board.revoke()
    vcred_context = copy.deepcopy(LOADER("https://w3id.org/vcred/v1")["@context"])
    vcred_context["certificationStatus"] = None
    vcred_context["signedStatus"] = VOCAB + "certificationStatus"
    forged = copy.deepcopy(signed)
    forged["@context"] = [signed["@context"][0], vcred_context]
    subject = forged["credentialSubject"]
    subject["signedStatus"] = subject.pop("certificationStatus")
    subject["certificationStatus"] = "certified"  # dropped by JSON-LD, so unsigned
    forged[CRED + "credentialSchema"] = forged.pop("credentialSchema")
    assert same_graph(signed, forged)
    report = verify(forged, board)
    assert signature_holds(report) and not report.verified
    assert "inline @context" in report.check("vc.closed_world").reason
    for skipped in ("vc.status", "vc.schema"):
        assert report.check(skipped).status.value == "skipped"
    # and in a presentation, which an office would evaluate
    vp = vcred.create_presentation(
        [forged], HOLDER, challenge="c", domain="d", expires=timedelta(hours=1), now=FIXED_NOW
    )
    vp_report = vcred.verify_presentation(vp, challenge="c", domain="d", now=FIXED_NOW, status_fetcher=board.fetcher)
    assert not vp_report.verified and not vp_report.check("vp.closed_world").ok
    assert all(not r.verified for r in vp_report.credentials)


def test_revocation_bypass_with_the_expanded_iri_of_credential_status():
    board = Board()
    signed = board.issue()
    board.revoke()
    assert verify(signed, board).check("vc.status.revocation").code == "CREDENTIAL_REVOKED"
    bypass = copy.deepcopy(signed)
    bypass[CRED + "credentialStatus"] = bypass.pop("credentialStatus")
    assert same_graph(signed, bypass)
    report = verify(bypass, board)
    assert signature_holds(report) and not report.verified
    assert "the IRI of a defined term" in report.check("vc.closed_world").reason


def test_expiry_bypass_with_an_expanded_typed_valid_until():
    board = Board()
    signed = board.issue(validUntil="2026-05-31T23:00:00Z")
    assert verify(signed, board).check("vc.valid_until").code == "RANGE_ERROR"
    bypass = copy.deepcopy(signed)
    bypass[CRED + "validUntil"] = {"@value": bypass.pop("validUntil"), "@type": XSD_DATETIME}
    assert same_graph(signed, bypass)
    report = verify(bypass, board)
    assert signature_holds(report) and not report.verified
    assert report.check("vc.closed_world").code == "MALFORMED_VALUE_ERROR"


def test_a_stale_status_list_cannot_hide_its_valid_until():
    board = Board()
    credential = board.issue()
    stale = copy.deepcopy(board.list)  # valid for 7 days from FIXED_NOW
    board.revoke()
    later = FIXED_NOW + timedelta(days=30)
    hidden = copy.deepcopy(stale)
    hidden[CRED + "validUntil"] = {"@value": hidden.pop("validUntil"), "@type": XSD_DATETIME}
    assert same_graph(stale, hidden)
    for served in (stale, hidden):
        board.fetcher.publish(board.revocations.url, json.dumps(served))
        report = verify(credential, board, now=later)
        assert not report.verified
        assert report.check("vc.status.revocation").code in ("STATUS_VERIFICATION_ERROR", "STATUS_RETRIEVAL_ERROR")


@pytest.mark.parametrize("change", ["rtl", "delete"])
def test_direction_is_signed(change):
    credential = sample_credential(BOARD.public_key.did_key, HOLDER.public_key.did_key)
    credential["name"] = {"@value": "شهادة البورد", "@language": "ar", "@direction": "ltr"}
    signed = vcred.issue_credential(credential, BOARD, now=FIXED_NOW)
    assert vcred.verify_credential(signed, now=FIXED_NOW).verified
    changed = copy.deepcopy(signed)
    if change == "rtl":
        changed["name"]["@direction"] = "rtl"
    else:
        del changed["name"]["@direction"]
    report = vcred.verify_credential(changed, now=FIXED_NOW)
    assert not report.verified and report.check("vc.proof.signature").code == "PROOF_VERIFICATION_ERROR"
    # the same graph as independent implementations sign it: the direction is part of the literal's datatype
    assert "https://www.w3.org/ns/i18n#ar_ltr" in canonize_rdfc(unproofed(signed), loader=LOADER)


@pytest.mark.parametrize(
    "rewrite",
    [
        pytest.param(lambda d: d.update({"@graph": [d.pop("credentialSubject")]}), id="graph"),
        pytest.param(lambda d: d.update({"@included": [{"id": "urn:x:1", "name": "x"}]}), id="included"),
        pytest.param(lambda d: d.update({"@reverse": {CRED + "credentialSubject": {"id": "urn:x:2"}}}), id="reverse"),
        pytest.param(lambda d: d.update({"@id": d.pop("id")}), id="keyword-id"),
        pytest.param(lambda d: d.update({"@type": d.pop("type")}), id="keyword-type"),
        pytest.param(lambda d: d.update({"type": [*d["type"], CRED + "VerifiableCredential"]}), id="type-iri"),
        pytest.param(lambda d: d.update({"id": "_:b0"}), id="blank-node-id"),
        pytest.param(lambda d: d.update({"validFrom": None}), id="null"),
        pytest.param(
            lambda d: d["credentialSubject"].update({"@context": "https://www.w3.org/ns/credentials/v2"}),
            id="nested-context",
        ),
        pytest.param(
            lambda d: d.update({"@context": [*d["@context"], {"@vocab": "https://evil.example/#"}]}), id="vocab"
        ),
    ],
)
def test_keywords_and_aliases_are_outside_the_closed_world(rewrite):
    credential = board_certification_example(issuer=BOARD.public_key.did_key, subject=HOLDER.public_key.did_key)
    signed = vcred.issue_credential(credential, BOARD, suite="eddsa-jcs-2022", now=FIXED_NOW)
    rewrite(signed)
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert not report.verified and report.check("vc.closed_world").code == "MALFORMED_VALUE_ERROR"


def test_inline_contexts_only_when_the_caller_passes_them_in():
    inline = {"dateOfReview": "https://hospital.example/vocab#dateOfReview"}
    credential = sample_credential(BOARD.public_key.did_key, HOLDER.public_key.did_key)
    credential["@context"] = [*credential["@context"], inline]
    credential["credentialSubject"]["dateOfReview"] = "2026-01-01"
    signed = vcred.issue_credential(credential, BOARD, now=FIXED_NOW)
    assert vcred.verify_credential(signed, now=FIXED_NOW).check("vc.closed_world").code == "MALFORMED_VALUE_ERROR"
    accepted = vcred.verify_credential(signed, now=FIXED_NOW, options=vcred.VerifyOptions(inline_contexts=[inline]))
    assert accepted.verified, accepted.failures


VC1 = {
    "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/data-integrity/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:subject"},
}


@pytest.mark.parametrize(
    "dates,failing",
    [
        ({"issuanceDate": "2026-01-01T00:00:00Z", "expirationDate": "2021-01-01T00:00:00Z"}, "vc.expiration_date"),
        ({"issuanceDate": "2030-01-01T00:00:00Z"}, "vc.issuance_date"),
        ({}, "vc.issuance_date"),
        ({"issuanceDate": "2026-01-01T00:00:00Z", "expirationDate": "2027-01-01T00:00:00Z"}, None),
    ],
)
def test_vc_1_1_time_fields(dates, failing):
    credential = {**VC1, "issuer": BOARD.public_key.did_key, **dates}
    signed = vcred.issue_credential(credential, BOARD, now=FIXED_NOW, validate=False)
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    if failing is None:
        assert report.verified, report.failures
        assert report.check("vc.expiration_date").ok and report.check("vc.issuance_date").ok
    else:
        assert not report.verified and not report.check(failing).ok


def test_vc_2_0_time_fields():
    base = board_certification_example(issuer=BOARD.public_key.did_key, subject=HOLDER.public_key.did_key)
    for changes, failing in (
        ({"validFrom": "2030-01-01T00:00:00Z"}, "vc.valid_from"),
        ({"validUntil": "2021-01-01T00:00:00Z"}, "vc.valid_until"),
    ):
        signed = vcred.issue_credential({**base, **changes}, BOARD, now=FIXED_NOW, validate=False)
        report = vcred.verify_credential(signed, now=FIXED_NOW)
        assert not report.verified and report.check(failing).code == "RANGE_ERROR"
    # VC 1.1's fields mean nothing under the VC 2.0 context: refused, not silently ignored
    signed = vcred.issue_credential(base, BOARD, suite="eddsa-jcs-2022", now=FIXED_NOW)
    signed["expirationDate"] = "2021-01-01T00:00:00Z"
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert not report.verified and "expirationDate" in report.check("vc.closed_world").reason
