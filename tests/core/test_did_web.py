"""did:web: URL mapping, no network without a fetcher, document validation, SSRF refusal."""

from __future__ import annotations

import json

import pytest

import vcred
from vcred.did import HttpsFetcher, WebResolver, default_resolver, did_web_url, resolve_verification_method
from vcred.did.resolver import CompositeResolver
from vcred.errors import ResolutionError
from vcred.testing import FIXED_NOW, insecure_seeded_key, sample_credential

KEY = insecure_seeded_key("did web board")
DID = "did:web:board.example:issuers:abr"


class DictFetcher:
    def __init__(self, documents):
        self.documents = documents
        self.asked = []

    def fetch(self, url):
        self.asked.append(url)
        if url not in self.documents:
            raise ResolutionError(f"{url}: not found")
        return self.documents[url]


def document(did=DID, key=KEY):
    return json.dumps(
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [
                {"id": "#key-1", "type": "Multikey", "controller": did, "publicKeyMultibase": key.public_key.multibase}
            ],
            "assertionMethod": ["#key-1"],
        }
    ).encode()


@pytest.mark.parametrize(
    "did,url",
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_url_mapping(did, url):
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:web:", "did:web:a%2Fb", "did:web:example.com:..:x", "did:web:ex ample.com"])
def test_bad_did_web(did):
    with pytest.raises(ResolutionError):
        did_web_url(did)


def test_without_a_fetcher_it_fails_with_a_reason():
    with pytest.raises(ResolutionError, match="no fetcher"):
        default_resolver().resolve(DID)


def test_resolves_through_the_callers_fetcher_and_verifies_a_credential():
    fetcher = DictFetcher({did_web_url(DID): document()})
    resolver = CompositeResolver({"web": WebResolver(fetcher)})
    method = resolve_verification_method(resolver, f"{DID}#key-1", "assertionMethod")
    assert method.public_key == KEY.public_key
    credential = sample_credential(DID, "did:example:holder", name="Dr. A")
    signed = vcred.issue_credential(credential, KEY, verification_method=f"{DID}#key-1", now=FIXED_NOW)
    assert vcred.verify_credential(signed, now=FIXED_NOW, resolver=resolver).verified
    # not authorised for authentication
    with pytest.raises(ResolutionError, match="not authorised"):
        resolve_verification_method(resolver, f"{DID}#key-1", "authentication")


def test_document_for_another_did_is_refused():
    fetcher = DictFetcher({did_web_url(DID): document(did="did:web:evil.example")})
    with pytest.raises(ResolutionError, match="id is not"):
        WebResolver(fetcher).resolve(DID)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"{}",
        b"x" * 200_000,
        document()[:-1] + b', "id": "did:web:evil.example"}',  # duplicate keys: two readings of one document
        b'{"id":' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    ],
)
def test_garbage_documents(body):
    with pytest.raises(ResolutionError):
        WebResolver(DictFetcher({did_web_url(DID): body})).resolve(DID)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "10.0.0.8", "169.254.169.254", "[::1]", "192.168.1.1"])
def test_private_addresses_are_refused(host):
    with pytest.raises(ResolutionError, match=r"non-public|cannot resolve"):
        HttpsFetcher().vet(host.strip("[]"))


def test_https_only():
    with pytest.raises(ResolutionError, match="https"):
        HttpsFetcher().fetch("http://board.example/.well-known/did.json")
