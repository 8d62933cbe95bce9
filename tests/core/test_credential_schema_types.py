"""credentialSchema of any type (VC DM 2.0 §4.11): each entry needs a type and an id that is a URL; JsonSchema
entries are validated against the bundled schemas, entries of other types are reported as not checked (never a
failure, never a pass that claims a validation), and a family credential is held to its family schema all the same.
"""

from __future__ import annotations

import copy

import pytest

import vcred
from vcred.errors import InvalidCredentialError
from vcred.examples import ISSUER_ROLES, radiologist_credentials
from vcred.model.families import check_schema
from vcred.report import CheckStatus
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

ISSUER = insecure_seeded_key("schema types issuer")
HOLDER = insecure_seeded_key("schema types holder")
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"]
# a type the credential's contexts do not define is written as an absolute IRI (it is signed as one)
SCHEMA_TYPE = "https://schemas.example/#ExampleDataSchema"
OTHER_TYPE = {"id": "https://schemas.example/credential/1", "type": SCHEMA_TYPE}
CME_SCHEMA = "https://w3id.org/vcred/schemas/cme-credential/v1.json"


def credential(**overrides):
    base = sample_credential(ISSUER.public_key.did_key, HOLDER.public_key.did_key, name="Dr. Amara Okafor")
    base.update(overrides)
    return base


def issue(document, suite="eddsa-rdfc-2022", *, validate=True):
    return vcred.issue_credential(document, ISSUER, suite=suite, now=FIXED_NOW, validate=validate)


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize(
    "schemas",
    [
        pytest.param(OTHER_TYPE, id="one"),
        pytest.param([OTHER_TYPE, {"id": "did:example:schemas/2", "type": SCHEMA_TYPE}], id="two"),
        pytest.param({"id": "https://schemas.example/vc/7", "type": "JsonSchemaCredential"}, id="json-schema-vc"),
    ],
)
def test_a_schema_of_another_type_is_issued_and_verified_but_reported_as_not_checked(suite, schemas):
    signed = issue(credential(credentialSchema=schemas), suite)
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert report.verified, report.failures
    check = report.check("vc.schema")
    assert check.status is CheckStatus.SKIPPED
    assert check.reason.startswith("not checked")
    assert "JsonSchema" in check.reason
    named = schemas if isinstance(schemas, list) else [schemas]
    assert [e["id"] for e in check.details["not_checked"]] == [e["id"] for e in named]


def test_verify_reports_another_type_as_not_checked_even_when_the_issuer_skipped_validation():
    report = vcred.verify_credential(issue(credential(credentialSchema=OTHER_TYPE), validate=False), now=FIXED_NOW)
    assert report.verified, report.failures
    assert report.check("vc.schema").status is CheckStatus.SKIPPED
    assert "ExampleDataSchema" in report.check("vc.schema").reason


def test_json_schema_credential_is_named_as_such():
    check = check_schema(credential(credentialSchema={"id": "https://s.example/vc", "type": "JsonSchemaCredential"}))
    assert check.status is CheckStatus.SKIPPED
    assert "JsonSchemaCredential" in check.reason and "retrieve" in check.reason


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"id": "did:example:schemas/1"}, id="no-type"),
        pytest.param({"type": SCHEMA_TYPE}, id="no-id"),
        pytest.param({"id": "https ://not-a-url.example/x", "type": SCHEMA_TYPE}, id="id-not-a-url"),
        pytest.param({"id": 7, "type": SCHEMA_TYPE}, id="numeric-id"),
        pytest.param({"id": "https://s.example/1", "type": ""}, id="empty-type"),
        pytest.param("https://s.example/1", id="not-an-object"),
    ],
)
def test_every_schema_still_needs_an_id_url_and_a_type(entry):
    with pytest.raises(InvalidCredentialError, match="credentialSchema"):
        issue(credential(credentialSchema=[OTHER_TYPE, entry]))
    assert check_schema(credential(credentialSchema=[OTHER_TYPE, entry])).status is CheckStatus.FAILED


def test_json_schema_entries_are_validated_as_before_beside_other_types():
    unbundled = {"id": "https://schemas.example/not-bundled.json", "type": "JsonSchema"}
    with pytest.raises(InvalidCredentialError, match="not bundled"):
        issue(credential(credentialSchema=[OTHER_TYPE, unbundled]))
    report = vcred.verify_credential(
        issue(credential(credentialSchema=[OTHER_TYPE, unbundled]), validate=False), now=FIXED_NOW
    )
    assert not report.verified and report.check("vc.schema").status is CheckStatus.FAILED


KEYS = {role: insecure_seeded_key(f"schema types {role}") for role in ISSUER_ROLES}
ROLE_OF = {key.public_key.did_key: role for role, key in KEYS.items()}
CME = next(
    c
    for c in radiologist_credentials({r: k.public_key.did_key for r, k in KEYS.items()}, "did:example:r", now=FIXED_NOW)
    if "CMECredential" in c["type"]
)


def sign_family(document):
    key = KEYS[ROLE_OF[document["issuer"]]]
    return vcred.issue_credential(document, key, now=FIXED_NOW, validate=False)


def test_a_family_credential_is_held_to_its_family_schema_whatever_else_it_names():
    assert vcred.verify_credential(sign_family(CME), now=FIXED_NOW).check("vc.schema").ok
    # naming a schema of another type instead of the family's does not take the family schema away
    other = copy.deepcopy(CME)
    other["credentialSchema"] = OTHER_TYPE
    report = vcred.verify_credential(sign_family(other), now=FIXED_NOW)
    assert not report.verified and report.check("vc.schema").status is CheckStatus.FAILED
    assert report.check("vc.schema").details["schema"] == CME_SCHEMA
    # and beside the family's own entry, the family schema still decides
    both = copy.deepcopy(CME)
    both["credentialSchema"] = [CME["credentialSchema"], OTHER_TYPE]
    assert vcred.verify_credential(sign_family(both), now=FIXED_NOW).check("vc.schema").status is CheckStatus.FAILED
    with pytest.raises(InvalidCredentialError):
        vcred.issue_credential(other, KEYS[ROLE_OF[other["issuer"]]], now=FIXED_NOW)
