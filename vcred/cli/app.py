"""The ``vcred`` command: one error boundary, fixed exit codes, every command with ``--json``.

Exit codes: 0 ok, 1 verification failed, 2 usage error, 3 environment or stored-data error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from vcred import errors
from vcred._files import read_bounded
from vcred._json import DEFAULT_MAX_BYTES, InputRejectedError, parse_json

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ENVIRONMENT = 0, 1, 2, 3

app = typer.Typer(
    name="vcred",
    help="Verifiable professional credentials for radiology: issue, hold, present and verify.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# markup off: no string printed is ever read as rich markup (outside text may hold "[/]"); styles go in Text objects
console = Console(emoji=False, highlight=False, markup=False)
err_console = Console(stderr=True, emoji=False, highlight=False, markup=False)


@app.callback()
def _root() -> None:
    """Verifiable professional credentials for radiology: issue, hold, present and verify.

    Add --verbose to any command to see the full error when something goes wrong.
    """


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]


def emit_json(value: Any) -> None:
    """Write JSON to stdout (for ``--json``)."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a file, or of stdin for ``-``: every file the CLI reads comes through here.

    At most ``max_bytes + 1`` bytes are read (the library's input limit), so ``/dev/zero`` or a huge file is refused
    without being read whole. A file that is missing, unreadable or too large is a usage error naming it.
    """
    try:
        return read_bounded(sys.stdin.buffer if str(path) == "-" else path, max_bytes)
    except FileNotFoundError:
        raise errors.UsageError(f"{path}: no such file") from None
    except InputRejectedError as exc:
        raise errors.UsageError(f"{path}: {exc}") from None
    except OSError as exc:
        raise errors.UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def read_input(path: Path) -> str:
    """The UTF-8 text of a file, or of stdin for ``-`` (bounded, see :func:`read_bytes`)."""
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def read_json(path: Path) -> Any:
    """A JSON file, parsed by the library's strict, bounded parser (size, nesting, duplicate keys)."""
    try:
        return parse_json(read_input(path))
    except InputRejectedError as exc:
        raise errors.UsageError(f"{path}: {exc}") from None


def read_json_or_text(path: Path) -> Any:
    """A JSON object file parsed (bounded), or the stripped text of anything else (a compact JWT)."""
    text = read_input(path).strip()
    return read_json(path) if text.startswith("{") else text


def anchor_proof_path(credential_file: Path) -> Path:
    """Where a credential's issuance anchor proof sits: FILE.anchor.json, as ``vcred issue -o FILE`` writes it."""
    return credential_file.with_name(credential_file.name + ".anchor.json")


def read_anchor_proof(credential_file: Path, explicit: Path | None = None) -> Any:
    """The anchor proof given explicitly, else the one beside the credential file (None when there is none)."""
    path = explicit
    if path is None and str(credential_file) != "-" and anchor_proof_path(credential_file).is_file():
        path = anchor_proof_path(credential_file)
    return None if path is None else read_json(path)


def _exit_code(error: errors.VcredError) -> int:
    if isinstance(error, errors.VerificationFailed):
        return EXIT_FAILED
    if isinstance(error, errors.UsageError | errors.WrongPassphraseError | errors.ResolutionError):
        return EXIT_USAGE
    return EXIT_ENVIRONMENT


def _fail(message: str, hint: str | None, code: int) -> NoReturn:
    """One line on stderr (plus a hint line), then the exit code."""
    err_console.print(Text.assemble(("error: ", "bold red"), _one_line(message)))
    if hint:
        err_console.print(Text(f"hint: {_one_line(hint)}", style="dim"))
    raise SystemExit(code)


def _one_line(text: str) -> str:
    # an error message may quote outside text; a newline in it must not forge further output lines
    return " ".join(text.split())


def main() -> None:
    """Console-script entry point: run the app behind the one error boundary.

    A VcredError exits with its code; anything else is a bug or a fault vcred did not foresee: exit 3 with one
    line (never a traceback, which ``--verbose`` shows instead).
    """
    from vcred.cli import commands  # noqa: F401 - registers the commands on ``app``

    verbose = "--verbose" in sys.argv
    if verbose:
        sys.argv.remove("--verbose")
    try:
        app()
    except errors.VcredError as error:
        if verbose:
            raise
        _fail(error.message, error.hint, _exit_code(error))
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise SystemExit(130) from None
    except Exception as error:  # the boundary: nothing unforeseen may end in a traceback or a misleading exit code
        if verbose:
            raise
        detail = str(error)[:200]
        _fail(
            f"internal error: {type(error).__name__}{': ' + detail if detail else ''}",
            "this is a bug in vcred; run again with --verbose for the details",
            EXIT_ENVIRONMENT,
        )
