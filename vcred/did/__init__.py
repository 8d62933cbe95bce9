"""DID resolution: the resolver interface and the offline methods (did:key, did:jwk).

>>> from vcred.did import default_resolver
>>> default_resolver().methods
('key', 'jwk', 'web')
"""

from vcred.did.document import parse_did_document
from vcred.did.jwk import JwkResolver, did_jwk_for
from vcred.did.key import KeyResolver, did_key_for, did_key_method_id
from vcred.did.resolver import (
    CompositeResolver,
    DIDResolver,
    ResolutionResult,
    VerificationMethod,
    resolve_verification_method,
    split_did_url,
)
from vcred.did.web import Fetcher, HttpsFetcher, WebResolver, did_web_url


def default_resolver(*, web_fetcher: Fetcher | None = None) -> CompositeResolver:
    """did:key and did:jwk (offline) and did:web, which resolves only if you pass ``web_fetcher``.

    >>> default_resolver(web_fetcher=HttpsFetcher())  # doctest: +SKIP  (opt in to the network for did:web)
    """
    return CompositeResolver({"key": KeyResolver(), "jwk": JwkResolver(), "web": WebResolver(web_fetcher)})


__all__ = [
    "CompositeResolver",
    "DIDResolver",
    "Fetcher",
    "HttpsFetcher",
    "JwkResolver",
    "KeyResolver",
    "ResolutionResult",
    "VerificationMethod",
    "WebResolver",
    "default_resolver",
    "did_jwk_for",
    "did_key_for",
    "did_key_method_id",
    "did_web_url",
    "parse_did_document",
    "resolve_verification_method",
    "split_did_url",
]
