"""Verification pipelines for credentials and presentations, and the Verifier that holds their configuration."""

from vcred.verify.credential import verify_credential
from vcred.verify.options import VerifyOptions
from vcred.verify.presentation import verify_presentation
from vcred.verify.verifier import LedgerView, StatusFetcher, TrustPolicy, Verifier

__all__ = [
    "LedgerView",
    "StatusFetcher",
    "TrustPolicy",
    "Verifier",
    "VerifyOptions",
    "verify_credential",
    "verify_presentation",
]
