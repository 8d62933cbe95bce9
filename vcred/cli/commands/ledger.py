"""``vcred ledger keys`` (the operator shows its keys) and ``vcred ledger trust`` (a verifier configures them once)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vcred.cli.app import JsonFlag, app, console, emit_json, group
from vcred.cli.context import setting
from vcred.errors import UsageError

ledger_app = group("The ledger: its verifier keys, and the keys a verifier trusts it by.")
app.add_typer(ledger_app, name="ledger")

DataDir = Annotated[Path | None, typer.Option("--data-dir", envvar="VCRED_DATA_DIR", help="vcred data directory.")]


@ledger_app.command("keys")
def ledger_keys(data_dir: DataDir = None, json_output: JsonFlag = False) -> None:
    """Print the local ledger operator's and witnesses' verifier keys (to hand to verifiers). Creates nothing.

    Example: vcred ledger keys
    """
    local = setting(data_dir)
    operator, witnesses = local.operator_verifier_key(), local.witness_verifier_keys()
    if json_output:
        emit_json({"operator": operator, "witnesses": witnesses})
        return
    console.print(f"operator: {operator}")
    for witness in witnesses:
        console.print(f"witness:  {witness}")


@ledger_app.command("trust")
def ledger_trust(
    operator_key: Annotated[
        str | None, typer.Option(help="The ledger operator's verifier key (name+id+key), from its operator.")
    ] = None,
    witness: Annotated[list[str] | None, typer.Option(help="A witness's verifier key; repeatable.")] = None,
    quorum: Annotated[
        int | None, typer.Option(help="Distinct witnesses that must cosign each checkpoint (default: all).")
    ] = None,
    local: Annotated[
        bool, typer.Option("--local", help="Trust on first use: the operator and witnesses of this data directory.")
    ] = False,
    replace: Annotated[bool, typer.Option(help="Replace an existing trust configuration.")] = False,
    data_dir: DataDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Configure, once, the keys this verifier trusts the ledger by; every later verification needs them.

    Each run then demands that the ledger's checkpoint extends the last one this verifier trusted.

    Examples:

      vcred ledger trust --operator-key 'ledger.vcred.local+1a2b3c4d+AQ…' --witness 'w1+…' --witness 'w2+…' --quorum 2

      vcred ledger trust --local
    """
    place = setting(data_dir)
    if local == (operator_key is not None):
        raise UsageError("give either --operator-key (with any --witness) or --local", hint="see --help")
    if local:
        if witness:
            raise UsageError("--local trusts this directory's witnesses; --witness goes with --operator-key")
        trust = place.trust_local_ledger(quorum, replace=replace)
    else:
        assert operator_key is not None
        witnesses = witness or []
        trust = place.trust_ledger(
            operator_key, witnesses, len(witnesses) if quorum is None else quorum, replace=replace
        )
    if json_output:
        emit_json(trust.to_json())
        return
    console.print(f"Trusting the ledger {trust.origin} by {trust.operator}")
    for key in trust.witnesses:
        console.print(f"  witness {key}")
    console.print(f"  {trust.quorum} distinct witness cosignature(s) required on every checkpoint")
