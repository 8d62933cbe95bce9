"""eddsa-jcs-2022: JSON Canonicalization Scheme, SHA-256, Ed25519 (W3C Data Integrity EdDSA Cryptosuites v1.0).

The proof carries the document's ``@context``; a verifier checks the document's ``@context`` starts with it and
verifies the document under the proof's ``@context`` (spec §3.3.2).
"""

from __future__ import annotations

from typing import Any

from vcred.crypto.keys import sha256
from vcred.jsonld.canon import canonize_jcs
from vcred.jsonld.loader import DocumentLoader


class EddsaJcs2022:
    """The eddsa-jcs-2022 cryptosuite."""

    name = "eddsa-jcs-2022"
    proof_type = "DataIntegrityProof"
    can_sign = True
    proof_carries_context = True

    def proof_config(self, document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
        """The proof without proofValue; on creation the document's ``@context`` is copied into it."""
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        if "@context" not in config and "@context" in document:
            config["@context"] = document["@context"]
        return config

    def unsecured_for_verify(self, document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
        """Check the document's ``@context`` starts with the proof's, then use the proof's."""
        if "@context" not in proof:
            return document
        proof_ctx = proof["@context"]
        proof_list = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        doc_ctx = document.get("@context")
        doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_list[: len(proof_list)] != proof_list:
            raise ValueError("the document's @context does not start with the proof's @context")
        if len(doc_list) != len(proof_list):
            # The spec lets contexts be appended after signing, unsigned. They can change what signed terms mean,
            # so vcred refuses them (README: where vcred differs).
            raise ValueError("the document's @context has entries the proof does not cover")
        return {**document, "@context": proof_ctx}

    def hash_data(self, document: dict[str, Any], proof_config: dict[str, Any], *, loader: DocumentLoader) -> bytes:
        """sha256(JCS(proof config)) || sha256(JCS(document))."""
        return sha256(canonize_jcs(proof_config)) + sha256(canonize_jcs(document))
