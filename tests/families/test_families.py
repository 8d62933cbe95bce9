"""Credential families: round trips in every securing form, schema and undefined-term failures, builders, CME."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

import vcred
from vcred.errors import InvalidCredentialError
from vcred.examples import (
    ISSUER_ROLES,
    accreditation_credentials,
    expected_category_1_credits,
    radiologist_credentials,
)
from vcred.model.families import (
    CATEGORIES,
    FAMILIES,
    build_credential,
    category_of,
    check_schema,
    generate,
    sum_cme_credits,
    types_in,
)
from vcred.model.families.schema_check import bundled_schemas
from vcred.testing import FIXED_NOW, insecure_seeded_key

KEYS = {role: insecure_seeded_key(f"family {role}") for role in ISSUER_ROLES}
ISSUERS = {role: key.public_key.did_key for role, key in KEYS.items()}
ROLE_OF = {did: role for role, did in ISSUERS.items()}
HOLDER = insecure_seeded_key("family holder").public_key.did_key
CREDENTIALS = radiologist_credentials(ISSUERS, HOLDER, now=FIXED_NOW) + accreditation_credentials(
    ISSUERS, now=FIXED_NOW
)
BY_TYPE = {}
for _c in CREDENTIALS:
    BY_TYPE.setdefault(_c["type"][1], _c)
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"]


def sign(credential, suite):
    return vcred.issue_credential(
        credential, KEYS[ROLE_OF[credential["issuer"]]], suite=suite, now=FIXED_NOW, validate=False
    )


def failed(report):
    return [c.id for c in report.checks if c.status == "failed"]


def test_every_family_has_an_example():
    assert set(BY_TYPE) == set(FAMILIES)


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_round_trip(kind, suite):
    report = vcred.verify_credential(sign(BY_TYPE[kind], suite), now=FIXED_NOW)
    assert report.verified, report.failures
    assert report.check("vc.schema").ok


def _break_schema(credential):
    broken = copy.deepcopy(credential)
    subject = broken["credentialSubject"]
    if "degree" in subject:
        subject["degree"] = "PhD"
    elif "credits" in subject:
        subject["credits"][0]["amount"] = "12.5.0"
    elif "certificationStatus" in subject:
        subject["certificationStatus"] = "probably"
    elif "claims" in subject:
        subject["noClaimsInPeriod"] = True  # contradicts the claims list
    elif "licenseStatus" in subject:
        subject["jurisdiction"] = "new york"
    elif "completionStatus" in subject:
        del subject["completionDate"]  # completed training needs its completion date
    else:
        subject["accreditationScope"] = "car-wash"
    return broken


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_schema_breaking_variant_fails_the_schema_check(kind, suite):
    report = vcred.verify_credential(sign(_break_schema(BY_TYPE[kind]), suite), now=FIXED_NOW)
    assert failed(report) == ["vc.schema"]
    assert report.check("vc.schema").details["path"].startswith("/credentialSubject")


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_undefined_term_variant_fails(kind, suite):
    variant = copy.deepcopy(BY_TYPE[kind])
    variant["credentialSubject"]["boardEligible"] = True  # no context defines it
    if suite == "eddsa-rdfc-2022":
        with pytest.raises(vcred.errors.DataLossError, match="boardEligible"):
            sign(variant, suite)
        # and added after signing, it is refused rather than silently unsigned
        signed = sign(BY_TYPE[kind], suite)
        signed["credentialSubject"]["boardEligible"] = True
        report = vcred.verify_credential(signed, now=FIXED_NOW)
        assert "vc.proof.transform" in failed(report)
    else:
        report = vcred.verify_credential(sign(variant, suite), now=FIXED_NOW)
        assert "vc.closed_world" in failed(report)
        assert "boardEligible" in report.check("vc.closed_world").reason
        # nothing is read from a document outside the closed world
        assert report.check("vc.schema").status.value == "skipped"


def test_unknown_type_fails_with_a_reason():
    variant = copy.deepcopy(BY_TYPE["CMECredential"])
    variant["type"] = ["VerifiableCredential", "CMECertificate"]
    report = vcred.verify_credential(sign(variant, "eddsa-jcs-2022"), now=FIXED_NOW)
    assert "vc.closed_world" in failed(report)
    assert "CMECertificate" in report.check("vc.closed_world").reason


def test_builder_errors_name_the_field():
    base = {
        "id": HOLDER,
        "name": "Dr. A",
        "issuingBoard": {"name": "Board"},
        "jurisdiction": "US-NY",
        "licenseNumber": "1",
        "licenseType": "full",
        "licenseStatus": "active",
        "issueDate": "2020-01-01",
        "expiryDate": "2027-01-01",
    }
    kwargs = {"issuer": ISSUERS["license-board"], "valid_from": FIXED_NOW}
    cases = [
        ({**base, "licenseStatus": "great"}, "credentialSubject.licenseStatus"),
        ({**base, "expiryDate": "2019-01-01"}, "credentialSubject.expiryDate"),
        ({**base, "npi": "1234567890"}, "credentialSubject.npi"),
        ({**base, "favouriteColour": "red"}, "credentialSubject.favouriteColour"),
        ({k: v for k, v in base.items() if k != "licenseNumber"}, "credentialSubject.licenseNumber"),
        ({**base, "id": "not a did"}, "credentialSubject.id"),
    ]
    for subject, field in cases:
        with pytest.raises(InvalidCredentialError) as info:
            build_credential("MedicalLicenseCredential", subject, **kwargs)
        assert info.value.field == field, (field, info.value)
    with pytest.raises(InvalidCredentialError) as info:
        build_credential("NobelPrizeCredential", base, **kwargs)
    assert info.value.field == "type"


def test_schemas_are_generated_from_the_models():
    assert generate.main(["--check"]) == 0, "run: python -m vcred.model.families.generate"
    for schema in bundled_schemas().values():
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_models_and_schemas_agree_on_the_same_examples(kind):
    family = FAMILIES[kind]
    good = BY_TYPE[kind]
    bad = _break_schema(good)
    for credential, expected in ((good, True), (bad, False)):
        try:
            family.subject_model.model_validate(credential["credentialSubject"])
            model_ok = True
        except ValidationError:
            model_ok = False
        schema_ok = check_schema(credential).ok
        assert model_ok == schema_ok == expected


def test_categories():
    assert set(CATEGORIES) == {category_of(c) for c in CREDENTIALS if category_of(c)}
    assert set(types_in("education")) == {"MedicalDegreeCredential", "GraduateTrainingCredential"}
    assert category_of(BY_TYPE["AccreditationCredential"]) is None
    assert category_of({"type": "nonsense"}) is None


def test_cme_sums_are_exact_and_windowed():
    cme = [c for c in CREDENTIALS if "CMECredential" in c["type"]]
    assert len(cme) >= 5
    total = sum_cme_credits(
        cme,
        credit_type="AMA PRA Category 1 Credit",
        window_start=(FIXED_NOW - dt.timedelta(days=730)).date(),
        window_end=FIXED_NOW.date(),
    )
    assert total == expected_category_1_credits(FIXED_NOW) == Decimal("51.75")
    assert isinstance(total, Decimal)
    tenths = [
        {
            "type": ["VerifiableCredential", "CMECredential"],
            "credentialSubject": {
                "completionDate": "2026-01-01",
                "credits": [{"creditType": "SA-CME", "amount": "0.10"}],
            },
        }
    ] * 3
    assert sum_cme_credits(
        tenths, credit_type="SA-CME", window_start=dt.date(2026, 1, 1), window_end=dt.date(2026, 1, 1)
    ) == Decimal("0.30")  # never 0.30000000000000004


def test_context_is_bundled_and_defines_every_term():
    from vcred.jsonld.loader import default_loader

    context = default_loader()("https://w3id.org/vcred/v1")["@context"]
    assert context["@protected"] is True and "@vocab" not in context
    for credential in CREDENTIALS:
        for key in credential["credentialSubject"]:
            assert key in context or key in ("id", "name"), key


def test_examples_are_json_and_about_one_holder():
    assert all(
        c["credentialSubject"]["id"] == HOLDER for c in CREDENTIALS if "AccreditationCredential" not in c["type"]
    )
    json.dumps(CREDENTIALS)
