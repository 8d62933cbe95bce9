"""Data Integrity proof handling: suite-agnostic creation, typed misuse errors, and the controller rule."""

from __future__ import annotations

import inspect

import pytest

from vcred.did import default_resolver
from vcred.errors import UsageError
from vcred.jsonld.loader import default_loader
from vcred.proofs import SUITES, data_integrity
from vcred.proofs.data_integrity import ANY_CONTROLLER, ProofExpectations, create_proof, verify_proofs
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


# -- proof chains: misuse raises UsageError, a broken chain on verify is a failed check ----------------------------


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_a_chain_verifies(suite):
    first = sign(unsigned(), suite, proof_id="urn:uuid:first")
    chained = sign(first, suite, proof_id="urn:uuid:second", previous_proof="urn:uuid:first")
    assert not failed(verify(chained))


def test_previous_proof_naming_no_proof_is_a_usage_error_with_the_ids():
    first = sign(unsigned(), proof_id="urn:uuid:first")
    with pytest.raises(UsageError, match="urn:uuid:missing") as caught:
        sign(first, previous_proof="urn:uuid:missing")
    assert "urn:uuid:first" in str(caught.value.hint)


def test_previous_proof_on_a_document_without_proof_ids_says_how_to_fix_it():
    with pytest.raises(UsageError) as caught:
        sign(sign(unsigned()), previous_proof="urn:uuid:first")
    assert "proof_id" in str(caught.value.hint)


@pytest.mark.parametrize("previous", [[], [1], 7])
def test_previous_proof_of_the_wrong_shape_is_a_usage_error(previous):
    with pytest.raises(UsageError):
        sign(sign(unsigned(), proof_id="urn:uuid:first"), previous_proof=previous)


def test_a_dangling_previous_proof_fails_verification_without_raising():
    first = sign(unsigned(), proof_id="urn:uuid:first")
    chained = sign(first, proof_id="urn:uuid:second", previous_proof="urn:uuid:first")
    chained["proof"][1]["previousProof"] = "urn:uuid:missing"
    assert "vc.proof[1].transform" in failed(verify(chained))


# -- the controller is required; any controller only by name -------------------------------------------------------


@pytest.mark.parametrize("controller", [None, "", 42])
def test_expectations_refuse_a_missing_controller(controller):
    with pytest.raises(UsageError, match="control the signing key"):
        ProofExpectations(purpose="assertionMethod", controller=controller, now=FIXED_NOW)


def test_a_key_of_another_did_fails_the_controller_check():
    secured = sign(unsigned())
    assert "vc.proof.verification_method" in failed(verify(secured, expect(OTHER.public_key.did_key)))


def test_any_controller_is_explicit_and_reported():
    secured = sign(unsigned())
    checks = verify(secured, ProofExpectations(purpose="assertionMethod", controller=ANY_CONTROLLER, now=FIXED_NOW))
    assert not failed(checks)
    method = next(c for c in checks if c.id == "vc.proof.verification_method")
    assert "ANY_CONTROLLER" in method.reason
    assert repr(ANY_CONTROLLER) == "ANY_CONTROLLER"
