"""Bundled contexts: pinned digests, source URLs, and (when present) byte-equal to the shared reference copies."""

from __future__ import annotations

import hashlib
from importlib import resources

import pytest
from support import SHARED_REFERENCE

from vcred.errors import LoaderError
from vcred.jsonld.loader import BundledLoader, bundled_source, bundled_urls, default_loader

REFERENCE_FILES = {
    "https://www.w3.org/ns/credentials/v2": "contexts/credentials-v2.jsonld",
    "https://www.w3.org/2018/credentials/v1": "contexts/credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "contexts/credentials-examples-v2.jsonld",
    "https://w3id.org/security/data-integrity/v2": "contexts/w3c-data-integrity-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "contexts/w3c-data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "contexts/w3c-multikey-v1.jsonld",
    "https://w3id.org/security/jwk/v1": "contexts/w3c-jwk-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "contexts/did-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "contexts/ed25519-signature-2020-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "status-list/status-list-context-v1.jsonld",
}
# digests printed in the W3C Recommendations
RECOMMENDATION_DIGESTS = {
    "https://www.w3.org/ns/credentials/v2": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "https://w3id.org/security/data-integrity/v2": "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
    "https://w3id.org/security/multikey/v1": "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    "https://w3id.org/security/jwk/v1": "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
}


def _bytes(url: str) -> bytes:
    return resources.files("vcred.jsonld.contexts").joinpath(bundled_source(url)["file"]).read_bytes()


@pytest.mark.parametrize("url", bundled_urls())
def test_each_bundled_context_is_pinned_and_sourced(url):
    entry = bundled_source(url)
    assert entry["source"] and entry["sha256"]
    assert hashlib.sha256(_bytes(url)).hexdigest() == entry["sha256"]
    assert "@context" in default_loader()(url)


@pytest.mark.parametrize("url", sorted(RECOMMENDATION_DIGESTS))
def test_digests_match_the_recommendations(url):
    assert hashlib.sha256(_bytes(url)).hexdigest() == RECOMMENDATION_DIGESTS[url]


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="the shared reference folder is not present")
@pytest.mark.parametrize("url", sorted(REFERENCE_FILES))
def test_bundled_equals_shared_reference(url):
    assert _bytes(url) == (SHARED_REFERENCE / REFERENCE_FILES[url]).read_bytes()


@pytest.mark.parametrize(
    "url", ["https://evil.example/ctx", "http://www.w3.org/ns/credentials/v2", "", "file:///etc/passwd"]
)
def test_everything_else_is_refused(url):
    with pytest.raises(LoaderError, match="not bundled"):
        default_loader()(url)


def test_extra_documents_only_when_passed_in():
    loader = BundledLoader().with_documents({"https://example.org/ctx": {"@context": {"a": "https://example.org/a"}}})
    assert loader("https://example.org/ctx")["@context"]["a"]
    with pytest.raises(LoaderError):
        default_loader()("https://example.org/ctx")


def test_cache_scope_names_what_a_loader_serves():
    from vcred.jsonld.loader import BUNDLED_CACHE_SCOPE, cache_scope

    class Subclass(BundledLoader):
        pass

    assert cache_scope(default_loader()) == cache_scope(BundledLoader()) == BUNDLED_CACHE_SCOPE
    assert cache_scope(BundledLoader().with_documents({"urn:example:x": {"@context": {}}})) is None
    assert cache_scope(Subclass()) is None  # it could serve anything for a bundled URL
    assert cache_scope(lambda url: default_loader()(url)) is None


def test_canonical_form_follows_the_loader_not_a_cache():
    """A loader serving another document for a bundled URL gets its own result, before and after the default."""
    from vcred.jsonld.canon import canonize_rdfc

    examples = "https://www.w3.org/ns/credentials/examples/v2"
    document = {"@context": ["https://www.w3.org/ns/credentials/v2", examples], "id": "urn:x", "shade": "blue"}
    other = BundledLoader().with_documents(
        {examples: {"@context": {"@vocab": "https://other.example/vocab#", "shade": "https://other.example/shade"}}}
    )
    plain = canonize_rdfc(document, loader=default_loader())
    changed = canonize_rdfc(document, loader=other)
    assert "https://other.example/shade" in changed and "https://other.example/shade" not in plain
    assert canonize_rdfc(document, loader=BundledLoader()) == plain == canonize_rdfc(document, loader=default_loader())
    assert canonize_rdfc(document, loader=other) == changed
