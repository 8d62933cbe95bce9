"""vcred.jsonld.direct_rdf gives exactly the dataset JSON-LD 1.1 gives (pyld, the reference), or declines.

The whole suite already compares every RDFC canonicalization it makes with the parser's (tests/conftest.py); these
tests aim the comparison at the reader's edges: generated documents inside its shapes and one step outside them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import load_vector

import vcred
from vcred.errors import CanonicalizationError, DataLossError
from vcred.examples import ISSUER_ROLES, radiologist_credentials
from vcred.jsonld.canon import _canonical_nquads, canonize_rdfc
from vcred.jsonld.direct_rdf import direct_quads
from vcred.jsonld.loader import default_loader
from vcred.testing import insecure_seeded_key

LOADER = default_loader()
V2 = "https://www.w3.org/ns/credentials/v2"
VCRED = "https://w3id.org/vcred/v1"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def direct(document):
    quads = direct_quads(document, loader=LOADER)
    return None if quads is None else _canonical_nquads(quads, 256)


def reference(document):
    try:
        return canonize_rdfc(document, loader=LOADER, backend="pyld")
    except (DataLossError, CanonicalizationError) as exc:
        return type(exc).__name__


def unproofed(document):
    return {k: v for k, v in document.items() if k != "proof"}


@pytest.fixture(scope="module")
def radiologist_file():
    issuer = insecure_seeded_key("direct issuer")
    holder = insecure_seeded_key("direct holder")
    issuers = dict.fromkeys(ISSUER_ROLES, issuer.public_key.did_key)
    unsigned = radiologist_credentials(issuers, holder.public_key.did_key, now=NOW)
    signed = [vcred.issue_credential(c, issuer, now=NOW) for c in unsigned]
    presentation = vcred.create_presentation(
        signed, holder, challenge="c", domain="d.example", expires=timedelta(hours=1), now=NOW
    )
    return signed, presentation


def test_every_family_and_the_presentation_take_the_direct_path(radiologist_file):
    """The speed of RDFC verification depends on it: a family that falls back to the parser is a regression."""
    signed, presentation = radiologist_file
    for document in [*map(unproofed, signed), *signed, unproofed(presentation)]:
        canonical = direct(document)
        assert canonical is not None, document.get("type")
        assert canonical == reference(document)


def test_w3c_vectors_agree_or_decline():
    vectors = load_vector("eddsa_vectors.json")
    for document in (
        vectors["unsigned"],
        vectors["eddsa-rdfc-2022"]["signed"],
        vectors["eddsa-rdfc-2022"]["proofConfig"],
    ):
        canonical = direct(document)
        assert canonical is None or canonical == reference(document)


BASE = {"@context": [V2, VCRED], "type": ["VerifiableCredential", "BoardCertificationCredential"]}


@pytest.mark.parametrize(
    "extra",
    [
        {"credentialSubject": {"name": {"@value": "Ada", "@language": "en"}}},  # value object
        {"credentialSubject": {"npi": 1.5}},  # a double
        {"credentialSubject": {"npi": 10**21}},  # an integer JSON-LD writes as a double
        {"credentialSubject": {"id": "relative/path"}},  # dropped by JSON-LD
        {"credentialSubject": {"id": "_:b0"}},  # a blank node label
        {"credentialSubject": {"undefinedTerm": "x"}},  # data loss
        {"credentialSubject": {"https://example.com/p": "x"}},  # an IRI as a key
        {"credentialSubject": {"id": "npi:123"}},  # a compact IRI whose prefix is a term
        {"credentialSubject": {"@id": "did:example:1", "@type": "Thing"}},  # keywords as keys, an undefined type
        {"credentialSubject": [["nested"]]},  # arrays of arrays
        {"credentialSubject": {"name": None}},
        {"validFrom": {"type": None}},  # a null type: invalid JSON-LD (found by the hostile-input fuzzer)
        {"credentialSubject": {"id": None, "name": "x"}},
        {"credentialSubject": {"type": [None]}},
        {"credentialSubject": {"@context": [V2], "name": "x"}},  # an embedded context outside a graph container
        {"proof": "did:example:not-a-node"},  # a string in a graph container
        {"validFrom": 20260101},  # a number under a datatype
        {"credentialSchema": {"id": "https://exa mple.com/s", "type": "JsonSchema"}},  # an invalid IRI
    ],
)
def test_shapes_outside_the_reader_are_left_to_the_parser_or_agree(extra):
    document = {**BASE, "issuer": "did:example:issuer", **extra}
    canonical = direct(document)
    assert canonical is None or canonical == reference(document)


def test_inline_contexts_and_unknown_urls_are_declined():
    assert direct({"@context": [V2, {"x": "https://example.com/x"}], "x": "1"}) is None
    assert direct({"@context": [V2, "https://example.com/unknown"], "name": "1"}) is None
    assert direct({"@context": V2, "type": "VerifiableCredential"}) == reference(
        {"@context": V2, "type": "VerifiableCredential"}
    )
    for bad in (None, [], "text", {"name": "no context"}):
        assert direct(bad) is None


# Generated documents over the radiology terms: nodes with and without ids, typed values, booleans, integers,
# nested objects, graph containers, and a few values one step outside the reader's shapes.
KEYS = [
    "id",
    "type",
    "name",
    "npi",
    "specialty",
    "participating",
    "credits",
    "initialCertificationDate",
    "maintenanceOfCertification",
    "periodStart",
    "credentialSubject",
    "evidence",
    "issuer",
    "validFrom",
    "credentialSchema",
    "proof",
    "description",
    "certificationStatus",
]
SCALARS = st.one_of(
    st.sampled_from(
        [
            "did:example:1",
            "https://example.com/a",
            "urn:uuid:4d1c",
            "Dr. Ada",
            "2026-01-01T00:00:00Z",
            "2026-01-01",
            "BoardCertificationCredential",
            "VerifiableCredential",
            "JsonSchema",
            "relative",
            "npi:1",
            "line\u2028break",
            "",
        ]
    ),
    st.booleans(),
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=6),
)
NODES = st.recursive(
    SCALARS,
    lambda children: st.dictionaries(st.sampled_from(KEYS), children | st.lists(children, max_size=3), max_size=4),
    max_leaves=14,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.dictionaries(st.sampled_from(KEYS), NODES, max_size=6), examples=st.booleans())
def test_generated_documents_agree_with_the_reference(body, examples):
    document = {"@context": [V2, VCRED, EXAMPLES] if examples else [V2, VCRED], **body}
    canonical = direct(document)
    assert canonical is None or canonical == reference(document)


# Mostly well-typed documents, so that most of them take the direct path (the test below requires that). The VC
# terms (issuer, validFrom, credentialSubject...) are defined only on a VerifiableCredential node (a type-scoped
# context that does not propagate); the radiology terms everywhere.
IRIS = st.sampled_from(["did:example:1", "https://example.com/a", "urn:uuid:4d1c", "did:key:z6Mk#key-1"])
PLAIN = st.one_of(st.text(max_size=8), st.booleans(), st.integers(min_value=-(2**60), max_value=2**60))
RADIOLOGY = {
    "id": IRIS,
    "type": st.lists(st.sampled_from(["BoardCertificationCredential", "CMECredential"]), max_size=2),
    "name": PLAIN,
    "npi": PLAIN,
    "participating": st.booleans(),
    "credits": st.integers(0, 100),
    "initialCertificationDate": st.sampled_from(["2026-01-01", "not a date"]),
}
subjects = st.deferred(
    lambda: st.fixed_dictionaries(
        {}, optional={**RADIOLOGY, "maintenanceOfCertification": subjects | st.lists(subjects, max_size=2)}
    )
)
well_typed_nodes = st.fixed_dictionaries(
    {"type": st.just(["VerifiableCredential", "BoardCertificationCredential"])},
    optional={
        "id": IRIS,
        "name": PLAIN,
        "issuer": IRIS | subjects,
        "validFrom": st.sampled_from(["2026-01-01T00:00:00Z", "not a date"]),
        "credentialSubject": subjects | st.lists(subjects, max_size=2),
        "evidence": IRIS | subjects,
        "credentialSchema": st.fixed_dictionaries({"id": IRIS, "type": st.just("JsonSchema")}),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=well_typed_nodes)
def test_well_typed_documents_take_the_direct_path_and_agree(body):
    document = {"@context": [V2, VCRED], **body}
    canonical = direct(document)
    assert canonical is not None
    assert canonical == reference(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=st.dictionaries(st.sampled_from(KEYS[2:10]), SCALARS, max_size=5), count=st.integers(1, 3))
def test_generated_presentations_agree_with_the_reference(subject, count):
    credential = {
        "@context": [V2, VCRED],
        "type": ["VerifiableCredential", "BoardCertificationCredential"],
        "issuer": "did:example:board",
        "credentialSubject": {"id": "did:example:holder", **subject},
    }
    presentation = {
        "@context": [V2],
        "type": "VerifiablePresentation",
        "holder": "did:example:holder",
        "verifiableCredential": [credential] * count,
    }
    canonical = direct(presentation)
    assert canonical is None or canonical == reference(presentation)
