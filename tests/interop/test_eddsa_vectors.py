"""The official W3C vc-di-eddsa vectors, byte for byte (canonical forms, hashes, signatures) and verification."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from support import load_vector

from vcred.crypto.keys import Ed25519SigningKey
from vcred.did import default_resolver
from vcred.jsonld.canon import canonize_rdfc, canonize_rdfc_pair
from vcred.jsonld.loader import BundledLoader, default_loader
from vcred.proofs import SUITES
from vcred.proofs.data_integrity import ANY_CONTROLLER, ProofExpectations, create_proof, verify_proofs

V = load_vector("eddsa_vectors.json")
KEY = Ed25519SigningKey.from_multibase(V["keyPair"]["privateKeyMultibase"])
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
CTX = load_vector("citizenship_v4rc1_context.json")
EMPLOY_LOADER = BundledLoader({CTX["url"]: CTX["document"]})


def _expect(controller=ANY_CONTROLLER):
    # the vectors are checked as proofs in isolation: no issuer to hold the key to
    return ProofExpectations(purpose="assertionMethod", controller=controller, now=datetime(2026, 1, 1, tzinfo=UTC))


def test_keypair_matches():
    assert KEY.public_key.multibase == V["keyPair"]["publicKeyMultibase"]


@pytest.mark.parametrize("backend", ["oxigraph", "pyld"])
@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_rdfc_canonical_forms(backend, suite):
    vec = V[suite]
    loader = default_loader()
    assert canonize_rdfc(V["unsigned"], loader=loader, backend=backend) == vec["canonDoc"]
    assert canonize_rdfc(vec["proofConfig"], loader=loader, backend=backend) == vec["canonProof"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_pyld_urdna2015_agrees(suite):
    """pyld's own URDNA2015 gives the same bytes as the canonicalizer vcred uses."""
    from pyld import jsonld

    def pyld_loader(url, options=None):
        return {"contextUrl": None, "documentUrl": url, "document": default_loader()(url)}

    for doc in (V["unsigned"], V[suite]["proofConfig"]):
        ours = canonize_rdfc(doc, loader=default_loader())
        theirs = jsonld.normalize(
            doc, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": pyld_loader}
        )
        assert ours == theirs


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_rdfc_single_pass_matches_vectors(suite):
    vec = V[suite]
    doc, proof = canonize_rdfc_pair(V["unsigned"], vec["proofConfig"], loader=default_loader())
    assert (doc, proof) == (vec["canonDoc"], vec["canonProof"])


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020"])
def test_hashes_and_signature(suite):
    vec = V[suite]
    assert hashlib.sha256(vec["canonDoc"].encode()).hexdigest() == vec["docHash"]
    assert hashlib.sha256(vec["canonProof"].encode()).hexdigest() == vec["proofHash"]
    cryptosuite = SUITES[suite]
    config = {k: v for k, v in vec["proofConfig"].items()}
    hashed = cryptosuite.hash_data(V["unsigned"], config, loader=default_loader())
    assert hashed.hex() == vec["combinedHash"]  # proof hash first, then document hash
    assert KEY.sign(hashed).hex() == vec["sigHex"]


@pytest.mark.parametrize("suite,file", [("eddsa-rdfc-2022", "eddsa-rdfc-2022"), ("eddsa-jcs-2022", "eddsa-jcs-2022")])
def test_create_proof_reproduces_signed_vector(suite, file):
    vm = f"did:key:{KEY.public_key.multibase}#{KEY.public_key.multibase}"
    signed = create_proof(
        V["unsigned"], KEY, suite=suite, verification_method=vm, loader=default_loader(), created=CREATED
    )
    assert signed == V[file]["signed"]
    assert signed["proof"]["proofValue"] == V[file]["sigBTC58"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "Ed25519Signature2020"])
def test_signed_vectors_verify(suite):
    checks = verify_proofs(
        V[suite]["signed"], _expect(), resolver=default_resolver(), loader=default_loader(), prefix="vc"
    )
    assert [c.id for c in checks if c.status == "failed"] == []
    assert any(c.id == "vc.proof.signature" and c.ok for c in checks)


def test_employment_vector_with_extra_context():
    # Its subject has two types that each carry a type-scoped context, where oxigraph differs from JSON-LD 1.1;
    # the canonicalizer must notice and take the reference path.
    vec = V["employ"]
    doc, proof = canonize_rdfc_pair(vec["unsigned"], vec["proofConfig"], loader=EMPLOY_LOADER)
    assert (doc, proof) == (vec["canonDoc"], vec["canonProof"])
    assert canonize_rdfc(vec["unsigned"], loader=EMPLOY_LOADER, backend="pyld") == vec["canonDoc"]
    checks = verify_proofs(vec["signed"], _expect(), resolver=default_resolver(), loader=EMPLOY_LOADER, prefix="vc")
    assert not [c for c in checks if c.status == "failed"]


def test_employment_vector_refused_without_its_context():
    checks = verify_proofs(
        V["employ"]["signed"], _expect(), resolver=default_resolver(), loader=default_loader(), prefix="vc"
    )
    failed = [c for c in checks if c.status == "failed"]
    assert failed and failed[0].id == "vc.proof.transform" and "not bundled" in failed[0].reason


@pytest.mark.parametrize("name", ["signedProofSet1", "signedProofSet2", "signedProofChain1", "signedProofChain2"])
def test_proof_sets_and_chains_verify(name):
    checks = verify_proofs(
        V["proofSetChain"][name], _expect(), resolver=default_resolver(), loader=default_loader(), prefix="vc"
    )
    assert not [c for c in checks if c.status == "failed"]
    proofs = V["proofSetChain"][name]["proof"]
    expected = len(proofs) if isinstance(proofs, list) else 1
    assert sum(1 for c in checks if c.id.endswith(".signature") and c.ok) == expected


def test_tampered_chain_fails():
    doc = V["proofSetChain"]["signedProofChain2"]
    proofs = [dict(p) for p in doc["proof"]]
    proofs[0]["created"] = "2023-02-24T23:36:39Z"
    checks = verify_proofs(
        {**doc, "proof": proofs}, _expect(), resolver=default_resolver(), loader=default_loader(), prefix="vc"
    )
    failed = {c.id for c in checks if c.status == "failed"}
    # the edited proof fails, and so does the chained proof that signed over it
    assert "vc.proof[0].signature" in failed and "vc.proof[2].signature" in failed


@pytest.mark.parametrize("name", sorted(V["di_assertion_inputs"]))
def test_di_assertion_inputs(name):
    checks = verify_proofs(
        V["di_assertion_inputs"][name], _expect(), resolver=default_resolver(), loader=default_loader(), prefix="vc"
    )
    failed = [c for c in checks if c.status == "failed"]
    if "Ok" in name:
        assert not failed, failed
    else:
        assert failed
