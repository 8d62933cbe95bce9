"""verify_credential: every check fails on its own with a reason, and bad input never raises."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

import vcred
from vcred.did.key import did_key_method_id
from vcred.errors import DataLossError, InvalidCredentialError, UnsupportedSuiteError, UsageError
from vcred.jsonld.loader import default_loader
from vcred.proofs.data_integrity import create_proof
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

ISSUER = insecure_seeded_key("verify issuer")
OTHER = insecure_seeded_key("verify other")
HOLDER = insecure_seeded_key("verify holder")
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"]


def credential(**overrides):
    base = sample_credential(ISSUER.public_key.did_key, HOLDER.public_key.did_key, name="Dr. Amara Okafor")
    base.update(overrides)
    return base


def issue(suite, **overrides):
    return vcred.issue_credential(credential(**overrides), ISSUER, suite=suite, now=FIXED_NOW)


def failed(report):
    return [c.id for c in report.checks if c.status == "failed"]


@pytest.mark.parametrize("suite", SUITES)
def test_valid_credential_verifies(suite):
    report = vcred.verify_credential(issue(suite), now=FIXED_NOW)
    assert report.verified, report.failures
    assert report.issuer == ISSUER.public_key.did_key
    assert report.credential["credentialSubject"]["name"] == "Dr. Amara Okafor"
    assert report.format == suite


def test_json_text_and_bytes_inputs():
    signed = issue("eddsa-rdfc-2022")
    assert vcred.verify_credential(json.dumps(signed), now=FIXED_NOW).verified
    assert vcred.verify_credential(json.dumps(signed).encode(), now=FIXED_NOW).verified


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d["credentialSubject"].__setitem__("name", "Dr. Evil"), id="tampered-value"),
        pytest.param(lambda d: d["credentialSubject"].__setitem__("description", "added"), id="added-field"),
        pytest.param(lambda d: d.pop("validFrom"), id="removed-field"),
        pytest.param(lambda d: d["credentialSubject"].__setitem__("id", OTHER.public_key.did_key), id="other-subject"),
    ],
)
def test_tampering_breaks_the_signature(suite, mutate):
    signed = copy.deepcopy(issue(suite))
    mutate(signed)
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert not report.verified
    assert failed(report) == ["vc.proof.signature"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_signed_by_a_key_the_issuer_does_not_control(suite):
    forged = create_proof(
        credential(),
        OTHER,
        suite=suite,
        verification_method=did_key_method_id(OTHER.public_key),
        loader=default_loader(),
        created=FIXED_NOW,
    )
    report = vcred.verify_credential(forged, now=FIXED_NOW)
    assert failed(report) == ["vc.proof.verification_method"]
    assert "belongs to" in report.check("vc.proof.verification_method").reason


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_swapped_key_same_did_url(suite):
    # proof claims the issuer's key but was made with another key: the signature fails
    forged = create_proof(
        credential(),
        OTHER,
        suite=suite,
        verification_method=did_key_method_id(ISSUER.public_key),
        loader=default_loader(),
        created=FIXED_NOW,
    )
    assert failed(vcred.verify_credential(forged, now=FIXED_NOW)) == ["vc.proof.signature"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_wrong_proof_purpose(suite):
    signed = create_proof(
        credential(),
        ISSUER,
        suite=suite,
        verification_method=did_key_method_id(ISSUER.public_key),
        loader=default_loader(),
        created=FIXED_NOW,
        purpose="authentication",
    )
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert failed(report) == ["vc.proof.purpose"]


def test_wrong_issuer_claimed():
    signed = issue("eddsa-rdfc-2022")
    signed["issuer"] = OTHER.public_key.did_key
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert "vc.proof.verification_method" in failed(report)


@pytest.mark.parametrize("suite", SUITES)
def test_expired_and_not_yet_valid(suite):
    expired = issue(suite, validUntil="2026-05-01T00:00:00Z")
    report = vcred.verify_credential(expired, now=FIXED_NOW)
    assert failed(report) == ["vc.valid_until"] and "expired" in report.check("vc.valid_until").reason
    early = issue(suite, validFrom="2026-07-01T00:00:00Z")
    assert failed(vcred.verify_credential(early, now=FIXED_NOW)) == ["vc.valid_from"]


def test_clock_skew_is_tolerated_and_configurable():
    signed = issue("eddsa-rdfc-2022", validUntil="2026-06-01T11:58:00Z")
    assert vcred.verify_credential(signed, now=FIXED_NOW).verified
    strict = vcred.VerifyOptions(max_clock_skew=timedelta(0))
    assert not vcred.verify_credential(signed, now=FIXED_NOW, options=strict).verified


def test_proof_expiry():
    signed = vcred.issue_credential(credential(), ISSUER, now=FIXED_NOW)
    proof_expired = create_proof(
        credential(),
        ISSUER,
        suite="eddsa-rdfc-2022",
        verification_method=did_key_method_id(ISSUER.public_key),
        loader=default_loader(),
        created=FIXED_NOW - timedelta(days=2),
        expires=FIXED_NOW - timedelta(days=1),
    )
    assert vcred.verify_credential(signed, now=FIXED_NOW).verified
    assert failed(vcred.verify_credential(proof_expired, now=FIXED_NOW)) == ["vc.proof.expires"]


def test_undefined_term_cannot_be_signed_or_smuggled():
    with pytest.raises(DataLossError, match="favouriteColour"):
        issue("eddsa-rdfc-2022", credentialSubject={"id": HOLDER.public_key.did_key, "favouriteColour": "red"})
    # an undefined claim added after signing would not change the RDFC hash; vcred refuses it instead
    signed = issue("eddsa-rdfc-2022")
    signed["credentialSubject"]["boardStatus"] = "certified"
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert failed(report) == ["vc.proof.transform", "vc.closed_world"]
    assert report.check("vc.proof.transform").code == "DATA_LOSS_DETECTION_ERROR"


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "vc+jwt"])
def test_undefined_terms_fail_for_json_suites_too(suite):
    cred = credential(credentialSubject={"id": HOLDER.public_key.did_key, "favouriteColour": "red"})
    signed = vcred.issue_credential(cred, ISSUER, suite=suite, now=FIXED_NOW)  # JSON suites sign bytes, not terms
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert failed(report) == ["vc.closed_world"]
    assert "'favouriteColour' is not defined" in report.check("vc.closed_world").reason


def test_remote_context_is_never_fetched():
    signed = issue("eddsa-rdfc-2022")
    signed["@context"] = [*signed["@context"], "https://evil.example/context.jsonld"]
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert not report.verified
    assert "not bundled" in report.check("vc.proof.transform").reason


@pytest.mark.parametrize(
    "junk",
    [
        "not json at all",
        "{",
        "[]",
        "null",
        '{"a": 1, "a": 2}',
        42,
        None,
        [],
        {},
        {"@context": "https://www.w3.org/ns/credentials/v2"},
        {"proof": {"type": "DataIntegrityProof"}},
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "VerifiableCredential",
            "issuer": "did:key:zzz",
            "credentialSubject": {"id": "x"},
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "verificationMethod": "did:key:zzz#zzz",
                "proofPurpose": "assertionMethod",
                "proofValue": "z!!!",
            },
        },
        b"\xff\xfe\x00",
        "a.b.c",
    ],
)
def test_junk_gives_a_report(junk):
    report = vcred.verify_credential(junk, now=FIXED_NOW)
    assert report.verified is False and report.failures
    assert all(c.reason for c in report.checks)


def test_unknown_suite_unresolvable_did_garbage_multibase():
    signed = issue("eddsa-rdfc-2022")
    unknown = copy.deepcopy(signed)
    unknown["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    assert failed(vcred.verify_credential(unknown, now=FIXED_NOW)) == ["vc.proof.suite"]
    web = copy.deepcopy(signed)
    web["issuer"] = "did:web:board.example"
    web["proof"]["verificationMethod"] = "did:web:board.example#key-1"
    assert "no fetcher" in vcred.verify_credential(web, now=FIXED_NOW).check("vc.proof.verification_method").reason
    ghost = copy.deepcopy(signed)
    ghost["issuer"] = "did:example:board"
    ghost["proof"]["verificationMethod"] = "did:example:board#key-1"
    assert "not supported" in vcred.verify_credential(ghost, now=FIXED_NOW).check("vc.proof.verification_method").reason
    garbage = copy.deepcopy(signed)
    garbage["proof"]["proofValue"] = "zThisIsNotASignature0OIl"
    assert failed(vcred.verify_credential(garbage, now=FIXED_NOW)) == ["vc.proof.well_formed"]


def test_oversized_and_deep_inputs_are_refused_quickly():
    import time

    big = json.dumps(credential(description="x" * 50_000_000))
    deep = "[" * 10_000 + "]" * 10_000
    deep_dict: dict = {}
    node = deep_dict
    for _ in range(10_000):
        node["n"] = {}
        node = node["n"]
    for junk in (big, deep, deep_dict):
        start = time.perf_counter()
        report = vcred.verify_credential(junk, now=FIXED_NOW)
        assert failed(report) == ["vc.input"]
        assert time.perf_counter() - start < 2.0
    limits = vcred.VerifyOptions(max_bytes=100)
    assert failed(vcred.verify_credential(issue("eddsa-rdfc-2022"), now=FIXED_NOW, options=limits)) == ["vc.input"]


def test_issue_misuse_raises_typed_errors():
    with pytest.raises(UnsupportedSuiteError):
        vcred.issue_credential(credential(), ISSUER, suite="rsa-2048")
    with pytest.raises(UsageError, match="does not belong"):
        vcred.issue_credential(credential(issuer=OTHER.public_key.did_key), ISSUER)
    with pytest.raises(InvalidCredentialError) as info:
        vcred.issue_credential(credential(validFrom="yesterday"), ISSUER)
    assert info.value.field == "validFrom"
    with pytest.raises(UsageError):
        vcred.verify_credential(issue("eddsa-rdfc-2022"), now=FIXED_NOW.replace(tzinfo=None))


def test_input_is_not_mutated_and_raise_for_failure():
    cred = credential()
    before = copy.deepcopy(cred)
    signed = vcred.issue_credential(cred, ISSUER, now=FIXED_NOW)
    assert cred == before and "proof" in signed
    report = vcred.verify_credential({**signed, "issuer": OTHER.public_key.did_key}, now=FIXED_NOW)
    with pytest.raises(vcred.errors.VerificationFailed) as info:
        report.raise_for_failure()
    assert info.value.report is report
    json.loads(report.to_json())


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "vc+jwt"])
def test_a_key_listed_by_the_issuer_but_controlled_by_another_did_is_refused(suite):
    """One rule for every securing mechanism: the verification method must be controlled by the issuer."""
    from vcred.did.document import parse_did_document
    from vcred.testing import StaticResolver

    issuer_did = "did:web:board.example"
    stranger = "did:web:stranger.example"
    method_id = f"{issuer_did}#key-1"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer_did,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": stranger,
                "publicKeyMultibase": ISSUER.public_key.multibase,
            }
        ],
        "assertionMethod": [method_id],
    }
    resolver = StaticResolver({issuer_did: parse_did_document(document, issuer_did)})
    cred = credential(issuer=issuer_did)
    signed = vcred.issue_credential(cred, ISSUER, suite=suite, verification_method=method_id, now=FIXED_NOW)
    report = vcred.verify_credential(signed, now=FIXED_NOW, resolver=resolver)
    assert not report.verified
    assert any("controlled by" in c.reason for c in report.failures), report.failures


def test_a_did_vcred_issuer_without_a_ledger_says_how_to_give_one():
    """did:vcred is supported: it needs a ledger, and the reason says so (not 'unsupported method')."""
    vm = vcred.verify_credential(
        vcred.issue_credential(
            credential(issuer="did:vcred:zQmSomeIssuer"),
            ISSUER,
            verification_method="did:vcred:zQmSomeIssuer#key-1",
            now=FIXED_NOW,
            validate=False,
        ),
        now=FIXED_NOW,
    )
    assert "did:vcred is resolved from a ledger" in vm.check("vc.proof.verification_method").reason
