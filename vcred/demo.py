"""``make demo``: issue a radiologist's credential and verify it, printing the verification report."""

from __future__ import annotations

from rich.console import Console

import vcred
from vcred.cli.render import print_report
from vcred.crypto import Ed25519SigningKey


def main() -> None:
    """Run the demonstration on embedded defaults."""
    console = Console()
    board = Ed25519SigningKey.generate()
    radiologist = Ed25519SigningKey.generate()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "name": "Board certification — Diagnostic Radiology",
        "issuer": board.public_key.did_key,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": radiologist.public_key.did_key, "name": "Dr. Amara Okafor"},
    }
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"):
        secured = vcred.issue_credential(credential, board, suite=suite)
        report = vcred.verify_credential(secured)
        console.rule(f"[bold]{suite}")
        print_report(console, report, title=f"verification report ({suite})")


if __name__ == "__main__":
    main()
