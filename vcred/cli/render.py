"""Rich rendering of reports for people (the CLI and the demo); ``--json`` output bypasses this.

Every piece of text that comes from outside (credential types, issuer names, claims, check reasons, policy
descriptions, error messages) is rendered as a ``Text`` object, never as a string: a string handed to rich is read
as markup, so a ``[/]`` in a credential would crash the verifier and a ``[a-z0-9]`` would vanish from a reason.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from vcred.office.evaluate import CredentialingDecision, Outcome
from vcred.report import CheckStatus, PresentationReport, VerificationReport

_STYLE = {CheckStatus.PASSED: ("✔", "green"), CheckStatus.FAILED: ("✘", "bold red"), CheckStatus.SKIPPED: ("–", "dim")}


def plain(value: object, style: str = "") -> Text:
    """Outside text as it is, never read as markup."""
    return Text(str(value), style=style)


def checks_table(report: VerificationReport | PresentationReport, *, title: str | None = None) -> Table:
    """A table of every check: mark, id, reason, spec code."""
    table = Table(title=plain(title) if title is not None else None, show_lines=False, expand=False)
    table.add_column("", width=1)
    table.add_column("check", style="cyan", no_wrap=True)
    table.add_column("reason")
    table.add_column("code", style="magenta", no_wrap=True)
    for check in report.checks:
        mark, style = _STYLE[check.status]
        table.add_row(
            plain(mark, style),
            plain(check.id),
            plain(check.reason, style if check.status is CheckStatus.FAILED else ""),
            plain(check.code or ""),
        )
    return table


def verdict(report: VerificationReport | PresentationReport) -> Text:
    """A one-line verdict."""
    if report.verified:
        return Text("VERIFIED", style="bold green")
    first = report.failures[0].reason if report.failures else "required checks did not run"
    return Text(f"NOT VERIFIED — {first}", style="bold red")


def print_report(
    console: Console, report: VerificationReport | PresentationReport, *, title: str | None = None
) -> None:
    """Print the checks table, per-credential tables for presentations, and the verdict."""
    console.print(checks_table(report, title=title))
    if isinstance(report, PresentationReport):
        for index, cred in enumerate(report.credentials):
            if cred.issuer is None and not cred.types:  # named only from a verified view
                title = f"credential {index}: issuer and type not verified"
            else:
                name = ", ".join(t for t in cred.types if t != "VerifiableCredential") or "credential"
                title = f"credential {index}: {name} from {cred.issuer}"
            console.print(checks_table(cred, title=title))
    console.print(verdict(report))


def decision_table(decision: CredentialingDecision) -> Table:
    """The credentialing decision: each requirement, its outcome and reason."""
    style = {Outcome.MET: "green", Outcome.NOT_MET: "bold red", Outcome.NOT_EVIDENCED: "yellow"}
    table = Table(title=plain(f"{decision.policy} (v{decision.policy_version})"), expand=False)
    table.add_column("requirement")
    table.add_column("outcome", no_wrap=True)
    table.add_column("reason")
    for result in decision.requirements:
        table.add_row(
            plain(result.description), plain(result.outcome.value, style[result.outcome]), plain(result.reason)
        )
    return table


def print_decision(console: Console, decision: CredentialingDecision) -> None:
    """Print the decision table and the verdict."""
    for reason in decision.blocking:  # first: no requirement outweighs these
        console.print(Text(f"blocking: {reason}", style="bold red"))
    console.print(decision_table(decision))
    for problem in decision.presentation_problems:
        console.print(Text(f"presentation: {problem}", style="bold red"))
    for warning in decision.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    if decision.approved:
        console.print(Text("DECISION: APPROVED — every requirement is met", style="bold green"))
    elif decision.blocking:
        console.print(Text(f"DECISION: NOT APPROVED — {decision.blocking[0]}", style="bold red"))
    else:
        unmet = ", ".join(r.id for r in decision.unmet) or "the presentation"
        console.print(Text(f"DECISION: NOT APPROVED — not met: {unmet}", style="bold red"))
