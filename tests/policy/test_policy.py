"""Credentialing office: every policy rule met and unmet, untrusted issuers, broken and revoked chains of trust."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

import vcred
from vcred.errors import UsageError
from vcred.examples import ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.office import Outcome, TrustRegistry, evaluate, load_policy, registry_digest
from vcred.testing import FIXED_NOW, insecure_seeded_key

CHALLENGE, DOMAIN = "n-policy", "credentialing.stmarys.example"


class Office:
    """The example issuers (seeded did:key), the holder, and an office deciding on what they sign."""

    def __init__(self, accreditations_cache: dict) -> None:
        self.keys = {role: insecure_seeded_key(f"policy {role}") for role in ISSUER_ROLES}
        self.issuers = {role: key.public_key.did_key for role, key in self.keys.items()}
        self.role = {did: role for role, did in self.issuers.items()}
        self.holder = insecure_seeded_key("policy holder")
        self._accreditations = accreditations_cache  # signed once per module: the keys are seeded

    def add_issuer(self, name):
        """A key for an issuer the office's registry does not name; returns its DID."""
        key = insecure_seeded_key(name)
        self.keys[name] = key
        self.role[key.public_key.did_key] = name
        return key.public_key.did_key

    def sign(self, credential):
        return vcred.issue_credential(
            credential, self.keys[self.role[credential["issuer"]]], now=FIXED_NOW, validate=False
        )

    def base_credentials(self):
        return radiologist_credentials(self.issuers, self.holder.public_key.did_key, now=FIXED_NOW)

    def accreditations(self):
        if "signed" not in self._accreditations:
            self._accreditations["signed"] = [
                self.sign(c) for c in accreditation_credentials(self.issuers, now=FIXED_NOW)
            ]
        return list(self._accreditations["signed"])

    def decide(self, credentials=None, *, registry=None, edit=None, policy=POLICY, accreditations=None, fetcher=None):
        unsigned = self.base_credentials() if credentials is None else credentials
        if edit:
            unsigned = [edit(copy.deepcopy(c)) for c in unsigned]
        signed = [self.sign(c) for c in unsigned if c is not None]
        accreditations = accreditations if accreditations is not None else self.accreditations()
        verify = lambda c, now: vcred.verify_credential(c, now=now, status_fetcher=fetcher)  # noqa: E731
        registry = registry or TrustRegistry(trust_registry(self.issuers), accreditations=accreditations, verify=verify)
        vp = vcred.create_presentation(
            signed, self.holder, challenge=CHALLENGE, domain=DOMAIN, expires=dt.timedelta(hours=1), now=FIXED_NOW
        )
        report = vcred.verify_presentation(
            vp, challenge=CHALLENGE, domain=DOMAIN, now=FIXED_NOW, trust=registry, status_fetcher=fetcher
        )
        return evaluate(report, policy, now=FIXED_NOW), report


@pytest.fixture(scope="module")
def accreditations_cache():
    return {}


@pytest.fixture
def office(accreditations_cache):
    return Office(accreditations_cache)


def outcome(decision, requirement):
    return next(r for r in decision.requirements if r.id == requirement)


def subject_edit(credential_type, **changes):
    def edit(credential):
        if credential_type in credential["type"]:
            credential["credentialSubject"].update(changes)
        return credential

    return edit


def test_everything_met(office):
    decision, report = office.decide()
    assert report.verified and decision.approved
    assert all(r.outcome is Outcome.MET for r in decision.requirements)
    cme = outcome(decision, "cme")
    assert cme.data["total"] == "51.75" and len(cme.evidence) == 5


@pytest.mark.parametrize(
    "requirement,edit,fragment",
    [
        ("degree", subject_edit("MedicalDegreeCredential", degree="MBBS"), "not one of"),
        ("residency", subject_edit("GraduateTrainingCredential", completionStatus="in-progress"), "not completed"),
        ("board", subject_edit("BoardCertificationCredential", certificationStatus="expired"), "expired"),
        ("board", subject_edit("BoardCertificationCredential", specialty="Radiation Oncology"), "no certification"),
        (
            "board",
            subject_edit(
                "BoardCertificationCredential",
                maintenanceOfCertification={
                    "participating": True,
                    "meetingRequirements": False,
                    "periodStart": "2025-01-01",
                    "periodEnd": "2029-12-31",
                },
            ),
            "continuing certification",
        ),
        ("license", subject_edit("MedicalLicenseCredential", licenseStatus="suspended"), "suspended"),
        ("license", subject_edit("MedicalLicenseCredential", restrictions=["no fluoroscopy"]), "restricted"),
        ("license", subject_edit("MedicalLicenseCredential", jurisdiction="US-NJ"), "no license in US-NY"),
        (
            "malpractice",
            subject_edit(
                "MalpracticeHistoryCredential",
                claims=[
                    {
                        "incidentDate": "2025-01-01",
                        "reportDate": "2025-02-01",
                        "claimStatus": "open",
                        "outcome": "pending",
                        "paidAmount": {"amount": "0.00", "currency": "USD"},
                    }
                ],
            ),
            "open claim",
        ),
        (
            "malpractice",
            subject_edit(
                "MalpracticeHistoryCredential",
                claims=[
                    {
                        "incidentDate": f"{2018 + i}-01-01",
                        "reportDate": f"{2018 + i}-02-01",
                        "claimStatus": "closed",
                        "outcome": "settled",
                        "paidAmount": {"amount": "150000.00", "currency": "USD"},
                    }
                    for i in range(3)
                ],
            ),
            "3 paid claim",
        ),
        (
            "malpractice",
            subject_edit(
                "MalpracticeHistoryCredential",
                coveragePeriods=[
                    {
                        "startDate": "2025-01-01",
                        "endDate": "2026-12-31",
                        "perClaimLimit": {"amount": "500000.00", "currency": "USD"},
                        "aggregateLimit": {"amount": "1500000.00", "currency": "USD"},
                    }
                ],
            ),
            "below",
        ),
        ("malpractice", subject_edit("MalpracticeHistoryCredential", asOfDate="2025-01-01"), "older than"),
    ],
)
def test_each_rule_unmet(office, requirement, edit, fragment):
    def fix(credential):
        credential = edit(credential)
        subject = credential["credentialSubject"]
        if "claims" in subject:
            subject["noClaimsInPeriod"] = not subject["claims"]
        return credential

    decision, _ = office.decide(edit=fix)
    result = outcome(decision, requirement)
    assert result.outcome is not Outcome.MET and fragment in result.reason, result.reason
    assert not decision.approved
    assert all(r.outcome is Outcome.MET for r in decision.requirements if r.id != requirement)


def test_missing_category_is_not_evidenced(office):
    decision, _ = office.decide(edit=lambda c: None if "MedicalLicenseCredential" in c["type"] else c)
    assert outcome(decision, "license").outcome is Outcome.NOT_EVIDENCED


def test_cme_window_is_exact(office):
    decision, _ = office.decide(
        edit=lambda c: None if c["credentialSubject"].get("activityId") == "GLIE-2024-117" else c
    )
    cme = outcome(decision, "cme")
    assert cme.outcome is Outcome.NOT_MET and cme.data["total"] == "39.75"
    policy = json.loads(json.dumps(POLICY))
    policy["requirements"][3]["windowMonths"] = 36
    decision, _ = office.decide(
        edit=lambda c: None if c["credentialSubject"].get("activityId") == "GLIE-2024-117" else c, policy=policy
    )
    assert outcome(decision, "cme").data["total"] == "48.75"


def test_untrusted_board_issuer(office):
    impostor = office.add_issuer("diploma mill board")
    credentials = office.base_credentials()
    board = next(c for c in credentials if "BoardCertificationCredential" in c["type"])
    board["issuer"] = impostor
    decision, report = office.decide(credentials)
    board_report = next(c for c in report.credentials if "BoardCertificationCredential" in c.types)
    assert board_report.check("vc.trust").code == "UNTRUSTED_ISSUER"
    assert outcome(decision, "board").outcome is Outcome.NOT_MET
    assert "not trusted" in outcome(decision, "board").reason


def test_broken_chain_unknown_cme_provider(office):
    rogue = office.add_issuer("rogue cme provider")
    credentials = office.base_credentials()
    for c in credentials:
        if "CMECredential" in c["type"] and c["credentialSubject"]["activityId"] == "GLIE-2024-117":
            c["issuer"] = rogue
    decision, report = office.decide(credentials)
    rogue_report = next(c for c in report.credentials if c.issuer == rogue)
    assert "no trusted accreditation" in rogue_report.check("vc.trust").reason
    assert outcome(decision, "cme").outcome is Outcome.NOT_MET  # 39.75 without it


def test_accreditation_by_an_untrusted_accreditor(office):
    fake = office.add_issuer("fake accreditor")
    accreditations = [
        office.sign(c)
        for c in accreditation_credentials(office.issuers, now=FIXED_NOW)
        if c["credentialSubject"]["accreditationScope"] != "cme-provider"
    ]
    fake_grants = [
        dict(c, issuer=fake)
        for c in accreditation_credentials(office.issuers, now=FIXED_NOW)
        if c["credentialSubject"]["accreditationScope"] == "cme-provider"
    ]
    decision, report = office.decide(accreditations=accreditations + [office.sign(c) for c in fake_grants])
    cme = [c for c in report.credentials if "CMECredential" in c.types]
    assert cme and all("does not trust" in c.check("vc.trust").reason for c in cme)
    assert outcome(decision, "cme").outcome is Outcome.NOT_MET


def test_revoked_accreditation_breaks_the_chain(world):
    world.issue_examples()
    world.revoke(world.accreditation("cme-a"))  # ACCME revokes Great Lakes Imaging Education's accreditation
    report = world.verify_presentation(
        world.present(categories=["education", "board", "cme", "license", "malpractice"])
    )
    from_a = [c for c in report.credentials if c.issuer == world.did("cme-a")]
    assert from_a and all("revoked" in c.check("vc.trust").reason for c in from_a)
    decision = world.evaluate(report)
    assert outcome(decision, "cme").outcome is Outcome.NOT_MET and not decision.approved
    assert all(r.outcome is Outcome.MET for r in decision.requirements if r.id != "cme")


def test_presentation_problems_void_all_evidence(office):
    _, report = office.decide()
    tampered = report.model_copy(deep=True)
    from vcred.report import Check

    tampered.checks.append(Check.failed("vp.proof.signature", "the signature does not match", "X"))
    again = evaluate(tampered, POLICY, now=FIXED_NOW)
    assert not again.approved and again.presentation_problems
    assert all(r.outcome is Outcome.NOT_EVIDENCED for r in again.requirements)


def test_trust_must_be_checked_and_policy_must_be_sane(office):
    signed = [office.sign(c) for c in office.base_credentials()]
    vp = vcred.create_presentation(
        signed, office.holder, challenge=CHALLENGE, domain=DOMAIN, expires=dt.timedelta(hours=1), now=FIXED_NOW
    )
    report = vcred.verify_presentation(vp, challenge=CHALLENGE, domain=DOMAIN, now=FIXED_NOW)
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    assert not decision.approved and decision.warnings
    with pytest.raises(UsageError):
        load_policy({**POLICY, "requirements": []})
    with pytest.raises(UsageError):
        load_policy({**POLICY, "requirements": [{"id": "x", "kind": "astrology", "description": "?"}]})


def test_registry_digest_is_stable(office):
    registry = TrustRegistry(trust_registry(office.issuers))
    document = json.loads(json.dumps(trust_registry(office.issuers)))
    assert registry.digest == registry_digest(TrustRegistry(document).document)


def test_registry_must_be_the_anchored_version(office):
    from vcred.ledger import Ledger, LedgerClient, make_entry

    ledger = Ledger.in_memory(origin="o", operator_name="op", operator_key=insecure_seeded_key("registry op"))
    publisher = insecure_seeded_key("registry office")
    document = trust_registry(office.issuers)
    registry = TrustRegistry(document)

    def client():
        synced = LedgerClient(ledger, operator=ledger.operator, origin="o")
        synced.sync()
        return synced

    unanchored = registry.check_anchored(client(), publisher=publisher.public_key.did_key)
    assert not unanchored.ok and "no version" in unanchored.reason and unanchored.status == "failed"

    def publish(version, digest):
        ledger.append(
            [
                make_entry(
                    "trust-registry",
                    {
                        "publisher": publisher.public_key.did_key,
                        "url": registry.document.id,
                        "version": version,
                        "sha256": digest,
                    },
                    submitter=f"{publisher.public_key.did_key}#{publisher.public_key.multibase}",
                    key=publisher,
                    timestamp=int(dt.datetime.now(dt.UTC).timestamp()),
                )
            ]
        )

    publish(1, registry.digest)
    assert registry.check_anchored(client(), publisher=publisher.public_key.did_key).ok
    edited = copy.deepcopy(document)
    edited["rules"] = edited["rules"][1:]  # a local edit drops a rule
    stale = TrustRegistry(edited).check_anchored(client(), publisher=publisher.public_key.did_key)
    assert not stale.ok and "local edit or an outdated copy" in stale.reason
    publish(2, TrustRegistry(edited).digest)  # the network moves on: now the old copy is the outdated one
    assert TrustRegistry(edited).check_anchored(client(), publisher=publisher.public_key.did_key).ok
    assert registry.check_anchored(client(), publisher=publisher.public_key.did_key).details["anchored_version"] == 2
