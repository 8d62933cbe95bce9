"""eddsa-rdfc-2022: RDFC-1.0 canonicalization, SHA-256, Ed25519 (W3C Data Integrity EdDSA Cryptosuites v1.0)."""

from __future__ import annotations

from typing import Any

from vcred.crypto.keys import sha256
from vcred.jsonld.canon import canonize_rdfc_pair
from vcred.jsonld.loader import DocumentLoader


class EddsaRdfc2022:
    """The eddsa-rdfc-2022 cryptosuite."""

    name = "eddsa-rdfc-2022"
    proof_type = "DataIntegrityProof"
    can_sign = True
    proof_carries_context = False

    def proof_config(self, document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
        """Proof options without proofValue, with the document's ``@context`` (spec §3.2.5)."""
        config = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
        config["@context"] = document["@context"]
        return config

    def unsecured_for_verify(self, document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
        """The document as given (the proof is already removed)."""
        return document

    def hash_data(self, document: dict[str, Any], proof_config: dict[str, Any], *, loader: DocumentLoader) -> bytes:
        """sha256(RDFC(proof config)) || sha256(RDFC(document))."""
        doc_nquads, config_nquads = canonize_rdfc_pair(document, proof_config, loader=loader)
        return sha256(config_nquads.encode("utf-8")) + sha256(doc_nquads.encode("utf-8"))
