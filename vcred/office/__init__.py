"""The credentialing office's room: its workflow (:class:`Office`), trust registry, policy, decision and report.

``Office(verifier, policy, registry).review(presentation, challenge=…, domain=…, now=…)`` verifies and decides at one
moment; the CLI, the demo and the notebooks render what it returns. (This package was ``vcred.policy``; that name
still imports, with a DeprecationWarning.)
"""

from vcred.office.documents import CredentialingPolicy, TrustRegistryDocument, load_policy, load_registry_document
from vcred.office.evaluate import CredentialingDecision, Outcome, RequirementResult, evaluate
from vcred.office.trust import TrustRegistry, registry_digest
from vcred.office.workflow import Office, Review

__all__ = [
    "CredentialingDecision",
    "CredentialingPolicy",
    "Office",
    "Outcome",
    "RequirementResult",
    "Review",
    "TrustRegistry",
    "TrustRegistryDocument",
    "evaluate",
    "load_policy",
    "load_registry_document",
    "registry_digest",
]
