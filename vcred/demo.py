"""``make demo``: the whole credentialing story on the embedded defaults, in one run.

Issuers anchor their DIDs in a local SQLite ledger; a radiologist's credentials are issued into her encrypted
wallet; she presents chosen categories to a hospital; the credentialing office verifies them, checks its trust
registry and policy and prints the decision; the board suspends her certification and the same presentation now
fails with the reason; the board rotates its signing key, and credentials whose issuance it anchored keep verifying
while one backdated with the retired key is refused; finally a witness and a verifier catch a tampered copy of the
ledger.

Runs against ``$VCRED_DATA_DIR`` (default ``./.vcred-data``); running it again reuses the issuers and the ledger.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

import vcred
from vcred._time import utcnow
from vcred.cli.render import print_decision
from vcred.crypto.keys import Ed25519SigningKey
from vcred.errors import LedgerError, SplitView, UsageError
from vcred.examples import ISSUER_NAMES, ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.issuer import IssuerAccount
from vcred.ledger import BatchProof, Ledger, LedgerClient, make_entry
from vcred.ledger.log import _BatchNodes
from vcred.ledger.merkle import leaf_hash
from vcred.ledger.store import MemoryStore, SQLiteStore, StoredEntry
from vcred.local import LocalSetting
from vcred.office import TrustRegistry, evaluate, registry_digest
from vcred.office.html import decision_html
from vcred.wallet import INTERACTIVE_KDF, Wallet

HOSPITAL_DOMAIN = "credentialing.stmarys.example"


def _recovery() -> str:
    """The issuers' recovery passphrase (in real life each issuer's own, kept away from its data directory)."""
    return os.environ.get("VCRED_RECOVERY_PASSPHRASE", "demo recovery passphrase — use your own")


def _issuers(setting: LocalSetting, ledger: Ledger, console: Console) -> dict[str, IssuerAccount]:
    accounts = {}
    for role in (*ISSUER_ROLES, "stmarys"):
        name = role
        try:
            accounts[role] = IssuerAccount.load(setting, name)
        except UsageError:
            accounts[role] = IssuerAccount.create(
                setting, name, ledger=ledger, recovery=_recovery(), kdf=INTERACTIVE_KDF
            )
    table = Table(title="Issuers and their ledger-anchored DIDs")
    table.add_column("issuer")
    table.add_column("DID (did:vcred, self-certifying, pre-rotation)")
    for role, account in accounts.items():
        table.add_row(ISSUER_NAMES.get(role, "St. Mary's Hospital credentialing office"), account.did)
    console.print(table)
    return accounts


WITNESSES = ("witness.mercy-general.example", "witness.lakeview.example")


def _cosign(client: LedgerClient, console: Console) -> None:
    """The verifier adopts the ledger's newest checkpoint: the witnesses cosigned it when the batch was appended."""
    signed = client.sync()
    console.print(
        f"Ledger checkpoint: {signed.checkpoint.size} entries, cosigned by {len(signed.cosignatures)} witnesses"
    )


def _office_trusts_the_ledger(setting: LocalSetting, console: Console) -> None:
    """The office's first step, once: the operator's and witnesses' keys it will trust the ledger by."""
    if setting.ledger_trust() is None:
        setting.trust_local_ledger(quorum=len(WITNESSES))
    trust = setting.ledger_trust()
    assert trust is not None
    console.print(
        f"The office trusts the ledger by its operator's key and {len(trust.witnesses)} witnesses "
        f"(quorum {trust.quorum}); it keeps the last checkpoint it trusted"
    )


def run(root: Path, console: Console) -> int:
    """The story; returns 0 when every step behaved as it should."""
    setting = LocalSetting(root)
    for name in WITNESSES:  # two hospitals run witnesses that cosign every checkpoint the ledger publishes
        setting.witness(name)
    ledger = setting.ledger()
    _office_trusts_the_ledger(setting, console)

    console.rule("[bold]1. Issuers create DIDs, anchored in the ledger")
    accounts = _issuers(setting, ledger, console)
    # after the DIDs exist: a credential dated before its issuer's DID was created has no key to verify with
    now = utcnow()
    issuers = {role: a.did for role, a in accounts.items()}

    console.rule("[bold]2. The radiologist's credentials are issued into her wallet")
    wallet_path = root / "dr-okafor-wallet.vcw"
    passphrase = os.environ.get("VCRED_PASSPHRASE", "demo passphrase — use your own")
    wallet = Wallet.create(wallet_path, passphrase, kdf=INTERACTIVE_KDF, overwrite=True)
    console.print(f"Wallet: {wallet_path} (Argon2id + XChaCha20-Poly1305); holder DID {wallet.holder_did}")
    issued: dict[str, dict[str, object]] = {}
    by_issuer: dict[str, list[dict[str, Any] | str]] = {}
    for unsigned in radiologist_credentials(issuers, wallet.holder_did, now=now):
        role = next(r for r, did in issuers.items() if did == unsigned["issuer"])
        signed = accounts[role].sign(accounts[role].attach_status(unsigned), now=now)
        assert isinstance(signed, dict)
        issued.setdefault(unsigned["type"][1], signed)
        by_issuer.setdefault(role, []).append(signed)
    anchored: list[tuple[dict[str, Any] | str, BatchProof]] = []
    for role, account in accounts.items():
        account.publish(setting, now=now, ledger=ledger)  # new list versions, anchored in the ledger
        if by_issuer.get(role):  # each issuer anchors its batch: hashes only, proving when it issued them
            proofs = account.anchor(by_issuer[role], setting, now=now, ledger=ledger)
            anchored.extend(zip(by_issuer[role], proofs, strict=True))
    client = setting.client(ledger)
    for signed, proof in anchored:
        wallet.import_credential(
            signed,
            anchor_proof=proof,
            verify=lambda c: vcred.verify_credential(c, now=now, status_fetcher=setting.fetcher(), ledger=client),
        )
    accreditations = [
        accounts[next(r for r, d in issuers.items() if d == c["issuer"])].sign(c, now=now)
        for c in accreditation_credentials(issuers, now=now)
    ]
    table = Table(title=f"{len(wallet.credentials)} credentials in the wallet")
    table.add_column("category")
    table.add_column("credential")
    table.add_column("issuer")
    for item in wallet.credentials:
        table.add_row(
            item.category or "-", item.name, ISSUER_NAMES[next(r for r, d in issuers.items() if d == item.issuer)]
        )
    console.print(table)

    console.rule("[bold]3. The hospital publishes its trust registry; witnesses cosign the ledger")
    registry = TrustRegistry(
        trust_registry(issuers),
        accreditations=accreditations,
        verify=lambda c, at: vcred.verify_credential(c, now=at, status_fetcher=setting.fetcher(), ledger=client),
    )
    hospital = accounts["stmarys"]
    published = [e for e in ledger.entries_about(registry.document.id, ["trust-registry"])]
    registry_entry = make_entry(
        "trust-registry",
        {
            "publisher": hospital.did,
            "url": registry.document.id,
            "version": len(published) + 1,
            "sha256": registry_digest(registry.document),
        },
        submitter=hospital.verification_method,
        key=hospital.key,
        timestamp=int(now.timestamp()),
    )
    ledger.append([registry_entry], now=now)
    _cosign(client, console)
    registry_anchor = registry.check_anchored(client, publisher=hospital.did)  # the office's configured publisher
    console.print(f"Trust registry: {registry_anchor.reason}")

    console.rule("[bold]4. Dr. Okafor presents five categories to St. Mary's, for 48 hours")
    challenge = secrets.token_urlsafe(16)
    vp = wallet.present(
        categories=["education", "board", "cme", "license", "malpractice"],
        challenge=challenge,
        domain=HOSPITAL_DOMAIN,
        expires=timedelta(hours=48),
        now=now,
        purpose="initial appointment, diagnostic radiology",
    )
    console.print(
        f"challenge {challenge!r}, domain {HOSPITAL_DOMAIN}, {len(wallet.log[-1]['credentials'])} "
        "credentials; the wallet logged who received what and until when"
    )

    console.rule("[bold]5. The credentialing office verifies and decides")
    replay = vcred.MemoryReplayCache()
    env: dict[str, Any] = {"status_fetcher": setting.fetcher(), "ledger": client, "trust": registry}
    report = vcred.verify_presentation(
        vp, challenge=challenge, domain=HOSPITAL_DOMAIN, now=now, replay_cache=replay, **env
    )
    decision = evaluate(report, POLICY, now=now)
    print_decision(console, decision)
    html = root / "decision.html"
    html.write_text(decision_html(decision, report), "utf-8")
    console.print(f"Archived report: {html}")
    again = vcred.verify_presentation(
        vp, challenge=challenge, domain=HOSPITAL_DOMAIN, now=now, replay_cache=replay, **env
    )
    console.print(f"Submitting the same presentation again: [red]{again.check('vp.replay').reason}[/]")  # type: ignore[union-attr]

    console.rule("[bold]6. The board suspends the certification")
    board = accounts["board"]
    board.set_status(
        issued["BoardCertificationCredential"], "suspension", True, setting=setting, ledger=ledger, now=now
    )
    board.publish(setting, now=now, ledger=ledger)
    _cosign(client, console)
    recheck = vcred.verify_presentation(vp, challenge=challenge, domain=HOSPITAL_DOMAIN, now=now, **env)
    failed = [c for cred in recheck.credentials for c in cred.failures]
    console.print(Panel("\n".join(f"{c.id}: {c.reason}" for c in failed), title="re-verification", style="red"))
    after = evaluate(recheck, POLICY, now=now)
    print_decision(console, after)
    # lifted for the next run
    board.set_status(
        issued["BoardCertificationCredential"], "suspension", False, setting=setting, ledger=ledger, now=now
    )
    board.publish(setting, now=now, ledger=ledger)

    console.rule("[bold]7. The board rotates its signing key (say it leaked)")
    rotated = _rotate_and_recheck(
        board, setting, ledger, client, vp, issued["BoardCertificationCredential"], challenge, env, now, console
    )

    console.rule("[bold]8. Rewriting history is caught")
    client.sync()
    caught = _tamper_and_catch(setting, ledger, client, root)
    console.print(Panel("\n".join(caught), title="tampering detected", style="green"))
    ok = registry_anchor.ok and decision.approved and not after.approved and rotated and len(caught) == 3
    console.rule("[bold green]demo complete" if ok else "[bold red]demo did not behave as expected")
    return 0 if ok else 1


def _rotate_and_recheck(
    board: IssuerAccount,
    setting: LocalSetting,
    ledger: Ledger,
    client: LedgerClient,
    vp: dict[str, Any] | str,
    original: dict[str, Any],
    challenge: str,
    env: dict[str, Any],
    now: datetime,
    console: Console,
) -> bool:
    """Rotate the board's key; True when the anchored presentation still verifies and a backdated forgery does not."""
    leaked_key, leaked_method = board.key, board.verification_method
    # ledger times are whole seconds: the rotation must fall after the second the retired key last signed in
    # (and, rotating at the real time, the next run's credentials come after it)
    while int(utcnow().timestamp()) <= int(now.timestamp()):
        time.sleep(0.05)
    board.rotate(setting, recovery=_recovery(), now=utcnow(), ledger=ledger)
    _cosign(client, console)
    later = utcnow()
    console.print(f"{ISSUER_NAMES['board']} now signs with {board.verification_method}; {leaked_method} is retired")
    recheck = vcred.verify_presentation(vp, challenge=challenge, domain=HOSPITAL_DOMAIN, now=later, **env)
    reasons = [a.reason for c in recheck.credentials if (a := c.check("vc.ledger.anchor")) and "retired" in a.reason]
    console.print(
        f"The presentation, re-verified: {'verified' if recheck.verified else 'NOT verified'}; the board "
        f"certification was {reasons[0] if reasons else 'not anchored'}"
    )
    unsigned = {k: v for k, v in original.items() if k not in ("proof", "credentialStatus")}
    thief_did = Ed25519SigningKey.generate().public_key.did_key
    unsigned["credentialSubject"] = {**original["credentialSubject"], "id": thief_did}
    forged = vcred.issue_credential(unsigned, leaked_key, verification_method=leaked_method, now=now)
    thief = vcred.verify_credential(forged, now=later, ledger=client)
    why = thief.check("vc.ledger.anchor")
    console.print(
        Panel(
            why.reason if why else "not checked",
            title="a credential forged with the leaked key and dated before the rotation",
            style="red",
        )
    )
    return recheck.verified and not thief.verified


def _tamper_and_catch(setting: LocalSetting, ledger: Ledger, client: LedgerClient, root: Path) -> list[str]:
    """Three attacks on history, each caught: a naively edited file, a consistent rewrite, a split view."""
    caught = []
    copy = root / "tampered-copy.sqlite"
    copy.unlink(missing_ok=True)
    if isinstance(ledger.store, SQLiteStore):
        ledger.store.backup_to(copy)
    db = sqlite3.connect(copy)
    db.execute("UPDATE entries SET raw = (SELECT raw FROM entries WHERE idx = 1) WHERE idx = 2")
    db.commit()
    db.close()
    try:
        Ledger.open(copy, origin=ledger.origin, operator_name=ledger.operator_name, operator_key=ledger._operator_key)
    except LedgerError as exc:
        caught.append(f"an edited ledger file refuses to open: {exc.message}")
    finally:
        copy.unlink(missing_ok=True)
    # a malicious operator rewrites entry 2 and re-signs a consistent-looking tree of the same size
    fork = Ledger(
        MemoryStore(),
        origin=ledger.origin,
        operator_name=ledger.operator_name,
        operator_key=ledger._operator_key,
        check_integrity=False,
    )
    nodes = _BatchNodes(fork.store)
    rewritten = []
    target = next(i for i in range(ledger.size) if ledger.entry(i).kind == "status-list")
    for index in range(ledger.size):
        stored = ledger.entry(index)
        # e.g. the hash of a published status list, to hide a revocation from some verifiers
        raw = _flip_hash(stored.raw) if index == target else stored.raw
        nodes.add_leaf(index, leaf_hash(raw))
        rewritten.append(StoredEntry(index, leaf_hash(raw), raw, stored.kind, stored.subject, stored.timestamp))
    fork.store.append(rewritten, [(lvl, idx, h) for (lvl, idx), h in nodes.pending.items()])
    forged_note = fork.checkpoint()
    try:
        client.accept(forged_note)
    except SplitView as view:
        caught.append(
            f"verifier: {view.message} (evidence: size {view.first.size}, roots "
            f"{view.first.root_hash.hex()[:12]}… and {view.second.root_hash.hex()[:12]}…)"
        )
    witness = setting.witness("witness.mercy-general.example")
    try:
        witness.cosign(forged_note, [])
    except SplitView as view:
        caught.append(f"witness {witness.name}: {view.message}")
    return caught


def _flip_hash(raw: bytes) -> bytes:
    at = raw.index(b'"sha256":"') + len(b'"sha256":"')
    return raw[:at] + (b"0" if raw[at : at + 1] != b"0" else b"1") + raw[at + 1 :]


def main() -> None:
    """Run the demonstration on embedded defaults."""
    console = Console(emoji=False, highlight=False)
    root = Path(os.environ.get("VCRED_DATA_DIR", ".vcred-data"))
    root.mkdir(parents=True, exist_ok=True)
    raise SystemExit(run(root, console))


if __name__ == "__main__":
    main()
