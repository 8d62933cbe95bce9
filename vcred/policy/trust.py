"""The trust registry: which issuers an office accepts for which credential types, including chains of trust.

A rule accepts listed issuer DIDs, or any issuer holding an accreditation of the right scope from an accreditor the
office trusts (ACCME for CME providers, LCME for schools, ACGME for programs). An accreditation counts only if it
verifies (signature, status: not revoked) and was valid when the credential was issued.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from vcred._time import parse_datetime_stamp
from vcred.jsonld.canon import canonize_jcs
from vcred.policy.documents import TrustRegistryDocument, TrustRule, load_registry_document
from vcred.report import Check, VerificationReport

UNTRUSTED = "UNTRUSTED_ISSUER"
Verifier = Callable[[dict[str, Any] | str], VerificationReport]


def registry_digest(document: TrustRegistryDocument) -> str:
    """Hex SHA-256 of the registry's canonical JSON (what an office anchors in the ledger)."""
    return hashlib.sha256(canonize_jcs(document.model_dump(mode="json", by_alias=True, exclude_none=True))).hexdigest()


def _claims(credential: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(credential, dict):
        return credential
    from vcred.jose.vc_jwt import peek_payload

    try:
        return peek_payload(credential)
    except ValueError:
        return {}


def _issued_at(document: dict[str, Any]) -> datetime | None:
    for value in (document.get("validFrom"),):
        if isinstance(value, str):
            try:
                return parse_datetime_stamp(value)
            except ValueError:
                return None
    return None


class TrustRegistry:
    """A loaded registry plus the accreditation credentials the office holds (verified lazily, once)."""

    def __init__(
        self,
        document: TrustRegistryDocument | str | Path | dict[str, Any],
        *,
        accreditations: Sequence[dict[str, Any] | str] = (),
        verify: Verifier | None = None,
    ) -> None:
        self.document = document if isinstance(document, TrustRegistryDocument) else load_registry_document(document)
        self._accreditations = list(accreditations)
        self._verify = verify
        self._verified: list[tuple[dict[str, Any], VerificationReport]] | None = None

    @property
    def digest(self) -> str:
        """The registry's SHA-256 (compare with the anchored version)."""
        return registry_digest(self.document)

    def check_anchored(self, client: Any) -> Check:
        """``trust.registry``: this registry is the latest version its publisher anchored in the ledger.

        What makes every office of a network decide with the same list: a registry edited locally, or an older
        version, fails with the version that is anchored.
        """
        from vcred.errors import LedgerError, StorageError

        url = self.document.id
        try:
            latest = client.latest(url, "trust-registry")
        except (LedgerError, StorageError) as exc:
            return Check.failed("trust.registry", f"cannot prove the registry's anchor: {exc.message}", UNTRUSTED)
        if latest is None:
            return Check.failed("trust.registry", f"no version of {url} is anchored in the ledger", UNTRUSTED)
        anchored = latest.entry.payload
        if anchored["sha256"] != self.digest:
            return Check.failed(
                "trust.registry",
                f"this registry is not the version anchored at ledger entry {latest.index} (version "
                f"{anchored['version']}): a local edit or an outdated copy",
                UNTRUSTED,
                anchored_version=anchored["version"],
            )
        return Check.passed(
            "trust.registry",
            f"the registry is version {anchored['version']}, as {anchored['publisher']} anchored it at ledger entry "
            f"{latest.index}",
            entry=latest.index,
        )

    def rule_for(self, types: Sequence[str]) -> TrustRule | None:
        """The rule for the first of ``types`` the registry covers."""
        for rule in self.document.rules:
            if rule.credentialType in types:
                return rule
        return None

    def _accreditation_reports(self, now: datetime) -> list[tuple[dict[str, Any], VerificationReport]]:
        if self._verified is None:
            from vcred.verify.credential import verify_credential

            check = self._verify or (lambda c: verify_credential(c, now=now))
            self._verified = []
            for credential in self._accreditations:
                report = check(credential)
                # keep the claims of unverified accreditations too, to say *why* a chain is broken
                self._verified.append((report.credential or _claims(credential), report))
        return self._verified

    def check(self, document: dict[str, Any], *, report: VerificationReport, now: datetime) -> Check:
        """``vc.trust``: is the credential's issuer accepted for its type, and through which chain?"""
        issuer = report.issuer
        rule = self.rule_for(report.types)
        if rule is None:
            return Check.failed("vc.trust", f"the trust registry has no rule for {', '.join(report.types)}", UNTRUSTED)
        for listed in rule.issuers:
            if listed.did == issuer:
                return Check.passed(
                    "vc.trust",
                    f"{listed.name} is trusted to issue {rule.credentialType}",
                    chain=[{"issuer": issuer, "name": listed.name, "by": self.document.id}],
                )
        if rule.accreditedBy is not None:
            return self._chain(document, issuer, rule, now)
        return Check.failed("vc.trust", f"{issuer} is not trusted to issue {rule.credentialType}", UNTRUSTED)

    def _chain(self, document: dict[str, Any], issuer: str | None, rule: TrustRule, now: datetime) -> Check:
        assert rule.accreditedBy is not None
        scope = rule.accreditedBy.scope
        accreditors = {a.did: a for a in self.document.accreditors if scope in a.scopes}
        issued = _issued_at(document)
        problems: list[str] = []
        for credential, report in self._accreditation_reports(now):
            subject = credential.get("credentialSubject") if credential else None
            if not isinstance(subject, dict) or subject.get("id") != issuer:
                continue
            if subject.get("accreditationScope") != scope:
                continue
            accreditor = accreditors.get(report.issuer or "")
            if accreditor is None:
                problems.append(f"accredited by {report.issuer}, which the office does not trust for {scope}")
                continue
            if not report.verified:
                why = report.failures[0].reason if report.failures else "it does not verify"
                problems.append(f"the accreditation by {accreditor.name} is not valid: {why}")
                continue
            if subject.get("accreditationStatus") not in ("accredited", "provisional"):
                problems.append(f"{accreditor.name} lists the issuer as {subject.get('accreditationStatus')}")
                continue
            start, end = _issued_at(credential), credential.get("validUntil")
            until = parse_datetime_stamp(end) if isinstance(end, str) else None
            if issued is not None and ((start and issued < start) or (until and issued > until)):
                problems.append(f"the accreditation by {accreditor.name} was not valid when the credential was issued")
                continue
            chain = [
                {"issuer": issuer, "name": subject.get("name"), "accreditation": credential.get("id"), "scope": scope},
                {"accreditor": accreditor.did, "name": accreditor.name, "by": self.document.id},
            ]
            return Check.passed(
                "vc.trust",
                f"{subject.get('name')} is accredited by {accreditor.name} ({scope}), "
                f"which the office trusts for {rule.credentialType}",
                chain=chain,
            )
        reason = problems[0] if problems else f"no trusted accreditation ({scope}) is known for {issuer}"
        return Check.failed("vc.trust", reason, UNTRUSTED)
