"""The ``vcred`` command: one error boundary, fixed exit codes, every command with ``--json``.

Exit codes: 0 ok, 1 verification failed, 2 usage error, 3 environment or stored-data error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from vcred import errors

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ENVIRONMENT = 0, 1, 2, 3

app = typer.Typer(
    name="vcred",
    help="Verifiable professional credentials for radiology: issue, hold, present and verify.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(emoji=False, highlight=False)
err_console = Console(stderr=True, emoji=False, highlight=False)


@app.callback()
def _root() -> None:
    """Verifiable professional credentials for radiology: issue, hold, present and verify.

    Add --verbose to any command to see the full error when something goes wrong.
    """


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]


def emit_json(value: Any) -> None:
    """Write JSON to stdout (for ``--json``)."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def read_input(path: Path) -> str:
    """The text of a file, or of stdin for ``-``; a missing file is a usage error."""
    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise errors.UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.UsageError(f"{path}: cannot read it ({exc})") from None


def anchor_proof_path(credential_file: Path) -> Path:
    """Where a credential's issuance anchor proof sits: FILE.anchor.json, as ``vcred issue -o FILE`` writes it."""
    return credential_file.with_name(credential_file.name + ".anchor.json")


def read_anchor_proof(credential_file: Path, explicit: Path | None = None) -> Any:
    """The anchor proof given explicitly, else the one beside the credential file (None when there is none)."""
    path = explicit
    if path is None and str(credential_file) != "-" and anchor_proof_path(credential_file).is_file():
        path = anchor_proof_path(credential_file)
    if path is None:
        return None
    try:
        return json.loads(read_input(path))
    except ValueError:
        raise errors.UsageError(f"{path} is not JSON") from None


def _exit_code(error: errors.VcredError) -> int:
    if isinstance(error, errors.VerificationFailed):
        return EXIT_FAILED
    if isinstance(error, errors.UsageError | errors.WrongPassphraseError | errors.ResolutionError):
        return EXIT_USAGE
    return EXIT_ENVIRONMENT


def main() -> None:
    """Console-script entry point: run the app behind one ``VcredError`` boundary."""
    from vcred.cli import commands  # noqa: F401 - registers the commands on ``app``

    verbose = "--verbose" in sys.argv
    if verbose:
        sys.argv.remove("--verbose")
    try:
        app()
    except errors.VcredError as error:
        if verbose:
            raise
        err_console.print(f"[bold red]error:[/] {error.message}")
        if error.hint:
            err_console.print(f"[dim]hint: {error.hint}[/]")
        raise SystemExit(_exit_code(error)) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise SystemExit(130) from None
