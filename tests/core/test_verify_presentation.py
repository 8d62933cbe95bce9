"""Presentations: holder proof, challenge, domain, expiry, replay, subject binding, envelopes."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

import vcred
from vcred.errors import UsageError
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

ISSUER = insecure_seeded_key("vp issuer")
HOLDER = insecure_seeded_key("vp holder")
THIEF = insecure_seeded_key("vp thief")
CHALLENGE, DOMAIN = "n-0001", "credentialing.stmarys.example"


def credential(subject=HOLDER, suite="eddsa-rdfc-2022"):
    cred = sample_credential(ISSUER.public_key.did_key, subject.public_key.did_key, name="Dr. Amara Okafor")
    return vcred.issue_credential(cred, ISSUER, suite=suite, now=FIXED_NOW)


def present(creds=None, key=HOLDER, suite="eddsa-rdfc-2022", **kw):
    options = {"challenge": CHALLENGE, "domain": DOMAIN, "expires": timedelta(hours=48), "now": FIXED_NOW, **kw}
    return vcred.create_presentation(creds or [credential()], key, suite=suite, **options)


def verify(vp, **kw):
    options = {"challenge": CHALLENGE, "domain": DOMAIN, "now": FIXED_NOW, **kw}
    return vcred.verify_presentation(vp, **options)


def failed(report):
    return [c.id for c in report.checks if c.status == "failed"]


@pytest.mark.parametrize("vp_suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vp+jwt"])
@pytest.mark.parametrize("vc_suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"])
def test_every_combination_verifies(vp_suite, vc_suite):
    report = verify(present([credential(suite=vc_suite)], suite=vp_suite))
    assert report.verified, (report.failures, [c.failures for c in report.credentials])
    assert report.holder == HOLDER.public_key.did_key
    assert report.credentials[0].verified


@pytest.mark.parametrize("vp_suite", ["eddsa-rdfc-2022", "vp+jwt"])
def test_wrong_challenge_and_domain(vp_suite):
    vp = present(suite=vp_suite)
    wrong_challenge = verify(vp, challenge="n-9999")
    wrong_domain = verify(vp, domain="evil.example")
    assert not wrong_challenge.verified and not wrong_domain.verified
    if vp_suite == "vp+jwt":
        assert failed(wrong_challenge) == ["vp.jose.claims"] and failed(wrong_domain) == ["vp.jose.claims"]
    else:
        assert failed(wrong_challenge) == ["vp.proof.challenge"]
        assert failed(wrong_domain) == ["vp.proof.domain"]


@pytest.mark.parametrize("vp_suite", ["eddsa-rdfc-2022", "vp+jwt"])
def test_expired_presentation(vp_suite):
    vp = present(suite=vp_suite)
    later = verify(vp, now=FIXED_NOW + timedelta(hours=49))
    assert not later.verified
    assert failed(later) == (["vp.jose.claims"] if vp_suite == "vp+jwt" else ["vp.proof.expires"])


def test_replay_is_caught_by_the_cache():
    cache = vcred.MemoryReplayCache()
    vp = present()
    assert verify(vp, replay_cache=cache).verified
    again = verify(vp, replay_cache=cache)
    assert failed(again) == ["vp.replay"]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@pytest.mark.parametrize("vp_suite", ["eddsa-rdfc-2022", "vp+jwt"])
def test_a_replay_inside_the_clock_skew_after_expiry_is_caught(kind, vp_suite, tmp_path):
    """The verifier accepts a presentation until its expiry plus the allowed clock skew, so the cache must remember
    its challenge that long (the memory cache used to forget it at the expiry itself)."""
    from vcred.verify.replay_sqlite import SqliteReplayCache

    skew = timedelta(minutes=30)  # more than the SQLite cache's own retention margin
    cache = vcred.MemoryReplayCache() if kind == "memory" else SqliteReplayCache(tmp_path / "replay.sqlite")
    vp = present(suite=vp_suite)
    options = vcred.VerifyOptions(max_clock_skew=skew)
    assert verify(vp, replay_cache=cache, options=options).verified
    late = FIXED_NOW + timedelta(hours=48, minutes=20)  # expired, but inside the skew this verifier allows
    again = verify(vp, replay_cache=cache, options=options, now=late)
    assert failed(again) == ["vp.replay"]


def test_stolen_credential_presented_by_someone_else():
    vp = present([credential(subject=HOLDER)], key=THIEF)
    report = verify(vp)
    assert failed(report) == ["vp.subject_binding"]


def test_credential_tampered_inside_presentation():
    vp = present()
    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"][0]["credentialSubject"]["name"] = "Dr. Evil"
    report = verify(tampered)
    assert "vp.proof.signature" in failed(report) and "vp.credentials" in failed(report)
    assert report.credentials[0].check("vc.proof.signature").status == "failed"


def test_presentation_without_expiry_is_refused_unless_allowed():
    from vcred.did.key import did_key_method_id
    from vcred.jsonld.loader import default_loader
    from vcred.proofs.data_integrity import create_proof

    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.public_key.did_key,
        "verifiableCredential": [credential()],
    }
    signed = create_proof(
        vp,
        HOLDER,
        suite="eddsa-rdfc-2022",
        verification_method=did_key_method_id(HOLDER.public_key),
        loader=default_loader(),
        created=FIXED_NOW,
        purpose="authentication",
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    assert failed(verify(signed)) == ["vp.expires"]
    assert verify(signed, require_expiry=False).verified


def test_credential_proof_cannot_authenticate_a_presentation():
    # a proof made for assertionMethod must not pass as the holder's authentication
    from vcred.did.key import did_key_method_id
    from vcred.jsonld.loader import default_loader
    from vcred.proofs.data_integrity import create_proof

    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": HOLDER.public_key.did_key,
        "verifiableCredential": [credential()],
    }
    signed = create_proof(
        vp,
        HOLDER,
        suite="eddsa-rdfc-2022",
        verification_method=did_key_method_id(HOLDER.public_key),
        loader=default_loader(),
        created=FIXED_NOW,
        challenge=CHALLENGE,
        domain=DOMAIN,
        expires=FIXED_NOW + timedelta(hours=1),
    )
    assert failed(verify(signed)) == ["vp.proof.purpose"]


def test_empty_presentation_and_misuse():
    with pytest.raises(UsageError):
        vcred.create_presentation([], HOLDER, challenge=CHALLENGE, domain=DOMAIN, expires=timedelta(hours=1))
    with pytest.raises(UsageError):
        present(expires=timedelta(days=90))
    with pytest.raises(UsageError):
        vcred.verify_presentation(present(), challenge="", domain=DOMAIN)


@pytest.mark.parametrize("junk", ["", "{}", "[1]", {"type": "VerifiablePresentation"}, "x.y.z", 7])
def test_junk_presentations_give_reports(junk):
    report = verify(junk)
    assert not report.verified and report.failures


def test_verifier_refuses_a_presentation_valid_for_more_than_30_days():
    """The 30-day limit is the verifier's rule too, not only the wallet's."""
    import datetime as _dt

    import vcred as _vcred
    from vcred.testing import FIXED_NOW as _NOW
    from vcred.testing import insecure_seeded_key as _key

    holder, issuer = _key("long-lived holder"), _key("long-lived issuer")
    credential = _vcred.issue_credential(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": issuer.public_key.did_key,
            "credentialSubject": {"id": holder.public_key.did_key, "name": "A"},
        },
        issuer,
        now=_NOW,
    )
    vp = _vcred.create_presentation(
        [credential], holder, challenge="c", domain="d", expires=_dt.timedelta(days=30), now=_NOW
    )
    ok = _vcred.verify_presentation(vp, challenge="c", domain="d", now=_NOW)
    assert ok.verified, ok.failures
    early = _vcred.verify_presentation(vp, challenge="c", domain="d", now=_NOW - _dt.timedelta(days=2))
    assert not early.verified and "at most 30 days" in early.check("vp.expires").reason


# --- VC 2.0 §4.13: holder and verifiableCredential are optional; subject binding is the office's rule ---


def unsigned_presentation(*, holder=True, credentials=()):
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]}
    if holder:
        vp["holder"] = HOLDER.public_key.did_key
    if credentials:
        vp["verifiableCredential"] = list(credentials)
    return vp


def signed_by_holder(vp, suite="eddsa-rdfc-2022"):
    from vcred.did.key import did_key_method_id
    from vcred.jose.vc_jwt import sign_jwt
    from vcred.jsonld.loader import default_loader
    from vcred.proofs.data_integrity import create_proof

    method = did_key_method_id(HOLDER.public_key)
    until = FIXED_NOW + timedelta(hours=1)
    if suite == "vp+jwt":
        claims = {"aud": DOMAIN, "nonce": CHALLENGE, "iat": int(FIXED_NOW.timestamp()), "exp": int(until.timestamp())}
        return sign_jwt({**vp, **claims}, HOLDER, kid=method, typ="vp+jwt")
    return create_proof(
        vp,
        HOLDER,
        suite=suite,
        verification_method=method,
        loader=default_loader(),
        created=FIXED_NOW,
        purpose="authentication",
        expires=until,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vp+jwt"])
def test_a_presentation_of_no_credentials_authenticates_its_holder_only(suite):
    report = verify(signed_by_holder(unsigned_presentation(), suite))
    assert report.verified, report.failures
    assert report.holder == HOLDER.public_key.did_key and report.credentials == []
    assert report.check("vp.credentials").status == "passed"
    # and a credentialing decision finds no evidence in it
    from vcred.examples.office import POLICY

    decision = vcred.office.evaluate(report, POLICY, now=FIXED_NOW)
    assert not decision.approved


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vp+jwt"])
def test_a_presentation_without_holder_is_refused_by_an_office_and_verified_as_vc2_allows(suite):
    vp = signed_by_holder(unsigned_presentation(holder=False, credentials=[credential()]), suite)
    office = verify(vp)
    assert not office.verified
    assert "vp.holder" in failed(office) or "vp.jose.verification_method" in failed(office)
    plain = verify(vp, require_subject_binding=False)
    assert plain.verified, plain.failures
    assert plain.holder is None
    assert plain.check("vp.subject_binding").status == "skipped"


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "vp+jwt"])
def test_without_a_holder_the_key_must_still_belong_to_the_did_it_names(suite):
    """No holder is not 'any key': a proof whose method names a DID that does not control it still fails."""
    vp = signed_by_holder(unsigned_presentation(holder=False, credentials=[credential()]), suite)
    if suite == "vp+jwt":
        header, payload, signature = vp.split(".")
        import base64
        import json

        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        decoded["kid"] = THIEF.public_key.did_key + "#" + THIEF.public_key.did_key.split(":")[-1]
        forged_header = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
        tampered = ".".join([forged_header, payload, signature])
    else:
        tampered = copy.deepcopy(vp)
        method = tampered["proof"]["verificationMethod"]
        thief = THIEF.public_key.did_key
        tampered["proof"]["verificationMethod"] = thief + "#" + method.split("#", 1)[1]
    assert not verify(tampered, require_subject_binding=False).verified


def test_a_credential_about_someone_else_is_an_office_failure_not_a_vc2_one():
    vp = present([credential(subject=THIEF)])
    assert failed(verify(vp)) == ["vp.subject_binding"]
    plain = verify(vp, require_subject_binding=False)
    assert plain.verified, plain.failures
    assert plain.check("vp.subject_binding").status == "skipped"


def test_a_decision_never_rests_on_a_presentation_verified_without_subject_binding():
    """Someone else's credentials, verified as VC 2.0 allows, are no evidence about the presenter."""
    from vcred.examples import ISSUER_ROLES, radiologist_credentials
    from vcred.examples.office import POLICY

    issuers = dict.fromkeys(ISSUER_ROLES, ISSUER.public_key.did_key)
    owners = [
        vcred.issue_credential(c, ISSUER, now=FIXED_NOW)
        for c in radiologist_credentials(issuers, HOLDER.public_key.did_key, now=FIXED_NOW)
    ]
    policy = {**POLICY, "requireTrustedIssuers": False}  # trust is not what this test is about
    honest = verify(present(owners))
    assert vcred.office.evaluate(honest, policy, now=FIXED_NOW).approved  # the control: the holder's own file passes
    stolen = verify(present(owners, key=THIEF), require_subject_binding=False)
    assert stolen.verified and stolen.holder == THIEF.public_key.did_key
    decision = vcred.office.evaluate(stolen, policy, now=FIXED_NOW)
    assert not decision.approved
    assert "without subject binding" in decision.presentation_problems[0]
