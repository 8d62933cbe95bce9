"""Verification pipelines for credentials and presentations."""

from vcred.verify.credential import verify_credential
from vcred.verify.options import VerifyOptions

__all__ = ["VerifyOptions", "verify_credential"]
