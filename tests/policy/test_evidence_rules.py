"""The policy's evidence rules, each found by an outside review: one credential counts once, trust is per type,
the newest statement of an issuer decides, accreditation covers what it vouches for, amounts are exact."""

from __future__ import annotations

import copy
import datetime as dt

import vcred
from vcred.examples import accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.policy import Outcome, TrustRegistry, evaluate
from vcred.testing import FIXED_NOW, insecure_seeded_key

ROLES = ("school", "residency", "fellowship", "board", "cme-a", "cme-b", "insurer", "license-board", "accme", "lcme")
KEYS = {role: insecure_seeded_key(f"evidence {role}") for role in (*ROLES, "acgme", "mill")}
ISSUERS = {role: key.public_key.did_key for role, key in KEYS.items()}
ROLE = {did: role for role, did in ISSUERS.items()}
HOLDER = insecure_seeded_key("evidence holder")
CHALLENGE, DOMAIN = "n-evidence", "credentialing.stmarys.example"


def sign(credential, *, now=FIXED_NOW):
    return vcred.issue_credential(
        credential, KEYS[ROLE[credential["issuer"]]], suite="eddsa-jcs-2022", now=now, validate=False
    )


def unsigned():
    return radiologist_credentials(ISSUERS, HOLDER.public_key.did_key, now=FIXED_NOW)


def of_type(credentials, credential_type):
    return [c for c in credentials if credential_type in c["type"]]


def present(signed, *, registry=None, fetcher=None, now=FIXED_NOW):
    registry = registry or office_registry(fetcher=fetcher)
    vp = vcred.create_presentation(
        signed, HOLDER, challenge=CHALLENGE, domain=DOMAIN, expires=dt.timedelta(hours=1), now=now
    )
    return vcred.verify_presentation(
        vp, challenge=CHALLENGE, domain=DOMAIN, now=now, trust=registry, status_fetcher=fetcher
    )


def office_registry(*, accreditations=None, fetcher=None):
    if accreditations is None:
        accreditations = [sign(c) for c in accreditation_credentials(ISSUERS, now=FIXED_NOW)]
    return TrustRegistry(
        trust_registry(ISSUERS),
        accreditations=accreditations,
        verify=lambda c, now: vcred.verify_credential(c, now=now, status_fetcher=fetcher),
    )


def requirement(decision, requirement_id):
    return next(r for r in decision.requirements if r.id == requirement_id)


# 1. duplicates


def test_one_certificate_presented_twenty_times_counts_once():
    credentials = unsigned()
    cme = of_type(credentials, "CMECredential")[0]
    others = [c for c in credentials if "CMECredential" not in c["type"]]
    twelve = copy.deepcopy(cme)
    twelve["credentialSubject"]["credits"] = [{"creditType": "AMA PRA Category 1 Credit", "amount": "12.00"}]
    signed = [sign(c) for c in others] + [sign(twelve)] * 20
    report = present(signed)
    duplicates = report.check("vp.duplicates")
    assert duplicates is not None and not duplicates.ok and "more than once" in duplicates.reason
    assert not report.verified
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    assert not decision.approved
    # evaluate() counts it once even in a report that lacks the presentation-level check
    lenient = report.model_copy(deep=True)
    lenient.checks = [c for c in lenient.checks if c.id != "vp.duplicates"]
    decision = evaluate(lenient, POLICY, now=FIXED_NOW)
    cme_result = requirement(decision, "cme")
    assert cme_result.data["total"] == "12.00" and cme_result.outcome is Outcome.NOT_MET
    assert not decision.approved


def test_same_credential_under_another_proof_or_same_activity_counts_once():
    credentials = unsigned()
    cme = of_type(credentials, "CMECredential")[0]
    others = [c for c in credentials if "CMECredential" not in c["type"]]
    resigned = [sign(cme), sign(cme, now=FIXED_NOW - dt.timedelta(hours=1))]  # same id, two proofs
    report = present([sign(c) for c in others] + resigned)
    assert not report.check("vp.duplicates").ok and "same id" in report.check("vp.duplicates").reason
    renamed = copy.deepcopy(cme)
    renamed["id"] = "urn:uuid:another-certificate-for-the-same-activity"
    report = present([sign(c) for c in others] + [sign(cme), sign(renamed)])
    assert report.check("vp.duplicates").ok
    cme_result = requirement(evaluate(report, POLICY, now=FIXED_NOW), "cme")
    once = cme["credentialSubject"]["credits"][0]["amount"]
    assert cme_result.data["total"] == once and len(cme_result.evidence) == 1


def test_distinct_credentials_pass_the_duplicate_check():
    report = present([sign(c) for c in unsigned()])
    assert report.verified and report.check("vp.duplicates").ok
    assert evaluate(report, POLICY, now=FIXED_NOW).approved
