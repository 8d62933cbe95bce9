"""Test helpers for vcred and for users' own tests: deterministic keys, a static resolver, fixed time.

Nothing here is safe for production: the keys are derived from public names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vcred.crypto.keys import Ed25519SigningKey, sha256
from vcred.did.resolver import DIDResolver, ResolutionResult, split_did_url
from vcred.errors import ResolutionError

FIXED_NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


def insecure_seeded_key(name: str) -> Ed25519SigningKey:
    """A deterministic Ed25519 key derived from ``name``. Anyone who knows the name has the key: tests only."""
    return Ed25519SigningKey(sha256(b"vcred insecure test key: " + name.encode("utf-8")))


class StaticResolver:
    """Resolves from fixed results (for DIDs of methods that would need a network), else delegates."""

    def __init__(self, results: dict[str, ResolutionResult], fallback: DIDResolver | None = None) -> None:
        self._results = dict(results)
        self._fallback = fallback

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """Return the fixed result for ``did`` or ask the fallback resolver."""
        bare, _ = split_did_url(did)
        if bare in self._results:
            return self._results[bare]
        if self._fallback is not None:
            return self._fallback.resolve(bare, as_of=as_of)
        raise ResolutionError(f"{bare} is not known to this static resolver")


def sample_credential(issuer: str, subject: str, **claims: Any) -> dict[str, Any]:
    """A minimal VC 2.0 credential (types and terms from the VC 2.0 context only)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, **claims},
    }
