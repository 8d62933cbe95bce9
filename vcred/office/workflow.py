"""The credentialing office's workflow: verify a presentation and decide it against the office's policy.

One object, one call per presentation, one moment for verifying and deciding. The CLI (`vcred credential-check`),
the demo, the notebooks and the portal call :meth:`Office.review` and only render what it returns, so a library
caller and the command line can never disagree about an approval.

    >>> from vcred.examples.office import POLICY
    >>> office = Office(Verifier.offline(), POLICY)
    >>> office.check("not a presentation", challenge="n-1", domain="office.example").approved
    False
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vcred._time import require_aware, utcnow
from vcred.errors import UsageError
from vcred.office.documents import CredentialingPolicy, load_policy
from vcred.office.evaluate import CredentialingDecision, evaluate
from vcred.office.trust import TrustRegistry
from vcred.report import Check, CheckStatus, PresentationReport
from vcred.verify.replay import ReplayCache
from vcred.verify.verifier import Verifier


@dataclass(frozen=True)
class Review:
    """What an office check produced: the decision, the verification it rests on, the registry's anchor check."""

    decision: CredentialingDecision
    verification: PresentationReport
    registry: Check | None


class Office:
    """A credentialing office: its verifier, its policy, its trust registry and who publishes it.

    ``registry_publisher`` is the DID the office trusts to publish ``registry`` (from the office's configuration,
    never from the registry's own text). A registry that is not the latest version that publisher anchored in the
    verifier's ledger — a local edit, an outdated copy, or one never anchored — makes every decision not approved,
    with that reason first, unless ``allow_unanchored_registry`` (a local trial). Raises UsageError for a policy
    that needs a registry when none is given.
    """

    def __init__(
        self,
        verifier: Verifier,
        policy: CredentialingPolicy | str | Path | dict[str, Any],
        registry: TrustRegistry | None = None,
        *,
        replay_cache: ReplayCache | None = None,
        registry_publisher: str | None = None,
        allow_unanchored_registry: bool = False,
    ) -> None:
        if not isinstance(verifier, Verifier):
            raise UsageError(f"Office needs a vcred.Verifier, not {type(verifier).__name__}")
        self.policy = policy if isinstance(policy, CredentialingPolicy) else load_policy(policy)
        if registry is None and self.policy.requireTrustedIssuers:
            raise UsageError("this policy requires trusted issuers: give the office its trust registry")
        self.registry = registry
        self.registry_publisher = registry_publisher
        self.allow_unanchored_registry = allow_unanchored_registry
        self.verifier = verifier.replace(
            trust=registry if registry is not None else verifier.trust,
            replay_cache=replay_cache if replay_cache is not None else verifier.replay_cache,
        )

    def check(
        self, presentation: dict[str, Any] | str | bytes, *, challenge: str, domain: str, now: datetime | None = None
    ) -> CredentialingDecision:
        """The decision on ``presentation`` (see :meth:`review` for the verification behind it)."""
        return self.review(presentation, challenge=challenge, domain=domain, now=now).decision

    def review(
        self, presentation: dict[str, Any] | str | bytes, *, challenge: str, domain: str, now: datetime | None = None
    ) -> Review:
        """Verify ``presentation`` and decide it, at one moment; never approved while the registry is not anchored."""
        moment = require_aware(now) if now is not None else utcnow()
        report = self.verifier.verify_presentation(presentation, challenge=challenge, domain=domain, now=moment)
        decision = evaluate(report, self.policy, now=moment)
        registry = self._registry_check()
        blocking = self._blocking(registry)
        if blocking:
            decision = decision.model_copy(update={"approved": False, "blocking": blocking})
        return Review(decision, report, registry)

    def _registry_check(self) -> Check | None:
        if self.registry is None:
            return None
        ledger = self.verifier.ledger
        if ledger is None:
            return Check.skipped("trust.registry", "no ledger was given: the registry's anchor cannot be checked")
        try:
            return self.registry.check_anchored(ledger, publisher=self.registry_publisher)
        except Exception as exc:  # a ledger fault is a reason not to approve, never a crash or a pass
            return Check.failed(
                "trust.registry", f"the registry's anchor could not be checked: {type(exc).__name__}", "LEDGER_ERROR"
            )

    def _blocking(self, registry: Check | None) -> list[str]:
        if registry is None or registry.status is CheckStatus.PASSED or self.allow_unanchored_registry:
            return []
        if registry.status is CheckStatus.SKIPPED:
            return [f"the trust registry is not proven to be the anchored version: {registry.reason}"]
        return [f"the trust registry is not the anchored version: {registry.reason}"]
