"""Every mutation of what was signed fails verification; the spec's harmless changes still verify."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import random
import zlib

import pytest
from support_attacks import MUTATIONS_PER_FORM, count
from support_mutations import mutate

import vcred
from vcred.did.key import did_key_method_id
from vcred.examples import ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.model.families import FAMILIES as FAMILY_REGISTRY
from vcred.testing import FIXED_NOW, insecure_seeded_key

FAMILY_NAMES = sorted(FAMILY_REGISTRY)  # the test ids, known before anything is built
CHALLENGE, DOMAIN = "attack-challenge", "credentialing.stmarys.example"


class Attackable:
    """The example issuers (seeded did:key), the holder, and every example credential unsigned: built on first use."""

    def __init__(self) -> None:
        self.keys = {role: insecure_seeded_key(f"attack {role}") for role in ISSUER_ROLES}
        self.issuers = {role: key.public_key.did_key for role, key in self.keys.items()}
        self.role = {did: role for role, did in self.issuers.items()}
        self.holder = insecure_seeded_key("attack holder")
        self.unsigned = radiologist_credentials(
            self.issuers, self.holder.public_key.did_key, now=FIXED_NOW
        ) + accreditation_credentials(self.issuers, now=FIXED_NOW)
        self.families: dict[str, dict] = {}
        for credential in self.unsigned:
            self.families.setdefault(credential["type"][1], credential)
        assert sorted(self.families) == FAMILY_NAMES, "every family needs an example credential to tamper with"

    def sign(self, credential, suite):
        return vcred.issue_credential(
            credential, self.keys[self.role[credential["issuer"]]], suite=suite, now=FIXED_NOW
        )


@pytest.fixture(scope="module")
def attack():
    return Attackable()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def verify_any(document, presentation: bool):
    if presentation:
        return vcred.verify_presentation(document, challenge=CHALLENGE, domain=DOMAIN, now=FIXED_NOW)
    return vcred.verify_credential(document, now=FIXED_NOW)


def run_mutations(form: str, signed, presentation: bool, seed: int) -> None:
    rng = random.Random(seed)
    is_jwt = isinstance(signed, str)
    if is_jwt:
        header, payload, signature = signed.split(".")
        document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    else:
        document = signed
    tried = 0
    while tried < MUTATIONS_PER_FORM:
        description, mutated = mutate(document, rng)  # always a change: the loop ends after the budget
        candidate = f"{header}.{b64(json.dumps(mutated).encode())}.{signature}" if is_jwt else mutated
        tried += 1
        report = verify_any(candidate, presentation)
        if "jcs" in form and description == "remove ('proof', '@context')":
            # eddsa-jcs-2022 §3.3.5 rebuilds the proof configuration's @context from the document: unchanged
            assert report.verified
            count(form, "harmless accepted")
            continue
        count(form, "mutations tried")
        assert not report.verified, f"{form}: accepted after {description}"
        assert not any(c.id.endswith(".internal") for c in report.checks), f"{form}: internal error on {description}"
        count(form, "rejected")


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"])
@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_credential_mutations(attack, family, suite):
    signed = attack.sign(attack.families[family], suite)
    run_mutations(f"credential {suite}", signed, False, zlib.crc32(f"{family}{suite}".encode()))


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vp+jwt"])
def test_presentation_mutations(attack, suite):
    credentials = [attack.sign(c, "eddsa-rdfc-2022") for c in attack.unsigned[:4]]
    vp = vcred.create_presentation(
        credentials,
        attack.holder,
        challenge=CHALLENGE,
        domain=DOMAIN,
        expires=dt.timedelta(hours=1),
        suite=suite,
        now=FIXED_NOW,
    )
    assert verify_any(vp, True).verified
    run_mutations(f"presentation {suite}", vp, True, len(suite))


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_harmless_changes_still_verify(attack, suite):
    for family in FAMILY_NAMES:
        signed = attack.sign(attack.families[family], suite)
        reordered = json.loads(json.dumps(signed, sort_keys=True))
        reordered = dict(reversed(list(reordered.items())))
        for text in (json.dumps(reordered), json.dumps(signed, indent=4), "\n  " + json.dumps(signed) + "\n"):
            assert vcred.verify_credential(text, now=FIXED_NOW).verified
            count(f"credential {suite}", "harmless accepted")
        if suite == "eddsa-rdfc-2022":  # RDF has no order: JSON-LD arrays of types are sets
            swapped = copy.deepcopy(signed)
            swapped["type"] = list(reversed(swapped["type"]))
            assert vcred.verify_credential(swapped, now=FIXED_NOW).verified
            count(f"credential {suite}", "harmless accepted")
        else:  # JCS signs bytes: the same reordering must fail
            swapped = copy.deepcopy(signed)
            swapped["type"] = list(reversed(swapped["type"]))
            count(f"credential {suite}", "mutations tried")
            assert not vcred.verify_credential(swapped, now=FIXED_NOW).verified
            count(f"credential {suite}", "rejected")


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_structural_attacks_on_proofs(attack, suite):
    board = attack.sign(attack.families["BoardCertificationCredential"], suite)
    license_ = attack.sign(attack.families["MedicalLicenseCredential"], suite)
    cases = {
        "swap proofs between documents": {**board, "proof": license_["proof"]},
        "strip the proof": {k: v for k, v in board.items() if k != "proof"},
        "duplicate the proof": {**board, "proof": [board["proof"], board["proof"]]},
        "empty proof set": {**board, "proof": []},
        "another issuer's key": {
            **board,
            "proof": {**board["proof"], "verificationMethod": did_key_method_id(attack.keys["insurer"].public_key)},
        },
        "a proof for authentication": {**board, "proof": {**board["proof"], "proofPurpose": "authentication"}},
        "an extra proof by a stranger": {
            **board,
            "proof": [
                board["proof"],
                attack.sign(
                    {**attack.families["BoardCertificationCredential"], "issuer": attack.issuers["insurer"]}, suite
                )["proof"],
            ],
        },
    }
    for name, document in cases.items():
        assert not vcred.verify_credential(document, now=FIXED_NOW).verified, name
        count(f"credential {suite}", "structural attacks rejected")


def _forge(header: dict, payload: dict, sign) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def test_jose_pitfalls_end_to_end(attack):
    import hashlib
    import hmac

    board_key = attack.keys["board"]
    credential = attack.families["BoardCertificationCredential"]
    kid = did_key_method_id(board_key.public_key)
    attacker = insecure_seeded_key("jose attacker")
    vp = vcred.create_presentation(
        [attack.sign(credential, "vc+jwt")],
        attack.holder,
        challenge=CHALLENGE,
        domain=DOMAIN,
        expires=dt.timedelta(hours=1),
        suite="vp+jwt",
        now=FIXED_NOW,
    )
    forged = {
        "alg none": _forge({"alg": "none", "kid": kid, "typ": "vc+jwt"}, credential, lambda m: b""),
        "HS256 with the public key": _forge(
            {"alg": "HS256", "kid": kid, "typ": "vc+jwt"},
            credential,
            lambda m: hmac.new(board_key.public_key.raw, m, hashlib.sha256).digest(),
        ),
        "kid of another DID": _forge(
            {"alg": "EdDSA", "kid": did_key_method_id(attacker.public_key)}, credential, attacker.sign
        ),
        "kid pointing at another fragment": _forge(
            {"alg": "EdDSA", "kid": board_key.public_key.did_key + "#other"}, credential, board_key.sign
        ),
        "crit header": _forge({"alg": "EdDSA", "kid": kid, "crit": ["b64"], "b64": False}, credential, board_key.sign),
        "vc claim disagreeing with the payload": _forge(
            {"alg": "EdDSA", "kid": kid},
            {**credential, "vc": {**credential, "credentialSubject": {"id": "x"}}},
            board_key.sign,
        ),
        "a vp+jwt presented as a credential": vp,
    }
    for name, token in forged.items():
        report = vcred.verify_credential(token, now=FIXED_NOW)
        assert not report.verified, name
        count("vc+jwt", "JOSE pitfalls rejected")
    presented_as_vp = vcred.verify_presentation(
        attack.sign(credential, "vc+jwt"), challenge=CHALLENGE, domain=DOMAIN, now=FIXED_NOW
    )
    assert not presented_as_vp.verified


def test_regression_whitespace_around_a_proof_value(attack):
    """Found by this suite: the base58 library ignored a trailing space, so an altered proofValue verified."""
    signed = attack.sign(attack.families["MedicalDegreeCredential"], "eddsa-rdfc-2022")
    for variant in (signed["proof"]["proofValue"] + " ", " " + signed["proof"]["proofValue"]):
        altered = {**signed, "proof": {**signed["proof"], "proofValue": variant}}
        assert not vcred.verify_credential(altered, now=FIXED_NOW).verified


def test_regression_context_appended_to_a_jcs_document(attack):
    """Found by this suite: eddsa-jcs-2022 lets unsigned contexts be appended; vcred refuses them."""
    credential = attack.sign(attack.families["CMECredential"], "eddsa-jcs-2022")
    extended = {**credential, "@context": [*credential["@context"], {"topic": "https://evil.example/topic"}]}
    assert not vcred.verify_credential(extended, now=FIXED_NOW).verified
    vp = vcred.create_presentation(
        [credential],
        attack.holder,
        challenge=CHALLENGE,
        domain=DOMAIN,
        expires=dt.timedelta(hours=1),
        suite="eddsa-jcs-2022",
        now=FIXED_NOW,
    )
    appended = {**vp, "@context": [*vp["@context"], "https://www.w3.org/ns/credentials/examples/v2"]}
    assert not verify_any(appended, True).verified
