"""vcred: verifiable professional credentials for radiology.

Issuers sign W3C Verifiable Credentials 2.0 (Data Integrity EdDSA or VC-JOSE), radiologists hold and present them,
credentialing offices verify them and get a report with every check and its reason::

    import vcred
    report = vcred.verify_credential(credential_json)   # report.verified, report.checks
    verifier = vcred.Verifier.from_local(".vcred-data")  # one configuration, many calls (caches kept)

Presentations: ``vcred.create_presentation`` / ``vcred.verify_presentation``; the office's decision:
``vcred.evaluate(presentation_report, policy, now=...)``. Subpackages: ``vcred.did``, ``vcred.status``,
``vcred.ledger``, ``vcred.wallet``, ``vcred.office``, ``vcred.model.families``, ``vcred.testing``.
"""

from vcred import errors
from vcred._compat import moved
from vcred.issuer.issue import issue_credential
from vcred.office.evaluate import CredentialingDecision, evaluate
from vcred.report import Check, CheckStatus, PresentationReport, VerificationReport
from vcred.verify.credential import verify_credential
from vcred.verify.options import VerifyOptions
from vcred.verify.presentation import verify_presentation
from vcred.verify.replay import MemoryReplayCache
from vcred.verify.verifier import Verifier
from vcred.wallet.present import create_presentation

__version__ = "0.1.0"

# regrouped by role (ADR 10): the old module paths still import, with a DeprecationWarning
moved("vcred.issue", "vcred.issuer.issue")
moved("vcred.present", "vcred.wallet.present")
for _name in ("", ".documents", ".evaluate", ".trust", ".html"):
    moved(f"vcred.policy{_name}", f"vcred.office{_name}")

__all__ = [
    "Check",
    "CheckStatus",
    "CredentialingDecision",
    "MemoryReplayCache",
    "PresentationReport",
    "VerificationReport",
    "Verifier",
    "VerifyOptions",
    "__version__",
    "create_presentation",
    "errors",
    "evaluate",
    "issue_credential",
    "verify_credential",
    "verify_presentation",
]
