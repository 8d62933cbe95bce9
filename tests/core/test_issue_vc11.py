"""Issuing a VC 1.1 credential with a Data Integrity proof: the Data Integrity context is appended when the
document's contexts do not define DataIntegrityProof (Data Integrity 1.0 §2.4), and the result verifies."""

from __future__ import annotations

import copy

import pytest

import vcred
from vcred.did.key import did_key_method_id
from vcred.jsonld.loader import default_loader
from vcred.proofs.data_integrity import create_proof
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

ISSUER = insecure_seeded_key("vc 1.1 issuer")
HOLDER = insecure_seeded_key("vc 1.1 holder")
VC_V1 = "https://www.w3.org/2018/credentials/v1"
DI_V2 = "https://w3id.org/security/data-integrity/v2"
SIGNING = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]


def vc11(*extra_contexts):
    return {
        "@context": [VC_V1, *extra_contexts],
        "id": "urn:uuid:5b9a1f3e-4c0d-4a57-9d52-0c2b7c3f1a11",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER.public_key.did_key,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER.public_key.did_key},
    }


@pytest.mark.parametrize("suite", SIGNING)
def test_a_vc11_credential_gets_the_data_integrity_context_and_verifies(suite):
    unsigned = vc11()
    before = copy.deepcopy(unsigned)
    signed = vcred.issue_credential(unsigned, ISSUER, suite=suite, now=FIXED_NOW)
    assert unsigned == before  # the caller's document is not changed
    assert signed["@context"] == [VC_V1, DI_V2]
    assert signed["proof"]["type"] == "DataIntegrityProof" and signed["proof"]["cryptosuite"] == suite
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert report.verified, report.failures
    assert report.check("vc.closed_world").ok
    if suite == "eddsa-jcs-2022":  # the proof's @context covers the appended context
        assert signed["proof"]["@context"] == [VC_V1, DI_V2]


@pytest.mark.parametrize("suite", SIGNING)
def test_contexts_that_define_the_proof_type_are_left_as_they_are(suite):
    for unsigned in (vc11(DI_V2), sample_credential(ISSUER.public_key.did_key, HOLDER.public_key.did_key, name="A")):
        signed = vcred.issue_credential(unsigned, ISSUER, suite=suite, now=FIXED_NOW)
        assert signed["@context"] == unsigned["@context"]
        assert vcred.verify_credential(signed, now=FIXED_NOW).verified


def test_the_proof_layer_appends_it_too_and_an_appended_context_is_signed():
    signed = create_proof(
        vc11(),
        ISSUER,
        suite="eddsa-rdfc-2022",
        verification_method=did_key_method_id(ISSUER.public_key),
        loader=default_loader(),
        created=FIXED_NOW,
    )
    assert signed["@context"][-1] == DI_V2
    # removing the appended context after signing leaves DataIntegrityProof undefined: refused, not verified
    stripped = {**signed, "@context": [VC_V1]}
    assert not vcred.verify_credential(stripped, now=FIXED_NOW).verified


def test_a_document_that_already_carries_a_proof_keeps_its_contexts():
    # a context appended under an existing proof would change what that proof signed: signing refuses instead
    carried = {**vc11(), "proof": {"type": "Ed25519Signature2020", "proofValue": "z1"}}
    with pytest.raises(vcred.errors.DataLossError, match="DataIntegrityProof"):
        create_proof(
            carried,
            ISSUER,
            suite="eddsa-rdfc-2022",
            verification_method=did_key_method_id(ISSUER.public_key),
            loader=default_loader(),
            created=FIXED_NOW,
        )
