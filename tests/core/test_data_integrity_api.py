"""Data Integrity proof handling: suite-agnostic creation, typed misuse errors, and the controller rule."""

from __future__ import annotations

import inspect

import pytest

from vcred.did import default_resolver
from vcred.jsonld.loader import default_loader
from vcred.proofs import SUITES, data_integrity
from vcred.proofs.data_integrity import ProofExpectations, create_proof, verify_proofs
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

ISSUER = insecure_seeded_key("proof api issuer")
OTHER = insecure_seeded_key("proof api other")
VM = f"{ISSUER.public_key.did_key}#{ISSUER.public_key.multibase}"


def unsigned():
    return sample_credential(ISSUER.public_key.did_key, OTHER.public_key.did_key, name="Dr. Amara Okafor")


def sign(document, suite="eddsa-rdfc-2022", **kw):
    return create_proof(
        document, ISSUER, suite=suite, verification_method=VM, loader=default_loader(), created=FIXED_NOW, **kw
    )


def expect(controller=None):
    return ProofExpectations(
        purpose="assertionMethod", controller=controller or ISSUER.public_key.did_key, now=FIXED_NOW
    )


def verify(document, expectations=None):
    return verify_proofs(
        document, expectations or expect(), resolver=default_resolver(), loader=default_loader(), prefix="vc"
    )


def failed(checks):
    return [c.id for c in checks if c.status == "failed"]


# -- suite-agnostic creation ------------------------------------------------------------------------------------


def test_proof_handling_names_no_suite():
    source = inspect.getsource(data_integrity)
    for name in SUITES:
        assert f'"{name}"' not in source


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_the_suite_decides_whether_the_proof_carries_the_context(suite):
    secured = sign(unsigned(), suite)
    assert ("@context" in secured["proof"]) is SUITES[suite].proof_carries_context
    assert secured["proof"].get("@context", secured["@context"]) == secured["@context"]
    assert not failed(verify(secured))


def test_every_suite_says_whether_its_proof_carries_the_context():
    assert {name: suite.proof_carries_context for name, suite in SUITES.items()} == {
        "eddsa-rdfc-2022": False,
        "eddsa-jcs-2022": True,
        "Ed25519Signature2020": False,
    }
