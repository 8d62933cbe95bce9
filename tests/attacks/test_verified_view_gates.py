"""What a report says about a credential, and every decision built on it, comes from the verified view only.

Each test is a place an outside review found reading something the signature does not cover, or a second time in
one decision: report fields filled before the proof and the closed world passed, a failed credential's unsigned
types deciding whether its failure mattered, an accreditation window compared with a claimed date instead of the
moment the proof establishes, a wallet filing a credential under raw claims, a presentation's expiry read from its
first proof only.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
from typing import Any

import pytest

import vcred
from vcred.errors import UsageError
from vcred.examples import accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.jsonld.loader import default_loader
from vcred.office import TrustRegistry, evaluate
from vcred.office.html import decision_html
from vcred.proofs.data_integrity import create_proof
from vcred.report import Check, VerificationReport
from vcred.testing import FIXED_NOW, insecure_seeded_key
from vcred.verify import TrustPolicy
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

ROLES = ("school", "residency", "fellowship", "board", "cme-a", "cme-b", "insurer", "license-board", "accme", "lcme")
KEYS = {role: insecure_seeded_key(f"view gates {role}") for role in (*ROLES, "acgme")}
ISSUERS = {role: key.public_key.did_key for role, key in KEYS.items()}
ROLE = {did: role for role, did in ISSUERS.items()}
HOLDER = insecure_seeded_key("view gates holder")
CHALLENGE, DOMAIN = "n-view-gates", "credentialing.stmarys.example"
CRED = "https://www.w3.org/2018/credentials#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
IMPOSTOR = "did:example:impostor-board"


def sign(credential: dict[str, Any], *, now: dt.datetime = FIXED_NOW, suite: str = "eddsa-rdfc-2022") -> Any:
    return vcred.issue_credential(credential, KEYS[ROLE[credential["issuer"]]], suite=suite, now=now, validate=False)


def unsigned() -> list[dict[str, Any]]:
    return radiologist_credentials(ISSUERS, HOLDER.public_key.did_key, now=FIXED_NOW)


def of_type(credential_type: str) -> dict[str, Any]:
    return next(c for c in unsigned() if credential_type in c["type"])


def registry(accreditations: list[Any] | None = None) -> TrustRegistry:
    if accreditations is None:
        accreditations = [sign(c) for c in accreditation_credentials(ISSUERS, now=FIXED_NOW)]
    return TrustRegistry(trust_registry(ISSUERS), accreditations=accreditations)


def present(signed: list[Any], **changes: Any) -> dict[str, Any] | str:
    return vcred.create_presentation(
        signed, HOLDER, challenge=CHALLENGE, domain=DOMAIN, expires=dt.timedelta(hours=1), now=FIXED_NOW, **changes
    )


def verify_vp(vp: Any, **kwargs: Any) -> vcred.PresentationReport:
    return vcred.verify_presentation(vp, challenge=CHALLENGE, domain=DOMAIN, now=FIXED_NOW, **kwargs)


# 1. report fields are set from the verified view, after the proof and the closed world


def test_a_credential_whose_proof_fails_reports_no_issuer_type_or_id():
    signed = sign(of_type("BoardCertificationCredential"))
    good = vcred.verify_credential(signed, now=FIXED_NOW)
    assert good.verified and good.issuer == ISSUERS["board"] and "BoardCertificationCredential" in good.types
    assert good.credential_id == signed["id"]
    forged = copy.deepcopy(signed)
    forged["issuer"] = {"id": IMPOSTOR, "name": "Impostor Board"}
    forged["id"] = "urn:uuid:claimed-by-nobody"
    forged["type"] = ["VerifiableCredential", "MedicalLicenseCredential"]
    report = vcred.verify_credential(forged, now=FIXED_NOW)
    assert not report.verified and not report.check("vc.proof.verification_method").ok
    assert (report.issuer, report.types, report.credential_id, report.credential) == (None, [], None, None)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["certificationStatus"] = "certified, with honours"
    report = vcred.verify_credential(tampered, now=FIXED_NOW)
    assert not report.check("vc.proof.signature").ok
    assert (report.issuer, report.types, report.credential_id) == (None, [], None)


def test_a_credential_outside_the_closed_world_reports_no_issuer_type_or_id():
    signed = sign(of_type("BoardCertificationCredential"))
    rewritten = copy.deepcopy(signed)
    rewritten[CRED + "validFrom"] = {"@value": rewritten.pop("validFrom"), "@type": XSD_DATETIME}
    report = vcred.verify_credential(rewritten, now=FIXED_NOW)
    assert report.check("vc.proof.signature").ok and not report.check("vc.closed_world").ok  # the same graph
    assert (report.issuer, report.types, report.credential_id) == (None, [], None)


def test_a_credential_failing_after_the_view_keeps_its_signed_issuer_and_types():
    late = of_type("BoardCertificationCredential")
    late["validUntil"] = (FIXED_NOW - dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    report = vcred.verify_credential(sign(late), now=FIXED_NOW)
    assert not report.verified and report.check("vc.valid_until").code == "RANGE_ERROR"
    assert report.issuer == ISSUERS["board"] and "BoardCertificationCredential" in report.types


def test_a_presentation_whose_holder_proof_fails_reports_no_holder():
    vp = present([sign(c) for c in unsigned()])
    assert verify_vp(vp).holder == HOLDER.public_key.did_key
    forged = copy.deepcopy(vp)
    forged["id"] = "urn:uuid:edited-after-signing"
    report = verify_vp(forged)
    assert not report.check("vp.proof.signature").ok
    assert report.holder is None
    assert report.check("vp.subject_binding").status is vcred.CheckStatus.SKIPPED


def test_a_failed_credential_claiming_an_unused_type_does_not_let_a_decision_pass():
    """A credential that failed its proof says nothing about its type: its failure is relevant to every
    requirement, never waved through as a type no requirement uses."""
    credentials = unsigned()
    extra = copy.deepcopy(of_type("BoardCertificationCredential"))
    extra["id"] = "urn:uuid:a-second-board-statement"
    extra["credentialSubject"]["certificationStatus"] = "suspended"
    suspended = sign(extra)
    suspended["type"] = ["VerifiableCredential", "AccreditationCredential"]  # edited after signing
    report = verify_vp(present([*(sign(c) for c in credentials), suspended]), trust=registry())
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    assert not decision.approved
    failed = report.credentials[-1]
    assert not failed.verified and failed.types == []
    assert any("not verified" in p and "cannot be relied on" in p for p in decision.presentation_problems)
    assert not any("AccreditationCredential" in w for w in decision.warnings)


def test_the_decision_page_names_no_unsigned_issuer():
    credentials = unsigned()
    forged = sign({**credentials[0], "id": "urn:uuid:forged-issuer"})
    forged["issuer"] = IMPOSTOR  # edited after signing
    report = verify_vp(present([*(sign(c) for c in credentials), forged]), trust=registry())
    assert not report.credentials[-1].verified
    decision = evaluate(report, POLICY, now=FIXED_NOW)
    page = decision_html(decision, report=report, registry=registry())
    header = page.split("</header>")[0]
    row = page.split("<h2>Credentials presented</h2>")[1].split("</table>")[0].split("<tr>")[-1]
    _, _, kind, issuer, status = row.split("<td>")
    assert not decision.approved and IMPOSTOR not in header
    assert "credential (type not verified)" in kind and "issuer not verified" in issuer and IMPOSTOR not in issuer
    assert "not verified" in status  # the failed check's reason may quote the claim it refused


# 2. accreditation windows are compared with the moment the proof establishes


def provider_accredited_since(days: int) -> TrustRegistry:
    accreditations = []
    for credential in accreditation_credentials(ISSUERS, now=FIXED_NOW):
        if credential["credentialSubject"]["id"] == ISSUERS["cme-b"]:
            credential["validFrom"] = (FIXED_NOW - dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")
        accreditations.append(sign(credential))
    return registry(accreditations)


def cme_from_b(*, claimed: dt.datetime, signed_at: dt.datetime, suite: str = "eddsa-rdfc-2022") -> Any:
    cme = next(c for c in unsigned() if "CMECredential" in c["type"] and c["issuer"] == ISSUERS["cme-b"])
    cme["credentialSubject"]["completionDate"] = (FIXED_NOW - dt.timedelta(days=5)).date().isoformat()
    cme["validFrom"] = claimed.isoformat().replace("+00:00", "Z")
    return sign(cme, now=signed_at, suite=suite)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "vc+jwt"])
def test_a_claimed_validfrom_inside_the_accreditation_does_not_cover_a_proof_made_before_it(suite):
    office = provider_accredited_since(30)
    claimed, signed_at = FIXED_NOW - dt.timedelta(days=1), FIXED_NOW - dt.timedelta(days=60)
    backdated = cme_from_b(claimed=claimed, signed_at=signed_at, suite=suite)
    report = vcred.verify_credential(backdated, now=FIXED_NOW, trust=office)
    assert report.check("vc.closed_world").ok and not report.verified
    trust = report.check("vc.trust")
    assert not trust.ok and "not valid when the credential was signed" in trust.reason


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "vc+jwt"])
def test_a_proof_made_inside_the_accreditation_is_covered_whatever_validfrom_claims(suite):
    office = provider_accredited_since(30)
    claimed, signed_at = FIXED_NOW - dt.timedelta(days=60), FIXED_NOW - dt.timedelta(days=2)
    signed = cme_from_b(claimed=claimed, signed_at=signed_at, suite=suite)
    report = vcred.verify_credential(signed, now=FIXED_NOW, trust=office)
    assert report.check("vc.trust").ok, report.check("vc.trust").reason
    assert report.verified


class MomentPolicy:
    def __init__(self) -> None:
        self.moments: list[dt.datetime | None] = []

    def check(self, document, *, report, now, key_moment=None) -> Check:
        self.moments.append(key_moment)
        return Check.passed("vc.trust", "trusted", trusted_for=report.types)


class OlderPolicy:
    """A TrustPolicy written before the proof's moment was passed in."""

    def check(self, document, *, report, now) -> Check:
        return Check.passed("vc.trust", "trusted", trusted_for=report.types)


def test_a_trust_policy_receives_the_proofs_moment_and_an_older_one_keeps_working():
    signed = sign(of_type("BoardCertificationCredential"), now=FIXED_NOW - dt.timedelta(hours=3))
    policy = MomentPolicy()
    assert vcred.verify_credential(signed, now=FIXED_NOW, trust=policy).verified
    assert policy.moments == [FIXED_NOW - dt.timedelta(hours=3)]
    assert "key_moment" in inspect.signature(TrustPolicy.check).parameters
    with pytest.warns(DeprecationWarning, match="key_moment"):
        verifier = vcred.Verifier(trust=OlderPolicy())
    assert verifier.verify_credential(signed, now=FIXED_NOW).verified


def test_a_registry_asked_without_the_proofs_moment_trusts_no_accreditation_chain():
    office = provider_accredited_since(30)
    signed = cme_from_b(claimed=FIXED_NOW - dt.timedelta(days=1), signed_at=FIXED_NOW - dt.timedelta(days=1))
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    check = office.check(report.credential, report=report, now=FIXED_NOW)
    assert not check.ok and "when the credential was signed" in check.reason
    check = office.check(report.credential, report=report, now=FIXED_NOW, key_moment=FIXED_NOW - dt.timedelta(days=1))
    assert check.ok


# 3. the wallet files only a verified view; a presentation's expiry is its proof set's earliest


def test_the_wallet_refuses_a_legacy_check_that_returns_no_verified_credential(tmp_path):
    wallet = Wallet.create(
        tmp_path / "w.vcw", "view gates passphrase", kdf=UNSAFE_FAST_KDF_FOR_TESTS, holder_key=HOLDER
    )
    signed = sign(of_type("BoardCertificationCredential"))

    def legacy(credential: Any) -> VerificationReport:
        return VerificationReport(verified=True)  # says "verified" but hands back no verified view

    with pytest.raises(UsageError, match="Verifier"):
        wallet.import_credential(signed, verify=legacy, now=FIXED_NOW)
    assert wallet.credentials == []

    def full(credential: Any) -> VerificationReport:
        return vcred.verify_credential(credential, now=FIXED_NOW)

    stored = wallet.import_credential(signed, verify=full, now=FIXED_NOW)
    assert stored.issuer == ISSUERS["board"] and "BoardCertificationCredential" in stored.types


def test_a_presentation_expires_with_the_earliest_proof_of_its_set():
    vp = present([sign(c) for c in unsigned()])
    unsecured = {k: v for k, v in vp.items() if k != "proof"}
    first, second = FIXED_NOW + dt.timedelta(days=40), FIXED_NOW + dt.timedelta(hours=2)
    proof_set = unsecured
    for until in (first, second):
        proof_set = create_proof(
            proof_set,
            HOLDER,
            suite="eddsa-rdfc-2022",
            verification_method=vp["proof"]["verificationMethod"],
            loader=default_loader(),
            created=FIXED_NOW,
            purpose="authentication",
            expires=until,
            challenge=CHALLENGE,
            domain=DOMAIN,
        )
    assert [p["expires"] for p in proof_set["proof"]] == ["2026-07-11T12:00:00Z", "2026-06-01T14:00:00Z"]
    report = verify_vp(proof_set)
    expires = report.check("vp.expires")
    assert expires.ok and "2026-06-01T14:00:00+00:00" in expires.reason, expires.reason
    assert report.verified
