"""The credentialing office: trust registry, credentialing policy and evaluate()."""

from vcred.policy.documents import CredentialingPolicy, TrustRegistryDocument, load_policy, load_registry_document
from vcred.policy.evaluate import CredentialingDecision, Outcome, RequirementResult, evaluate
from vcred.policy.trust import TrustRegistry, registry_digest

__all__ = [
    "CredentialingDecision",
    "CredentialingPolicy",
    "Outcome",
    "RequirementResult",
    "TrustRegistry",
    "TrustRegistryDocument",
    "evaluate",
    "load_policy",
    "load_registry_document",
    "registry_digest",
]
