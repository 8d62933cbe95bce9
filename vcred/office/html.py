"""The credentialing decision as one self-contained HTML page: what the credentialing committee reads and signs.

The page leads with the physician (name and NPI, as the verified credentials state them), the verdict and, in the
verdict's banner, why: the office's blocking reasons first, then the requirements not met. Issuers are named as the
office's trust registry names them (or as their own verified credential does), their DIDs in small print. The
technical checks follow, one collapsed section per credential, failures open and first.

The page loads nothing: no scripts, fonts, images or links out, and a Content-Security-Policy that forbids them.
Every piece of outside text (credentials, policy, registry, reasons) is HTML-escaped. It prints on A4 or Letter
(the printer's paper): no row is split across pages, and table headers repeat.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from vcred.model.credential import issuer_id
from vcred.office.documents import TrustRegistryDocument
from vcred.office.evaluate import CredentialingDecision, Outcome, RequirementResult
from vcred.office.trust import TrustRegistry
from vcred.report import Check, CheckStatus, PresentationReport, VerificationReport

CSP = "default-src 'none'; style-src 'unsafe-inline'"

_CSS = """
@page{margin:14mm}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;padding:0 1rem;
color:#1b1f24;max-width:60rem;line-height:1.4}
h1{font-size:1.7rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.8rem 0 .5rem}
.kicker{color:#57606a;margin:0;font-size:.95rem}.facts{margin:.3rem 0;font-size:1.05rem}
.small,.did{font-size:.75rem;color:#57606a;word-break:break-all}.did{font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;text-align:left;vertical-align:top;font-size:.88rem}
th{background:#f6f8fa}td p{margin:0 0 .35rem}td p:last-child{margin:0}
.met,.passed{color:#116329}.notmet,.failed{color:#b42318;font-weight:600}.notevidenced,.skipped{color:#7a5c00}
.banner{border:3px solid;border-radius:6px;padding:.7rem 1rem;margin:1rem 0}
.banner.ok{border-color:#116329;background:#eefbf1}.banner.no{border-color:#b42318;background:#fff1ef}
.verdict{font-size:1.5rem;font-weight:700;margin:0 0 .3rem;letter-spacing:.02em}
.ok .verdict{color:#116329}.no .verdict{color:#b42318}
.banner ul{margin:.3rem 0 0;padding-left:1.2rem}.banner li{margin:.2rem 0}
.label{font-weight:600}
details{border:1px solid #d0d7de;border-radius:4px;margin:.4rem 0;padding:.2rem .5rem}
details.hasfailed{border-color:#b42318}summary{cursor:pointer;padding:.2rem 0}
code{font-size:.8rem;word-break:break-all}td.id code{word-break:normal;white-space:nowrap}
footer{margin-top:2rem;color:#57606a;font-size:.8rem}
@media print{
body{margin:0;max-width:none;padding:0;font-size:10.5pt}
.banner{background:none !important}th{background:none}
tr,.banner,header,summary{break-inside:avoid;page-break-inside:avoid}thead{display:table-header-group}
h2,summary,.verdict{break-after:avoid;page-break-after:avoid}
}
"""

_FAMILY_NAMES = {
    "MedicalDegreeCredential": "Medical degree",
    "GraduateTrainingCredential": "Graduate training",
    "BoardCertificationCredential": "Board certification",
    "CMECredential": "CME certificate",
    "MedicalLicenseCredential": "Medical license",
    "MalpracticeHistoryCredential": "Malpractice history",
    "AccreditationCredential": "Accreditation",
}
_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}
_DATETIME = re.compile(r"\b(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
_LIMITS = re.compile(r"\b(\d{1,15}(?:\.\d{1,2})?)/(\d{1,15}(?:\.\d{1,2})?) ([A-Z]{3})\b")
# the credit type's own word ("AMA PRA Category 1 Credit") followed by "credits"
_CREDIT_CREDITS = re.compile(r"\b(Credit) credits\b")

# Names for the subject organisations whose id an issuer may give as its own (signed by that issuer).
_ISSUER_ORGANISATIONS = ("school", "program", "certifyingBoard", "provider", "carrier", "issuingBoard")


def format_moment(value: str) -> str:
    """An ISO date-time as ``2026-11-29 14:03 UTC`` (to the minute, in UTC); other text unchanged.

    >>> format_moment("2026-11-29T15:03:09.115485+01:00")
    '2026-11-29 14:03 UTC'
    """
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_money(amount: str, currency: str) -> str:
    """An exact amount for people: ``$1,000,000``, ``$1,250.50``, ``CHF 20,000``.

    >>> format_money("1000000.00", "USD")
    '$1,000,000'
    """
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return f"{amount} {currency}"
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    sign = _CURRENCY_SIGNS.get(currency)
    return f"{sign}{text}" if sign else f"{currency} {text}"


def _readable(text: str) -> str:
    """Reasons as people read them: minutes not microseconds, money with separators, no "Credit credits"."""
    text = _DATETIME.sub(lambda m: format_moment(m.group(0)), text)
    text = _LIMITS.sub(lambda m: f"{format_money(m[1], m[3])} / {format_money(m[2], m[3])}", text)
    return _CREDIT_CREDITS.sub("credits", text)


def _text(value: object) -> str:
    return escape(_readable(str(value)))


def _cls(value: str) -> str:
    return value.replace(" ", "")


def _family(types: Iterable[str]) -> str:
    named = [_FAMILY_NAMES.get(t, t) for t in types if t != "VerifiableCredential"]
    return ", ".join(named) or "credential"


def _kind(types: Sequence[str]) -> str:
    """A credential's family for the page; a report names no types for a credential that failed its proof or the
    closed world (what the document claims to be is not shown)."""
    return _family(types) if types else "credential (type not verified)"


def _verified(report: PresentationReport | None) -> list[tuple[VerificationReport, dict[str, Any]]]:
    """The credentials that verified, with their verified claims (the only source of names on this page)."""
    if report is None:
        return []
    return [(cred, cred.credential) for cred in report.credentials if cred.verified and cred.credential is not None]


class _Physician:
    """Name(s) and NPI(s) the verified credentials give their subject (the presentation's holder)."""

    def __init__(self, report: PresentationReport | None, holder: str | None) -> None:
        self.names: list[str] = []
        self.npis: list[str] = []
        for _, credential in _verified(report):
            subject = credential.get("credentialSubject")
            if not isinstance(subject, dict) or (holder is not None and subject.get("id") != holder):
                continue
            for field, seen in (("name", self.names), ("npi", self.npis)):
                value = subject.get(field)
                if isinstance(value, str) and value and value not in seen:
                    seen.append(value)


class _Issuers:
    """Issuer names by DID: the registry's named issuers and accreditors first, then the trust check's
    accreditation chain, then what the issuer's own verified credential calls it."""

    def __init__(self, report: PresentationReport | None, registry: TrustRegistryDocument | None) -> None:
        self.names: dict[str, tuple[str, str]] = {}  # did -> (name, where the name comes from)
        if registry is not None:
            for accreditor in registry.accreditors:
                self.names.setdefault(accreditor.did, (accreditor.name, ""))
            for rule in registry.rules:
                for issuer in rule.issuers:
                    self.names.setdefault(issuer.did, (issuer.name, ""))
        verified = _verified(report)
        for cred, _ in verified:
            trust = cred.check("vc.trust")
            chain = trust.details.get("chain") if trust is not None and trust.ok else None
            for link in chain if isinstance(chain, list) else []:
                if isinstance(link, dict) and isinstance(link.get("name"), str):
                    did = link.get("issuer") or link.get("accreditor")
                    if isinstance(did, str):
                        self.names.setdefault(did, (link["name"], ""))
        for _, credential in verified:
            did = issuer_id(credential)
            name = _own_name(credential, did)
            if did is not None and name is not None:
                self.names.setdefault(did, (name, "as its own credential names it"))

    def name(self, did: str | None) -> str:
        """The issuer's name, or its DID when no name is known."""
        return self.names.get(did or "", (did or "unknown issuer", ""))[0]

    def html(self, did: str | None) -> str:
        """The issuer's name with its DID in small print (or the DID alone when no name is known)."""
        if not did:
            return "<span class='small'>issuer not verified</span>"
        known = self.names.get(did)
        if known is None:
            return f"<span class='did'>{escape(did)}</span>"
        name, source = known
        note = f" <span class='small'>({escape(source)})</span>" if source else ""
        return f"{escape(name)}{note}<br><span class='did'>{escape(did)}</span>"


def _own_name(credential: dict[str, Any], did: str | None) -> str | None:
    """The name a verified credential gives its own issuer: ``issuer.name`` or a subject organisation with its DID."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict) and isinstance(issuer.get("name"), str):
        return str(issuer["name"])
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or did is None:
        return None
    for field in _ISSUER_ORGANISATIONS:
        organisation = subject.get(field)
        if isinstance(organisation, dict) and organisation.get("id") == did:
            name = organisation.get("name")
            if isinstance(name, str):
                return name
    return None


def _registry_document(registry: TrustRegistry | TrustRegistryDocument | None) -> TrustRegistryDocument | None:
    if isinstance(registry, TrustRegistry):
        return registry.document
    return registry


def decision_html(
    decision: CredentialingDecision,
    report: PresentationReport | None = None,
    registry: TrustRegistry | TrustRegistryDocument | None = None,
) -> str:
    """The decision page: physician, verdict and why, requirements, issuers, and (with ``report``) every check.

    ``report`` is the verification the decision rests on (names, NPI and issuers come from its verified
    credentials only); ``registry`` is the office's trust registry, whose names for issuers and accreditors are
    used first. Returns the complete HTML document; never raises for odd content (it is escaped and shown).

    >>> from vcred.office.evaluate import CredentialingDecision
    >>> page = decision_html(CredentialingDecision(approved=False, policy="p", policy_version=1, holder=None,
    ...     decided_at="2026-11-29T14:03:09.5+00:00", presentation_verified=False, requirements=[]))
    >>> "NOT APPROVED" in page and "2026-11-29 14:03 UTC" in page
    True
    """
    physician = _Physician(report, decision.holder)
    issuers = _Issuers(report, _registry_document(registry))
    verdict = "APPROVED" if decision.approved else "NOT APPROVED"
    who = " / ".join(physician.names) or "Physician not identified"
    parts = [
        "<!doctype html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
        "<meta name='referrer' content='no-referrer'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{escape(verdict)} — {escape(who)} — credentialing decision</title>",
        f"<style>{_CSS}</style></head><body>",
        _header(decision, physician, issuers, report),
        _banner(decision),
        _requirements(decision, issuers),
    ]
    if decision.warnings:
        parts.append("<h2>Warnings</h2><ul>")
        parts += [f"<li>{_text(w)}</li>" for w in decision.warnings]
        parts.append("</ul>")
    if report is not None:
        parts.append(_credentials(report, issuers))
        parts.append(_checks(report, issuers))
    parts.append(
        f"<footer>Decided {escape(format_moment(decision.decided_at))} under “{escape(decision.policy)}” (version "
        f"{escape(str(decision.policy_version))}). Generated by vcred from the verified credentials; every check "
        "lists the specification's error code where one applies.</footer></body></html>"
    )
    return "\n".join(parts)


def _header(
    decision: CredentialingDecision, physician: _Physician, issuers: _Issuers, report: PresentationReport | None
) -> str:
    if physician.names:
        name = escape(" / ".join(physician.names))
    else:
        name = "Physician not identified <span class='small'>(no verified credential names the holder)</span>"
    npi = escape(", ".join(physician.npis)) if physician.npis else "not stated in a verified credential"
    lines = [
        "<header>",
        f"<p class='kicker'>Credentialing decision · {escape(decision.policy)} (policy version "
        f"{escape(str(decision.policy_version))})</p>",
        f"<h1 id='physician'>{name}</h1>",
        f"<p class='facts'><span class='label'>NPI</span> <span id='npi'>{npi}</span> · "
        f"<span class='label'>Decided</span> {escape(format_moment(decision.decided_at))}</p>",
    ]
    if len(physician.names) > 1 or len(physician.npis) > 1:
        lines.append("<p class='failed'>The verified credentials do not agree on the physician's name or NPI.</p>")
    credentials = report.credentials if report else []
    named = list(dict.fromkeys(issuers.name(cred.issuer) for cred in credentials if cred.issuer))
    if named:
        lines.append(f"<p class='facts'><span class='label'>Issued by</span> {escape('; '.join(named))}</p>")
    lines.append(f"<p class='small'>Holder: <span class='did'>{escape(decision.holder or 'not stated')}</span></p>")
    lines.append("</header>")
    return "\n".join(lines)


def _banner(decision: CredentialingDecision) -> str:
    verdict = "APPROVED" if decision.approved else "NOT APPROVED"
    parts = [f"<section class='banner {'ok' if decision.approved else 'no'}' id='verdict'>"]
    parts.append(f"<p class='verdict'>{verdict}</p>")
    if decision.approved and not decision.unmet:
        parts.append("<p>The presentation verified and every requirement is met.</p>")
    reasons: list[str] = []
    blocked = "<span class='label'>The office may not approve:</span>"
    reasons += [f"<li>{blocked} {_text(b)}</li>" for b in decision.blocking]
    presented = "<span class='label'>Presentation:</span>"
    reasons += [f"<li>{presented} {_text(p)}</li>" for p in decision.presentation_problems]
    reasons += [
        f"<li><span class='label'>{escape(r.description)}</span> — {escape(r.outcome.value)}: {_text(r.reason)}</li>"
        for r in decision.unmet
    ]
    if reasons:
        parts.append("<ul>" + "".join(reasons) + "</ul>")
    elif not decision.approved:
        parts.append("<p>The presentation was not approved.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _evidence(result: RequirementResult, issuers: _Issuers) -> str:
    return "".join(
        f"<p>{escape(_kind(e.types))}{(' — ' + _text(e.detail)) if e.detail else ''}<br>"
        f"from {issuers.html(e.issuer)}</p>"
        for e in result.evidence
    )


def _requirements(decision: CredentialingDecision, issuers: _Issuers) -> str:
    rows = [
        "<h2>Requirements</h2><table><thead><tr><th>requirement</th><th>outcome</th><th>reason</th>"
        "<th>evidence</th></tr></thead><tbody>"
    ]
    ordered = sorted(decision.requirements, key=lambda r: r.outcome is Outcome.MET)  # unmet first, stable
    for result in ordered:
        rows.append(
            f"<tr><td>{escape(result.description)}</td><td class='{_cls(result.outcome.value)}'>"
            f"{escape(result.outcome.value)}</td><td>{_text(result.reason)}</td>"
            f"<td>{_evidence(result, issuers)}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _credentials(report: PresentationReport, issuers: _Issuers) -> str:
    rows = [
        "<h2>Credentials presented</h2><table><thead><tr><th>#</th><th>credential</th><th>issuer</th>"
        "<th>verification</th></tr></thead><tbody>"
    ]
    for index, cred in enumerate(report.credentials):
        if cred.verified:
            status = "<span class='passed'>verified</span>"
        else:
            why = cred.failures[0].reason if cred.failures else "it did not verify"
            status = f"<span class='failed'>not verified</span>: {_text(why)}"
        rows.append(
            f"<tr><td>{index}</td><td>{escape(_kind(cred.types))}</td><td>{issuers.html(cred.issuer)}</td>"
            f"<td>{status}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _checks(report: PresentationReport, issuers: _Issuers) -> str:
    sections: list[tuple[bool, str]] = [(bool(report.failures), _check_section("Presentation", report.checks))]
    for index, cred in enumerate(report.credentials):
        name = issuers.names.get(cred.issuer or "", ("",))[0]
        title = f"Credential {index}: {_kind(cred.types)}" + (f" — {name}" if name else "")
        sections.append((bool(cred.failures) or not cred.verified, _check_section(title, cred.checks, cred)))
    total = len(report.checks) + sum(len(c.checks) for c in report.credentials)
    ordered = [html for _, html in sorted(sections, key=lambda s: not s[0])]  # sections with failures first
    return (
        f"<h2>Verification checks</h2><p class='small'>{total} checks; sections with a failure are open and "
        "listed first.</p>" + "".join(ordered)
    )


def _check_section(title: str, checks: Sequence[Check], cred: VerificationReport | None = None) -> str:
    failed = [c for c in checks if c.status is CheckStatus.FAILED]
    skipped = sum(c.status is CheckStatus.SKIPPED for c in checks)
    problem = bool(failed) or (cred is not None and not cred.verified)
    counts = f"{len(failed)} failed" if failed else ("not verified" if problem else "all passed")
    if skipped:
        counts += f", {skipped} skipped"
    rows = "".join(
        f"<tr><td class='id'><code>{escape(c.id)}</code></td><td class='{c.status.value}'>{escape(c.status.value)}</td>"
        f"<td>{_text(c.reason)}</td><td><code>{escape(c.code or '')}</code></td></tr>"
        for c in [*failed, *(c for c in checks if c.status is not CheckStatus.FAILED)]
    )
    head = "<thead><tr><th>check</th><th>status</th><th>reason</th><th>code</th></tr></thead>"
    return (
        f"<details{' open' if problem else ''} class='{'hasfailed' if problem else 'allpassed'}'>"
        f"<summary>{escape(title)} — {len(checks)} checks, <span class='{'failed' if problem else 'passed'}'>"
        f"{counts}</span></summary><table>{head}<tbody>{rows}</tbody></table></details>"
    )


__all__ = ["CSP", "CheckStatus", "Outcome", "decision_html", "format_moment", "format_money"]
