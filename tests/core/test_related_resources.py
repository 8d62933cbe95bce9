"""relatedResource digests (VC DM 2.0 §5.3): compared with the exact bytes of the resources vcred holds as
published, refused on a mismatch at issue and at verify, and reported as not checked for everything else."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import base58
import pytest

import vcred
from vcred.errors import InvalidCredentialError
from vcred.jsonld.loader import bundled_source, bundled_urls, published_bytes
from vcred.model.related import check_related_resources, parse_multibase
from vcred.report import CheckStatus
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

ISSUER = insecure_seeded_key("related resource issuer")
HOLDER = insecure_seeded_key("related resource holder")
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"]
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
# printed in the VC Data Model 2.0 Recommendation, §5.3 (multihash sha2-256, base64url)
V2_MULTIBASE = "uEiBZlVztZpfWHgPyslVv6-UwirFoQoRvW1htfx963sknNA"
EXAMPLES_MULTIBASE = "uEiBXOT-8adbvubm13Jy2uYgLCUQ2Cr_i6vRZyeWM8iedfA"
# the Recommendation prints these with a stray "M" after "sha384-" (65 characters: not the base64 of 48 bytes);
# the digest is the rest
V2_SRI = "sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU"
EXAMPLES_SRI = "sha384-zNNbQTWCSUSi0bbz7dbua+RcENv7C6FvlmYJ1Y+I727HsPOHdzwELMYO9Mz68M26"
# the W3C test suite's digests for the base context: of the context as it stood in July 2024, before the
# Recommendation changed it; its digestMultibase is a bare sha2-256 without the multihash header
SUITE_SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
SUITE_MULTIBASE = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"
# the suite's "wrong digest" values
SUITE_WRONG_MULTIBASE = "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"
SUITE_WRONG_SRI = "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P"
# the Data Integrity 1.0 example: a resource vcred does not hold
IMAGE = {
    "id": "https://university.example.org/images/58473",
    "digestMultibase": "zQmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n",
}


def credential(related):
    base = sample_credential(ISSUER.public_key.did_key, HOLDER.public_key.did_key, name="Dr. Amara Okafor")
    return {**base, "relatedResource": related}


def issue(related, suite="eddsa-rdfc-2022", *, validate=True):
    return vcred.issue_credential(credential(related), ISSUER, suite=suite, now=FIXED_NOW, validate=validate)


def verify(related, suite="eddsa-rdfc-2022"):
    return vcred.verify_credential(issue(related, suite, validate=False), now=FIXED_NOW)


def failed(report):
    return [c.id for c in report.checks if c.status == "failed"]


def sri(algorithm, data):
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def multihash(code, hash_name, data, encoding="u"):
    digest = hashlib.new(hash_name, data).digest()
    raw = bytes([code, len(digest)]) + digest
    if encoding == "z":
        return "z" + base58.b58encode(raw).decode()
    return "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("suite", SUITES)
def test_honest_digests_of_the_published_contexts_verify(suite):
    related = [
        {"id": V2, "mediaType": "application/ld+json", "digestSRI": V2_SRI, "digestMultibase": V2_MULTIBASE},
        {"id": EXAMPLES, "digestSRI": EXAMPLES_SRI, "digestMultibase": EXAMPLES_MULTIBASE},
    ]
    report = vcred.verify_credential(issue(related, suite), now=FIXED_NOW)
    assert report.verified, report.failures
    check = report.check("vc.related_resource")
    assert check.ok and "not checked" not in check.reason
    assert [c["id"] for c in check.details["compared"]] == [V2, EXAMPLES]
    assert check.details["compared"][0]["digests"] == "digestSRI sha2-384, digestMultibase sha2-256"


def test_the_bytes_compared_are_the_published_bytes():
    # the digests the Recommendations print are digests of vcred's copies, byte for byte
    raw = published_bytes(V2)
    assert hashlib.sha256(raw).hexdigest() == "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    assert multihash(0x12, "sha256", raw) == V2_MULTIBASE and sri("sha384", raw) == V2_SRI
    assert multihash(0x12, "sha256", published_bytes(EXAMPLES)) == EXAMPLES_MULTIBASE
    # only copies a Recommendation vouches for are used; vcred's other bundled copies are not claimed to be
    # what their URLs serve
    vouched = {url for url in bundled_urls() if published_bytes(url) is not None}
    assert vouched == {
        V2,
        EXAMPLES,
        "https://www.w3.org/ns/credentials/status/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/security/jwk/v1",
    }
    for url in vouched:
        entry = bundled_source(url)
        assert entry["published_sha256"] == entry["sha256"] and entry["published_in"]


@pytest.mark.parametrize(
    ("code", "hash_name"),
    [(0x12, "sha256"), (0x20, "sha384"), (0x13, "sha512"), (0x16, "sha3_256"), (0x15, "sha3_384"), (0x14, "sha3_512")],
)
@pytest.mark.parametrize("encoding", ["u", "z"])
def test_every_multihash_vcred_reads_is_compared(code, hash_name, encoding):
    raw = published_bytes(V2)
    good = check_related_resources(credential({"id": V2, "digestMultibase": multihash(code, hash_name, raw, encoding)}))
    assert good.ok, good.reason
    other = multihash(code, hash_name, raw + b" ", encoding)
    bad = check_related_resources(credential({"id": V2, "digestMultibase": other}))
    assert bad.status is CheckStatus.FAILED and bad.code == "CRYPTOGRAPHIC_SECURITY_ERROR"


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_every_sri_algorithm_is_compared(algorithm):
    raw = published_bytes(V2)
    assert check_related_resources(credential({"id": V2, "digestSRI": sri(algorithm, raw)})).ok
    # several expressions (SRI separates them by whitespace; a list is read the same way), options ignored
    several = f"{sri(algorithm, raw)}?ct=application/ld+json {V2_SRI}"
    assert check_related_resources(credential({"id": V2, "digestSRI": several})).ok
    assert check_related_resources(credential({"id": V2, "digestSRI": [sri(algorithm, raw), V2_SRI]})).ok
    wrong = check_related_resources(credential({"id": V2, "digestSRI": f"{V2_SRI} {sri(algorithm, raw + b'x')}"}))
    assert wrong.status is CheckStatus.FAILED


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"id": V2, "digestSRI": SUITE_SRI}, id="sri-of-the-2024-context"),
        pytest.param({"id": V2, "digestSRI": sri("sha256", b"{}")}, id="sri-of-other-bytes"),
        pytest.param({"id": V2, "digestMultibase": EXAMPLES_MULTIBASE}, id="multibase-of-another-context"),
        pytest.param({"id": V2, "digestSRI": V2_SRI, "digestMultibase": EXAMPLES_MULTIBASE}, id="one-of-two-wrong"),
        pytest.param({"id": EXAMPLES, "digestSRI": V2_SRI}, id="sri-of-another-context"),
    ],
)
@pytest.mark.parametrize("suite", SUITES)
def test_a_digest_that_does_not_match_is_refused_at_issue_and_at_verify(entry, suite):
    with pytest.raises(InvalidCredentialError, match="does not match") as raised:
        issue([IMAGE, entry], suite)
    assert raised.value.field.startswith("relatedResource[1].digest")
    report = verify([IMAGE, entry], suite)
    assert not report.verified and failed(report) == ["vc.related_resource"]
    check = report.check("vc.related_resource")
    assert check.code == "CRYPTOGRAPHIC_SECURITY_ERROR" and "relatedResource[1]" in check.reason


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param({"id": V2, "digestMultibase": SUITE_MULTIBASE}, id="bare-digest-not-a-multihash"),
        pytest.param({"id": V2, "digestMultibase": SUITE_WRONG_MULTIBASE}, id="suite-wrong-multibase"),
        pytest.param({"id": V2, "digestSRI": SUITE_WRONG_SRI}, id="suite-wrong-sri-base64url"),
        pytest.param({"id": V2, "digestSRI": "sha384-M" + V2_SRI[7:]}, id="sri-as-printed-with-a-stray-M"),
        pytest.param({"id": V2, "digestSRI": V2_SRI[:-4]}, id="sri-truncated"),
        pytest.param({"id": V2, "digestSRI": V2_SRI[7:]}, id="sri-without-algorithm"),
        pytest.param({"id": V2, "digestSRI": 7}, id="sri-not-a-string"),
        pytest.param({"id": V2, "digestMultibase": []}, id="multibase-empty-list"),
        pytest.param({"id": V2, "digestMultibase": "u" + V2_MULTIBASE[1:] + "A"}, id="multihash-length-off"),
        pytest.param({"id": V2, "digestMultibase": "z0OIl"}, id="base58-outside-the-alphabet"),
        pytest.param({"id": IMAGE["id"], "digestSRI": "sha384-not base64!"}, id="malformed-for-a-resource-not-held"),
    ],
)
def test_a_value_that_is_not_a_digest_is_refused(entry):
    with pytest.raises(InvalidCredentialError, match="relatedResource"):
        issue([entry])
    report = verify([entry])
    assert not report.verified and failed(report) == ["vc.related_resource"]
    assert report.check("vc.related_resource").code == "MALFORMED_VALUE_ERROR"


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(IMAGE, id="not-held"),
        pytest.param({"id": "https://www.w3.org/2018/credentials/v1", "digestSRI": V2_SRI}, id="bundled-not-vouched"),
        pytest.param({"id": V2, "digestSRI": "sha1-" + base64.b64encode(bytes(20)).decode()}, id="sri-algorithm"),
        pytest.param({"id": V2, "digestMultibase": "f1220" + "00" * 32}, id="multibase-base16"),
        pytest.param(
            {
                "id": V2,
                "digestMultibase": "u" + base64.urlsafe_b64encode(b"\xa0\xe4\x02\x20" + bytes(32)).decode().rstrip("="),
            },
            id="multihash-blake2b",
        ),
    ],
)
def test_what_vcred_cannot_compare_is_reported_as_not_checked_never_as_a_pass(entry):
    signed = issue([entry])
    report = vcred.verify_credential(signed, now=FIXED_NOW)
    assert report.verified, report.failures
    check = report.check("vc.related_resource")
    assert check.status is CheckStatus.SKIPPED and check.reason.startswith("not checked")
    assert entry["id"] in check.reason and "compared" not in check.details


def test_a_pass_names_only_the_resources_compared():
    report = vcred.verify_credential(issue([IMAGE, {"id": V2, "digestMultibase": V2_MULTIBASE}]), now=FIXED_NOW)
    check = report.check("vc.related_resource")
    assert report.verified and check.ok
    assert [c["id"] for c in check.details["compared"]] == [V2]
    assert [c["id"] for c in check.details["not_checked"]] == [IMAGE["id"]]
    assert f"not checked: {IMAGE['id']}" in check.reason and "never fetches" in check.reason


def test_a_credential_without_related_resources_skips_the_check():
    report = vcred.verify_credential(
        vcred.issue_credential(
            sample_credential(ISSUER.public_key.did_key, HOLDER.public_key.did_key, name="A"), ISSUER, now=FIXED_NOW
        ),
        now=FIXED_NOW,
    )
    assert report.verified and report.check("vc.related_resource").status is CheckStatus.SKIPPED


def test_a_mismatch_inside_a_presentation_fails_that_credential():
    bad = issue([{"id": V2, "digestSRI": SUITE_SRI}], validate=False)
    vp = vcred.create_presentation([bad], HOLDER, challenge="c", domain="d", expires=timedelta(hours=1), now=FIXED_NOW)
    report = vcred.verify_presentation(vp, challenge="c", domain="d", now=FIXED_NOW)
    assert not report.verified
    assert failed(report.credentials[0]) == ["vc.related_resource"]


def test_multibase_parsing_reads_the_multihash_table():
    (digest,) = parse_multibase(V2_MULTIBASE)
    assert digest.algorithm == "sha2-256" and digest.expected == bytes.fromhex(
        "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    )
