"""The policy's evidence rules, each found by an outside review: one credential counts once, trust is per type,
the newest statement of an issuer decides, accreditation covers what it vouches for, amounts are exact."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

import vcred
from vcred.errors import UsageError
from vcred.examples import accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.office import Outcome, TrustRegistry, evaluate
from vcred.report import Check, CheckStatus
from vcred.status import MemoryFetcher, StatusList
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.verify.options import VerifyOptions

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


def present(signed, *, registry=None, fetcher=None, now=FIXED_NOW, options=None):
    registry = registry or office_registry(fetcher=fetcher)
    vp = vcred.create_presentation(
        signed, HOLDER, challenge=CHALLENGE, domain=DOMAIN, expires=dt.timedelta(hours=1), now=now
    )
    return vcred.verify_presentation(
        vp, challenge=CHALLENGE, domain=DOMAIN, now=now, trust=registry, status_fetcher=fetcher, options=options
    )


def office_registry(*, accreditations=None, fetcher=None):
    if accreditations is None:
        accreditations = [sign(c) for c in accreditation_credentials(ISSUERS, now=FIXED_NOW)]

    def verify(credential, now=FIXED_NOW):
        return vcred.verify_credential(credential, now=now, status_fetcher=fetcher)

    return TrustRegistry(trust_registry(ISSUERS), accreditations=accreditations, verify=verify)


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


# 2. trust is per type; one family per credential


def degree_in_a_cme_certificate():
    """An accredited CME provider signs a credential that is also a 'medical degree' from a diploma mill."""
    credentials = unsigned()
    cme = of_type(credentials, "CMECredential")[0]
    forged = copy.deepcopy(cme)
    forged["type"] = ["VerifiableCredential", "CMECredential", "MedicalDegreeCredential"]
    forged["id"] = "urn:uuid:cme-and-degree"
    forged["credentialSubject"].update(
        degree="MD",
        school={"name": "Diploma Mill U"},
        schoolAccreditor={"name": "Nobody"},
        conferralDate="2012-05-20",
        country="US",
    )
    del forged["credentialSchema"]  # so that, as it was, no schema was checked at all
    others = [c for c in credentials if "MedicalDegreeCredential" not in c["type"]]
    return [sign(c) for c in others] + [sign(forged)]


def test_a_credential_cannot_borrow_trust_from_another_type():
    report = present(degree_in_a_cme_certificate())
    forged = next(c for c in report.credentials if c.credential_id == "urn:uuid:cme-and-degree")
    assert not forged.verified
    assert "2 credential families" in forged.check("vc.trust").reason
    assert "2 credential families" in forged.check("vc.schema").reason
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    assert not decision.approved
    assert requirement(decision, "degree").outcome is Outcome.NOT_MET
    assert "Diploma Mill" not in requirement(decision, "degree").reason


def test_evaluate_uses_a_credential_only_for_the_types_it_is_trusted_for():
    report = present([sign(c) for c in unsigned()])
    degree = next(c for c in report.credentials if "MedicalDegreeCredential" in c.types)
    trusted = degree.check("vc.trust")
    assert trusted.details["trusted_for"] == ["MedicalDegreeCredential"]
    # a trust check that vouched for another type only (say, a registry rule for CME) does not cover the degree
    degree.checks[degree.checks.index(trusted)] = Check.passed("vc.trust", "CME only", trusted_for=["CMECredential"])
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    result = requirement(decision, "degree")
    assert result.outcome is Outcome.NOT_MET and "not trusted for MedicalDegreeCredential" in result.reason
    assert not decision.approved


def test_each_covered_type_needs_its_own_rule_to_pass():
    document = trust_registry(ISSUERS)
    document["rules"].append({"credentialType": "RadiologyPrivilegeCredential", "issuers": []})
    registry = TrustRegistry(document)
    cme_a = ISSUERS["cme-a"]
    listed = copy.deepcopy(document)
    listed["rules"][0]["issuers"].append({"did": cme_a, "name": "GLIE"})  # cme-a may issue board certifications
    report = vcred.VerificationReport(issuer=cme_a, types=["VerifiableCredential", "RadiologyPrivilegeCredential"])
    check = registry.check({"issuer": cme_a}, report=report, now=FIXED_NOW)
    assert not check.ok and "not trusted to issue RadiologyPrivilegeCredential" in check.reason
    report.types = ["VerifiableCredential", "BoardCertificationCredential", "RadiologyPrivilegeCredential"]
    check = TrustRegistry(listed).check({"issuer": cme_a}, report=report, now=FIXED_NOW)
    assert not check.ok and "RadiologyPrivilegeCredential" in check.reason  # board rule passes, the other does not


# 3. the newest statement decides; a suspension is not outvoted


def current_and_last_year(fetcher, *, suspend_current: bool):
    board = KEYS["board"]
    suspensions = StatusList(url="https://board.example/status/s", purpose="suspension", issuer=ISSUERS["board"])
    credentials = unsigned()
    current = of_type(credentials, "BoardCertificationCredential")[0]
    last_year = copy.deepcopy(current)
    last_year["id"] = "urn:uuid:last-years-certification"
    last_year["validFrom"] = (FIXED_NOW - dt.timedelta(days=365)).isoformat().replace("+00:00", "Z")
    indexes = {}
    for name, credential in (("current", current), ("last year", last_year)):
        indexes[name] = suspensions.allocate()
        credential["credentialStatus"] = suspensions.entry(indexes[name])
    if suspend_current:
        suspensions.set(indexes["current"])
    fetcher.publish(suspensions.url, json.dumps(suspensions.publish(board, now=FIXED_NOW)))
    others = [c for c in credentials if "BoardCertificationCredential" not in c["type"]]
    return [sign(c) for c in others] + [sign(last_year), sign(current)]  # the holder puts last year's first


def test_a_suspension_is_not_outvoted_by_last_years_certification():
    fetcher = MemoryFetcher()
    report = present(current_and_last_year(fetcher, suspend_current=True), fetcher=fetcher)
    assert not report.verified
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    board = requirement(decision, "board")
    assert board.outcome is Outcome.NOT_MET and "suspended" in board.reason
    assert not decision.approved and any("suspended" in p for p in decision.presentation_problems)


def test_both_valid_the_newest_decides():
    fetcher = MemoryFetcher()
    signed = current_and_last_year(fetcher, suspend_current=False)
    assert evaluate(present(signed, fetcher=fetcher), POLICY, now=FIXED_NOW).approved
    credentials = unsigned()
    current = of_type(credentials, "BoardCertificationCredential")[0]
    current["credentialSubject"]["certificationStatus"] = "suspended"  # the board's latest word, in the claims
    last_year = copy.deepcopy(of_type(unsigned(), "BoardCertificationCredential")[0])
    last_year["validFrom"] = (FIXED_NOW - dt.timedelta(days=365)).isoformat().replace("+00:00", "Z")
    others = [c for c in credentials if "BoardCertificationCredential" not in c["type"]]
    report = present([sign(c) for c in others] + [sign(last_year), sign(current)])
    assert report.verified
    result = requirement(evaluate(report, POLICY, now=FIXED_NOW), "board")
    assert result.outcome is Outcome.NOT_MET and "suspended" in result.reason


def test_a_failed_credential_blocks_approval_unless_no_requirement_uses_its_type():
    fetcher = MemoryFetcher()
    insurer = KEYS["insurer"]
    revocations = StatusList(url="https://insurer.example/status/1", purpose="revocation", issuer=ISSUERS["insurer"])
    credentials = unsigned()
    malpractice = of_type(credentials, "MalpracticeHistoryCredential")[0]
    index = revocations.allocate()
    malpractice["credentialStatus"] = revocations.entry(index)
    revocations.set(index)
    fetcher.publish(revocations.url, json.dumps(revocations.publish(insurer, now=FIXED_NOW)))
    report = present([sign(c) for c in credentials], fetcher=fetcher)
    assert not report.verified
    assert not evaluate(report, POLICY, now=FIXED_NOW).approved
    without = {**POLICY, "requirements": [r for r in POLICY["requirements"] if r["kind"] != "malpractice"]}
    decision = evaluate(report, without, now=FIXED_NOW)
    assert decision.approved and not decision.presentation_verified
    assert any("no requirement uses its type" in w and "revoked" in w for w in decision.warnings)


def test_a_report_that_did_not_verify_for_no_stated_reason_is_refused():
    report = present([sign(c) for c in unsigned()])
    report.checks = [c for c in report.checks if not c.id.endswith(".signature")]
    report.verified = False
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    assert not decision.approved and decision.presentation_problems


# 4. the accreditation covers the activity and the issuance


def recent_accreditation_for_cme_b(days: int = 30):
    accreditations = []
    for credential in accreditation_credentials(ISSUERS, now=FIXED_NOW):
        if credential["credentialSubject"]["id"] == ISSUERS["cme-b"]:
            credential["validFrom"] = (FIXED_NOW - dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")
        accreditations.append(sign(credential))
    return accreditations


def test_cme_from_a_provider_not_accredited_when_the_activity_was_done():
    registry = office_registry(accreditations=recent_accreditation_for_cme_b())
    report = present([sign(c) for c in unsigned()], registry=registry)
    from_b = [c for c in report.credentials if c.issuer == ISSUERS["cme-b"]]
    assert from_b and all("did not cover the activity" in c.check("vc.trust").reason for c in from_b)
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    cme = requirement(decision, "cme")
    assert cme.data["total"] == "26.50" and cme.outcome is Outcome.NOT_MET
    assert not decision.approved


def test_cme_issued_before_the_accreditation_or_undated_is_not_trusted():
    registry = office_registry(accreditations=recent_accreditation_for_cme_b(days=0))
    credentials = unsigned()  # signed a day ago, accredited only now
    report = present([sign(c, now=FIXED_NOW - dt.timedelta(days=1)) for c in credentials], registry=registry)
    from_b = [c for c in report.credentials if c.issuer == ISSUERS["cme-b"]]
    assert from_b and all("not valid when the credential was signed" in c.check("vc.trust").reason for c in from_b)
    # a registry that is not told when the proof was made trusts no chain (a claimed date does not stand in)
    verified = vcred.verify_credential(sign(of_type(credentials, "CMECredential")[0]), now=FIXED_NOW)
    check = office_registry().check(verified.credential, report=verified, now=FIXED_NOW)
    assert not check.ok and "not known when the credential was signed" in check.reason


# 5. accreditations are verified again at every decision


def test_an_accreditation_revoked_after_the_first_decision_is_not_trusted_at_the_next():
    fetcher = MemoryFetcher()
    accme = KEYS["accme"]
    revocations = StatusList(url="https://accme.example/status/9", purpose="revocation", issuer=ISSUERS["accme"])
    accreditations, index_of_a = [], None
    for credential in accreditation_credentials(ISSUERS, now=FIXED_NOW):
        if credential["credentialSubject"]["accreditationScope"] == "cme-provider":
            index = revocations.allocate()
            credential["credentialStatus"] = revocations.entry(index)
            if credential["credentialSubject"]["id"] == ISSUERS["cme-a"]:
                index_of_a = index
        accreditations.append(sign(credential))
    fetcher.publish(revocations.url, json.dumps(revocations.publish(accme, now=FIXED_NOW)))

    def verify(credential, now=FIXED_NOW):
        return vcred.verify_credential(credential, now=now, status_fetcher=fetcher)

    registry = TrustRegistry(trust_registry(ISSUERS), accreditations=accreditations, verify=verify)
    signed = [sign(c) for c in unsigned()]
    assert evaluate(present(signed, registry=registry, fetcher=fetcher), POLICY, now=FIXED_NOW).approved
    later = FIXED_NOW + dt.timedelta(hours=1)
    revocations.set(index_of_a)  # ACCME revokes the provider
    fetcher.publish(revocations.url, json.dumps(revocations.publish(accme, now=later)))
    report = present(signed, registry=registry, fetcher=fetcher, now=later)
    from_a = [c for c in report.credentials if c.issuer == ISSUERS["cme-a"]]
    assert from_a and all("revoked" in c.check("vc.trust").reason for c in from_a)
    decision = evaluate(report, POLICY, now=later)
    assert requirement(decision, "cme").outcome is Outcome.NOT_MET and not decision.approved


def test_a_verifier_that_ignores_the_time_is_refused():
    with pytest.raises(UsageError, match=r"\(credential, now\)"):
        TrustRegistry(trust_registry(ISSUERS), verify=lambda c: vcred.verify_credential(c))


# 6. amounts are exact decimals of the family's format


@pytest.mark.parametrize("amount", ["Infinity", "NaN", "-5", "1e3", "12.505", 12.5])
def test_cme_amounts_outside_the_format_are_malformed_evidence(amount):
    credentials = unsigned()
    cme = of_type(credentials, "CMECredential")[0]
    cme["credentialSubject"]["credits"][0]["amount"] = amount
    del cme["credentialSchema"]  # the family schema applies all the same
    report = present([sign(c) for c in credentials])
    bad = next(c for c in report.credentials if c.credential_id == cme["id"])
    assert not bad.verified and bad.check("vc.schema").status is CheckStatus.FAILED
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    assert not decision.approved and requirement(decision, "cme").outcome is Outcome.NOT_MET
    # with schema checking turned off, evaluate() still refuses the evidence, with a reason, and never raises
    report = present([sign(c) for c in credentials], options=VerifyOptions(check_schema=False))
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    cme_result = requirement(decision, "cme")
    assert cme_result.outcome is Outcome.NOT_MET and not decision.approved
    assert any("malformed evidence" in p for p in decision.presentation_problems)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-1000000.00"])
def test_malpractice_amounts_outside_the_format_are_malformed_evidence(amount):
    credentials = unsigned()
    malpractice = of_type(credentials, "MalpracticeHistoryCredential")[0]
    malpractice["credentialSubject"]["coveragePeriods"][0]["perClaimLimit"]["amount"] = amount
    report = present([sign(c) for c in credentials], options=VerifyOptions(check_schema=False))
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    result = requirement(decision, "malpractice")
    assert result.outcome is Outcome.NOT_MET and "malformed evidence" in result.reason
    assert not decision.approved


def test_a_family_credential_naming_no_schema_is_held_to_its_family_schema():
    credentials = unsigned()
    license_ = of_type(credentials, "MedicalLicenseCredential")[0]
    del license_["credentialSchema"]
    assert vcred.verify_credential(sign(license_), now=FIXED_NOW).check("vc.schema").ok
    license_["credentialSubject"]["licenseStatus"] = "whatever"
    check = vcred.verify_credential(sign(license_), now=FIXED_NOW).check("vc.schema")
    assert check.status is CheckStatus.FAILED and "licenseStatus" in check.reason
