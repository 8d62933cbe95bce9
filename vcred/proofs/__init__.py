"""Data Integrity proofs: the suite registry and suite-agnostic proof handling."""

from vcred.proofs.ed25519_signature_2020 import Ed25519Signature2020
from vcred.proofs.eddsa_jcs_2022 import EddsaJcs2022
from vcred.proofs.eddsa_rdfc_2022 import EddsaRdfc2022
from vcred.proofs.suite import Cryptosuite

# Explicit registry: keyed by cryptosuite name (DataIntegrityProof) or by legacy proof type.
SUITES: dict[str, Cryptosuite] = {
    "eddsa-rdfc-2022": EddsaRdfc2022(),
    "eddsa-jcs-2022": EddsaJcs2022(),
    "Ed25519Signature2020": Ed25519Signature2020(),
}
SIGNING_SUITES = tuple(name for name, suite in SUITES.items() if suite.can_sign)

__all__ = ["SIGNING_SUITES", "SUITES", "Cryptosuite"]
