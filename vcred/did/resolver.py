"""The DID resolver interface every method plugs into.

A resolver turns a DID into a :class:`ResolutionResult`: the DID document plus, for each verification
relationship (``assertionMethod``, ``authentication``…), the verification methods it authorises. Verifiers ask
one question through :func:`resolve_verification_method`: *is this DID URL a key its DID controls for this
purpose, and which key is it?*
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from vcred.crypto.keys import Ed25519PublicKey
from vcred.errors import ResolutionError

PURPOSES = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")


@dataclass(frozen=True)
class VerificationMethod:
    """One verification method of a DID document, with its decoded key."""

    id: str
    type: str
    controller: str
    public_key: Ed25519PublicKey


@dataclass(frozen=True)
class ResolutionResult:
    """A resolved DID: the document, its methods by absolute id, and which ids each purpose authorises."""

    did: str
    document: Mapping[str, Any]
    methods: dict[str, VerificationMethod]
    relationships: dict[str, tuple[str, ...]]
    metadata: dict[str, Any] = field(default_factory=dict)
    deactivated: bool = False

    def document_json(self) -> dict[str, Any]:
        """The DID document as plain JSON data (documents of cached results are read-only mappings)."""
        return _plain(self.document)  # type: ignore[no-any-return]

    def authorised(self, purpose: str) -> list[VerificationMethod]:
        """The methods authorised for ``purpose``."""
        return [self.methods[i] for i in self.relationships.get(purpose, ()) if i in self.methods]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@runtime_checkable
class DIDResolver(Protocol):
    """Resolves DIDs of the methods it supports.

    ``as_of`` asks for the document as it was at that time (methods without history ignore it).
    Raise :class:`vcred.errors.ResolutionError` when the DID cannot be resolved.
    """

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """Resolve ``did`` (no fragment)."""
        ...


def split_did_url(did_url: str) -> tuple[str, str | None]:
    """Split a DID URL into (DID, fragment or None); raise ResolutionError if it is not a DID URL."""
    if not isinstance(did_url, str) or not did_url.startswith("did:") or len(did_url) > 8192:
        raise ResolutionError(f"not a DID URL: {str(did_url)[:80]!r}")
    did, _, fragment = did_url.partition("#")
    did = did.split("?", 1)[0]
    parts = did.split(":")
    if len(parts) < 3 or not parts[1] or not parts[2]:
        raise ResolutionError(f"not a DID: {did[:80]!r}")
    return did, (fragment or None)


def did_method(did: str) -> str:
    """The method name of a DID (``key`` for ``did:key:…``)."""
    return split_did_url(did)[0].split(":")[1]


class CompositeResolver:
    """Dispatches by DID method to the resolvers it was given; unknown methods fail clearly."""

    def __init__(self, methods: dict[str, DIDResolver]) -> None:
        self._methods = dict(methods)

    @property
    def methods(self) -> tuple[str, ...]:
        """The DID method names this resolver handles."""
        return tuple(self._methods)

    def with_method(self, name: str, resolver: DIDResolver) -> CompositeResolver:
        """A new resolver that also handles ``did:<name>``."""
        return CompositeResolver({**self._methods, name: resolver})

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """Resolve through the resolver registered for the DID's method."""
        bare, _ = split_did_url(did)
        method = bare.split(":", 2)[1]
        resolver = self._methods.get(method)
        if resolver is None and method == "vcred":
            # supported, but only through a ledger the verifier trusts: say how to give it one
            raise ResolutionError(
                "did:vcred is resolved from a ledger, and none was given: pass ledger=<a LedgerClient> "
                "(vcred.Verifier.from_local(data_dir)), or --data-dir on the command line",
                hint="an office on another machine needs the issuer's ledger: see the README (Ledger for offices)",
            )
        if resolver is None:
            raise ResolutionError(
                f"DID method 'did:{method}' is not supported",
                hint=f"supported methods: {', '.join('did:' + m for m in self._methods) or 'none'}",
            )
        return resolver.resolve(bare, as_of=as_of)


def resolve_verification_method(
    resolver: DIDResolver, did_url: str, purpose: str, *, as_of: datetime | None = None
) -> VerificationMethod:
    """The verification method ``did_url`` names, if its DID authorises it for ``purpose``.

    Raises ResolutionError when the DID cannot be resolved, is deactivated, has no such method, or does not
    authorise it for the purpose.
    """
    did, fragment = split_did_url(did_url)
    if fragment is None:
        raise ResolutionError(f"verification method {did_url!r} has no fragment naming a key")
    result = resolver.resolve(did, as_of=as_of)
    if result.deactivated:
        raise ResolutionError(f"{did} is deactivated")
    vm_id = f"{did}#{fragment}"
    method = result.methods.get(vm_id)
    if method is None:
        raise ResolutionError(f"{did} has no verification method {vm_id!r}")
    if vm_id not in result.relationships.get(purpose, ()):
        raise ResolutionError(f"{vm_id} is not authorised for {purpose} by {did}", hint="wrong proof purpose")
    return method
