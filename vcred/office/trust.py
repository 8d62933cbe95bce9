"""The trust registry: which issuers an office accepts for which credential types, including chains of trust.

A rule accepts listed issuer DIDs, or any issuer holding an accreditation of the right scope from an accreditor the
office trusts (ACCME for CME providers, LCME for schools, ACGME for programs). An accreditation counts only if it
verifies as of the decision (signature, status: not revoked, not expired) and its period covers the moment the
credential's verified proof was made (never a date the credential claims) and, for a CME certificate, the
activity's completion date.

Trust is per type: a credential is trusted for a type only when a rule for *that* type accepts its issuer, and a
credential naming two credential families is refused (one signature cannot borrow one family's trust for another).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from vcred._time import parse_datetime_stamp
from vcred.errors import UsageError
from vcred.jsonld.canon import canonize_jcs
from vcred.model.families.cme import completion_date
from vcred.model.families.registry import family_types
from vcred.office.documents import TrustRegistryDocument, TrustRule, load_registry_document
from vcred.report import Check, VerificationReport

UNTRUSTED = "UNTRUSTED_ISSUER"
Verifier = Callable[[dict[str, Any] | str, datetime], VerificationReport]
"""Verifies an accreditation credential as of a moment: ``verify(credential, now)``."""


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


def issued_at(document: dict[str, Any]) -> datetime | None:
    """When the credential says it was issued: ``validFrom`` (VC 2.0) or ``issuanceDate`` (VC 1.1); None if absent.

    A malformed date is None too: callers that need the date fail closed on None.
    """
    for name in ("validFrom", "issuanceDate"):
        value = document.get(name)
        if value is not None:
            try:
                return parse_datetime_stamp(value)
            except ValueError:
                return None
    return None


def _activity_date(document: dict[str, Any], types: Sequence[str]) -> dt.date | None:
    """The date of what a credential vouches for, when it has one (a CME activity's completion)."""
    return completion_date(document) if "CMECredential" in types else None


def _check_verifier(verify: Verifier | None) -> Verifier | None:
    if verify is None:
        return None
    try:
        inspect.signature(verify).bind(object(), object())
    except TypeError:
        raise UsageError(
            "TrustRegistry(verify=...) must take (credential, now) and verify the accreditation as of now",
            hint="e.g. verify=lambda c, now: vcred.verify_credential(c, now=now, status_fetcher=fetcher)",
        ) from None
    except ValueError:  # a builtin without a signature: trust the caller
        pass
    return verify


class TrustRegistry:
    """A loaded registry plus the accreditation credentials the office holds.

    Accreditations are verified again at every check, as of that check's ``now``: a registry that lives for months
    sees an accreditor's revocation at the next decision (pass a status cache in the verifier to keep it fast).
    ``verify(credential, now)`` verifies one accreditation; by default ``vcred.verify_credential`` offline.
    Raises UsageError when ``verify`` does not take ``(credential, now)``.
    """

    def __init__(
        self,
        document: TrustRegistryDocument | str | Path | dict[str, Any],
        *,
        accreditations: Sequence[dict[str, Any] | str] = (),
        verify: Verifier | None = None,
    ) -> None:
        self.document = document if isinstance(document, TrustRegistryDocument) else load_registry_document(document)
        self._accreditations = [(credential, _claims(credential)) for credential in accreditations]
        self._verify = _check_verifier(verify)
        self._offline: Any = None

    @property
    def digest(self) -> str:
        """The registry's SHA-256 (compare with the anchored version)."""
        return registry_digest(self.document)

    def check_anchored(self, client: Any, *, publisher: str | None) -> Check:
        """``trust.registry``: this registry is the latest version ``publisher`` anchored in the ledger.

        What makes every office of a network decide with the same list: a registry edited locally, or an older
        version, fails with the version that is anchored.

        ``publisher`` is the DID the office trusts to publish this registry, from the office's own configuration:
        never from the registry's text or from whoever anchored its URL, since anyone can anchor an entry naming any
        URL (an edited registry, anchored by a stranger, would otherwise pass). Only that DID's anchors count.
        ``publisher=None`` says the office has not configured one: the check is skipped while nobody has anchored
        the registry's URL, and fails once somebody has, naming who (an anchor the office cannot attribute is
        neither believed nor ignored silently).
        """
        from vcred.errors import LedgerError, StorageError

        url = self.document.id
        if publisher is not None and not publisher.startswith("did:"):
            raise UsageError(f"the registry's publisher must be a DID, not {publisher[:80]!r}")
        try:
            if publisher is None:
                return _unattributed(url, client.authors(url, "trust-registry"))
            latest = client.latest(url, "trust-registry", author=publisher)
        except (LedgerError, StorageError) as exc:
            return Check.failed("trust.registry", f"cannot prove the registry's anchor: {exc.message}", UNTRUSTED)
        if latest is None:
            return Check.failed(
                "trust.registry", f"no version of {url} anchored by {publisher} is in the ledger", UNTRUSTED
            )
        anchored = latest.entry.payload
        if anchored["sha256"] != self.digest:
            return Check.failed(
                "trust.registry",
                f"this registry is not the version {publisher} anchored at ledger entry {latest.index} (version "
                f"{anchored['version']}): a local edit or an outdated copy",
                UNTRUSTED,
                anchored_version=anchored["version"],
            )
        return Check.passed(
            "trust.registry",
            f"the registry is version {anchored['version']}, as {anchored['publisher']} anchored it at ledger entry "
            f"{latest.index}",
            entry=latest.index,
            publisher=anchored["publisher"],
        )

    def rules_for(self, credential_type: str) -> list[TrustRule]:
        """Every rule for exactly ``credential_type`` (alternatives: any one accepting the issuer suffices)."""
        return [rule for rule in self.document.rules if rule.credentialType == credential_type]

    def check(
        self,
        document: dict[str, Any],
        *,
        report: VerificationReport,
        now: datetime,
        key_moment: datetime | None = None,
    ) -> Check:
        """``vc.trust``: is the issuer accepted for each type the registry covers, and through which chain?

        Passes only when every covered type is trusted; ``details["trusted_for"]`` lists them, and evaluate()
        uses a credential for those types only. ``key_moment`` is when the credential's verified proof was made
        (the pipeline's ``ProofOutcome.key_moment``): an accreditation must have been valid then. Without it no
        accreditation chain is trusted (a date the credential claims is not a substitute).
        """
        families = family_types(report.types)
        if len(families) > 1:
            return Check.failed(
                "vc.trust",
                f"the credential names {len(families)} credential families ({', '.join(families)}); "
                "a credential may be trusted for one family only",
                UNTRUSTED,
                trusted_for=[],
            )
        covered = [t for t in dict.fromkeys(report.types) if self.rules_for(t)]
        if not covered:
            return Check.failed(
                "vc.trust", f"the trust registry has no rule for {', '.join(report.types)}", UNTRUSTED, trusted_for=[]
            )
        verdicts = [self._check_type(document, report, t, now, key_moment) for t in covered]
        refused = [v for v in verdicts if not v.ok]
        if refused:
            return Check.failed("vc.trust", refused[0].reason, UNTRUSTED, trusted_for=[])
        first = verdicts[0]
        return Check.passed("vc.trust", first.reason, chain=first.details.get("chain", []), trusted_for=covered)

    def _check_type(
        self,
        document: dict[str, Any],
        report: VerificationReport,
        credential_type: str,
        now: datetime,
        key_moment: datetime | None,
    ) -> Check:
        rules = self.rules_for(credential_type)
        verdicts = [self._check_rule(document, report, rule, now, key_moment) for rule in rules]
        return next((v for v in verdicts if v.ok), verdicts[0])

    def _check_rule(
        self,
        document: dict[str, Any],
        report: VerificationReport,
        rule: TrustRule,
        now: datetime,
        key_moment: datetime | None,
    ) -> Check:
        issuer = report.issuer
        for listed in rule.issuers:
            if listed.did == issuer:
                return Check.passed(
                    "vc.trust",
                    f"{listed.name} is trusted to issue {rule.credentialType}",
                    chain=[{"issuer": issuer, "name": listed.name, "by": self.document.id}],
                )
        if rule.accreditedBy is not None:
            return self._chain(document, report, rule, now, key_moment)
        return Check.failed("vc.trust", f"{issuer} is not trusted to issue {rule.credentialType}", UNTRUSTED)

    def _verified(self, credential: dict[str, Any] | str, now: datetime) -> VerificationReport:
        if self._verify is not None:
            return self._verify(credential, now)
        if self._offline is None:  # built once: every vc.trust check of an accredited type comes here
            from vcred.verify.verifier import Verifier

            self._offline = Verifier.offline()
        report: VerificationReport = self._offline.verify_credential(credential, now=now)
        return report

    def _chain(
        self,
        document: dict[str, Any],
        report: VerificationReport,
        rule: TrustRule,
        now: datetime,
        key_moment: datetime | None,
    ) -> Check:
        assert rule.accreditedBy is not None
        issuer, scope = report.issuer, rule.accreditedBy.scope
        accreditors = {a.did: a for a in self.document.accreditors if scope in a.scopes}
        # one time per decision: when the proof that verified was made, never the validFrom the credential claims
        signed = key_moment
        if signed is None:
            return Check.failed(
                "vc.trust",
                "it is not known when the credential was signed (no time from its verified proof), so no "
                "accreditation can be shown to cover it",
                UNTRUSTED,
            )
        activity = _activity_date(document, report.types)
        if "CMECredential" in report.types and activity is None:
            return Check.failed(
                "vc.trust", "the CME certificate has no valid completionDate for an accreditation to cover", UNTRUSTED
            )
        problems: list[str] = []
        for credential, claims in self._accreditations:
            if not _names(claims, issuer, scope):
                continue
            # verified now, at this decision's time: a revocation since the last decision counts
            verdict = self._verified(credential, now)
            # who granted it is read from the accreditation's verified view: a report names no issuer before its
            # proof and the closed world passed
            accreditor = accreditors.get(verdict.issuer or "")
            if verdict.issuer is not None and accreditor is None:
                problems.append(f"accredited by {verdict.issuer}, which the office does not trust for {scope}")
                continue
            if not verdict.verified or verdict.credential is None or accreditor is None:
                why = verdict.failures[0].reason if verdict.failures else "it does not verify"
                by = f"by {accreditor.name} " if accreditor is not None else f"of {issuer} ({scope}) "
                problems.append(f"the accreditation {by}is not valid: {why}")
                continue
            granted = verdict.credential  # from here on, only what the accreditor signed
            problem = _grant_problem(granted, issuer, scope, signed, activity, accreditor.name)
            if problem:
                problems.append(problem)
                continue
            subject = granted["credentialSubject"]
            return Check.passed(
                "vc.trust",
                f"{subject.get('name')} is accredited by {accreditor.name} ({scope}), "
                f"which the office trusts for {rule.credentialType}",
                chain=[
                    {"issuer": issuer, "name": subject.get("name"), "accreditation": granted.get("id"), "scope": scope},
                    {"accreditor": accreditor.did, "name": accreditor.name, "by": self.document.id},
                ],
            )
        reason = problems[0] if problems else f"no trusted accreditation ({scope}) is known for {issuer}"
        return Check.failed("vc.trust", reason, UNTRUSTED)


def _unattributed(url: str, authors: Sequence[str]) -> Check:
    """The registry anchor check without a configured publisher: skipped, or failed if anyone anchored the URL."""
    if not authors:
        return Check.skipped(
            "trust.registry", f"no version of {url} is anchored in the ledger (no publisher configured to require one)"
        )
    return Check.failed(
        "trust.registry",
        f"{url} is anchored in the ledger by {', '.join(authors[:3])}{' and others' if len(authors) > 3 else ''}; "
        "name the DID you trust to publish it (the registry's publisher) to check this copy against its anchors",
        UNTRUSTED,
        anchored_by=list(authors[:10]),
    )


def _names(claims: dict[str, Any], issuer: str | None, scope: str) -> bool:
    """Does an accreditation (as held, before verifying) speak of this issuer and scope? Only a pre-filter."""
    subject = claims.get("credentialSubject") if claims else None
    return isinstance(subject, dict) and subject.get("id") == issuer and subject.get("accreditationScope") == scope


def _grant_problem(
    granted: dict[str, Any],
    issuer: str | None,
    scope: str,
    signed: datetime,
    activity: dt.date | None,
    accreditor: str,
) -> str | None:
    """Why a verified accreditation does not vouch for this credential, or None when it does."""
    if not _names(granted, issuer, scope):
        return f"the accreditation by {accreditor} is not for this issuer and scope"
    status = granted["credentialSubject"].get("accreditationStatus")
    if status not in ("accredited", "provisional"):
        return f"{accreditor} lists the issuer as {status}"
    start = issued_at(granted)
    end = granted.get("validUntil")
    try:
        until = parse_datetime_stamp(end) if end is not None else None
    except ValueError:
        return f"the accreditation by {accreditor} has a malformed validUntil"
    if start is None:
        return f"the accreditation by {accreditor} has no start (validFrom), so it cannot be shown to cover anything"
    if signed < start or (until is not None and signed > until):
        return f"the accreditation by {accreditor} was not valid when the credential was signed ({signed.isoformat()})"
    if activity is not None and (activity < start.date() or (until is not None and activity > until.date())):
        return f"the accreditation by {accreditor} did not cover the activity completed on {activity.isoformat()}"
    return None
