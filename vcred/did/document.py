"""Turn a DID document (JSON) into a ResolutionResult: Ed25519 keys only, strict about ids and controllers."""

from __future__ import annotations

from typing import Any

from vcred.crypto.jwk import jwk_to_public
from vcred.crypto.keys import Ed25519PublicKey
from vcred.did.resolver import PURPOSES, ResolutionResult, VerificationMethod
from vcred.errors import KeyFormatError, ResolutionError

_MULTIBASE_TYPES = ("Multikey", "Ed25519VerificationKey2020")
_MAX_METHODS = 64


def _absolute(did: str, ref: str) -> str:
    return f"{did}{ref}" if ref.startswith("#") else ref


def _key_of(method: dict[str, Any]) -> Ed25519PublicKey:
    kind = method.get("type")
    if kind in _MULTIBASE_TYPES and isinstance(method.get("publicKeyMultibase"), str):
        return Ed25519PublicKey.from_multibase(method["publicKeyMultibase"])
    if kind == "JsonWebKey" or kind == "JsonWebKey2020":
        return jwk_to_public(method.get("publicKeyJwk"))
    raise KeyFormatError(f"unsupported verification method type {str(kind)[:40]!r}")


def parse_did_document(document: Any, did: str, *, metadata: dict[str, Any] | None = None) -> ResolutionResult:
    """Validate ``document`` as the DID document of ``did`` and index its Ed25519 verification methods.

    Methods of other key types are ignored (they cannot verify Ed25519 signatures); relationships may reference
    methods by absolute or relative id, or embed them. Raises ResolutionError for a document that does not
    belong to ``did`` or is malformed.
    """
    if not isinstance(document, dict):
        raise ResolutionError("a DID document must be a JSON object")
    if document.get("id") != did:
        raise ResolutionError(f"the DID document's id is not {did[:80]}")
    methods: dict[str, VerificationMethod] = {}
    declared = document.get("verificationMethod", [])
    if not isinstance(declared, list) or len(declared) > _MAX_METHODS:
        raise ResolutionError("verificationMethod must be a list of at most 64 methods")

    def index(method: Any) -> str | None:
        if not isinstance(method, dict) or not isinstance(method.get("id"), str):
            raise ResolutionError("every verification method needs an id")
        vm_id = _absolute(did, method["id"])
        controller = method.get("controller")
        if not isinstance(controller, str):
            raise ResolutionError(f"verification method {vm_id[:80]} has no controller")
        try:
            key = _key_of(method)
        except KeyFormatError:
            return None
        methods[vm_id] = VerificationMethod(id=vm_id, type=str(method["type"]), controller=controller, public_key=key)
        return vm_id

    for method in declared:
        index(method)
    relationships: dict[str, tuple[str, ...]] = {}
    for purpose in PURPOSES:
        refs = document.get(purpose, [])
        if not isinstance(refs, list):
            raise ResolutionError(f"{purpose} must be a list")
        ids: list[str] = []
        for ref in refs:
            if isinstance(ref, str):
                ids.append(_absolute(did, ref))
            else:
                embedded = index(ref)
                if embedded:
                    ids.append(embedded)
        relationships[purpose] = tuple(i for i in ids if i in methods)
    deactivated = bool((metadata or {}).get("deactivated"))
    return ResolutionResult(
        did=did,
        document=document,
        methods=methods,
        relationships=relationships,
        metadata=metadata or {},
        deactivated=deactivated,
    )
