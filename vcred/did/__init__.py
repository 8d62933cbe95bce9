"""DID resolution: the resolver interface and the offline methods (did:key, did:jwk).

>>> from vcred.did import default_resolver
>>> default_resolver().methods
('key', 'jwk')
"""

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


def default_resolver() -> CompositeResolver:
    """A resolver for the methods that need no network: did:key and did:jwk."""
    return CompositeResolver({"key": KeyResolver(), "jwk": JwkResolver()})


__all__ = [
    "CompositeResolver",
    "DIDResolver",
    "JwkResolver",
    "KeyResolver",
    "ResolutionResult",
    "VerificationMethod",
    "default_resolver",
    "did_jwk_for",
    "did_key_for",
    "did_key_method_id",
    "resolve_verification_method",
    "split_did_url",
]
