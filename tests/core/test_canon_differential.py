"""The fast canonicalization paths (oxigraph, pruned contexts, single pass) agree with the pyld reference."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import load_vector

from vcred.errors import CanonicalizationError, DataLossError
from vcred.jsonld.canon import canonize_rdfc, canonize_rdfc_pair
from vcred.jsonld.loader import default_loader

V = load_vector("eddsa_vectors.json")
LOADER = default_loader()
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def outcome(document, **kwargs):
    try:
        return canonize_rdfc(document, loader=LOADER, **kwargs)
    except DataLossError:
        return "data loss"
    except CanonicalizationError:
        return "invalid"


def all_paths_agree(document):
    reference = outcome(document, backend="pyld")
    assert outcome(document, backend="auto") == reference
    assert outcome(document, backend="auto", prune_contexts=False) == reference
    return reference


DOCUMENTS = [
    V["unsigned"],
    V["eddsa-rdfc-2022"]["signed"],
    V["eddsa-rdfc-2022"]["proofConfig"],
    *V["proofSetChain"].values(),
]


@pytest.mark.parametrize("index", range(len(DOCUMENTS)))
def test_vectors_agree(index):
    document = DOCUMENTS[index]
    if isinstance(document, dict) and "@context" in document:
        all_paths_agree(document)


def test_pair_agrees_with_two_passes():
    config = {**V["eddsa-rdfc-2022"]["proofConfig"]}
    pair = canonize_rdfc_pair(V["unsigned"], config, loader=LOADER)
    assert pair == (outcome(V["unsigned"], backend="pyld"), outcome(config, backend="pyld"))


# Random credentials built from VC 2.0 terms, example terms, undefined terms, relative IRIs and nesting.
TERMS = [
    "name",
    "description",
    "id",
    "type",
    "issuer",
    "validFrom",
    "credentialSubject",
    "alumniOf",
    "undefinedTerm",
    "evidence",
    "credentialStatus",
    "image",
    "xsd:foo",
    "schema:name",
    "@id",
    "@type",
]
VALUES = st.sampled_from(
    [
        "did:example:1",
        "https://example.com/a",
        "relative/path",
        "Alice",
        "2024-01-01T00:00:00Z",
        "VerifiableCredential",
        "AlumniCredential",
        "Unknown",
        "_:b0",
        "urn:uuid:1",
    ]
)
nodes = st.recursive(
    VALUES,
    lambda children: st.dictionaries(st.sampled_from(TERMS), children | st.lists(children, max_size=3), max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.dictionaries(st.sampled_from(TERMS), nodes, max_size=6), examples=st.booleans())
def test_random_documents_agree(body, examples):
    document = {"@context": [V2, EXAMPLES] if examples else [V2], "type": ["VerifiableCredential"], **body}
    all_paths_agree(document)


def credential_named(text):
    return {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiableCredential"],
        "name": f"Dr. A{text}Z",
        "credentialSubject": {"id": "did:example:subject", "name": f"z{text}a"},
    }


def whole_quad_lines(canonical):
    lines = canonical.split("\n")
    return lines[-1] == "" and all(line.endswith(" .") for line in lines[:-1])


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_unicode_line_separators_stay_inside_their_literal(separator):
    """Regression: canonical lines were split with str.splitlines, which also breaks at U+2028 and friends (left
    unescaped by canonical N-Quads), and sorting the pieces scrambled the canonical form. pyld's own serializer is
    an independent reference for these characters."""
    from pyld import jsonld

    document = credential_named(separator)
    ours = all_paths_agree(document)

    def pyld_loader(url, options=None):
        return {"contextUrl": None, "documentUrl": url, "document": LOADER(url)}

    reference = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": pyld_loader}
    )
    assert ours == reference
    assert whole_quad_lines(ours)


@pytest.mark.parametrize(
    "control,escaped", [("\u000b", "\\u000B"), ("\u001c", "\\u001C"), ("\u007f", "\\u007F"), ("\t", "\\t")]
)
def test_control_characters_take_the_canonical_escapes(control, escaped):
    """RDFC-1.0 canonical N-Quads escape controls as \\b \\t \\n \\f \\r or uppercase \\uXXXX (pyld's own
    serializer predates this and writes some raw, so it is not the reference here)."""
    ours = all_paths_agree(credential_named(control))
    assert f"Dr. A{escaped}Z" in ours and control not in ours
    assert whole_quad_lines(ours)
