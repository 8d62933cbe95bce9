"""The credentialing office: its workflow (:class:`Office`), trust registry, policy and decision.

``Office(verifier, policy, registry).check(presentation, challenge=…, domain=…, now=…)`` verifies and decides at one
moment; the CLI, the demo and the notebooks render what it returns.
"""

from vcred.office.workflow import Office, Review
from vcred.policy.documents import CredentialingPolicy, load_policy
from vcred.policy.evaluate import CredentialingDecision, Outcome, evaluate
from vcred.policy.trust import TrustRegistry

__all__ = [
    "CredentialingDecision",
    "CredentialingPolicy",
    "Office",
    "Outcome",
    "Review",
    "TrustRegistry",
    "evaluate",
    "load_policy",
]
