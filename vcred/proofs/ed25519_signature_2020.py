"""Ed25519Signature2020, verify only: still issued by deployed systems on VC 1.1 documents.

Same transformation and hashing as eddsa-rdfc-2022 (URDNA2015, proof hash first); the proof ``type`` names the
suite and there is no ``cryptosuite`` property.
"""

from __future__ import annotations

from typing import Any

from vcred.proofs.eddsa_rdfc_2022 import EddsaRdfc2022


class Ed25519Signature2020(EddsaRdfc2022):
    """The legacy Ed25519Signature2020 suite (verification only)."""

    name = "Ed25519Signature2020"
    proof_type = "Ed25519Signature2020"
    can_sign = False

    def proof_config(self, document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
        """The proof without proofValue, under the document's ``@context``."""
        return super().proof_config(document, proof)
