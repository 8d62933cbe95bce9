"""The ``vcred`` command: one error boundary, fixed exit codes, every command with ``--json``.

Exit codes: 0 ok, 1 verification failed, 2 usage error, 3 environment or stored-data error. With ``--json`` an
error is JSON on stdout too: ``{"error": {"message", "hint", "code"}, "exit_code": N}``. Every key vcred writes in
``--json`` output is snake_case; documents it passes through (credentials, anchor proofs) keep their own keys.
"""

from __future__ import annotations

import glob
import json
import re
import sys
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from vcred import errors
from vcred._files import read_bounded
from vcred._json import DEFAULT_MAX_BYTES, InputRejectedError, parse_json

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ENVIRONMENT = 0, 1, 2, 3


def group(help: str) -> typer.Typer:
    """A command group made like the app: help text printed as written (no markup, no ``:emoji:`` codes, so
    ``did:key:z6Mk…`` stays as it is) and flags shown as flags."""
    return typer.Typer(
        help=help, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False
    )


app = typer.Typer(
    name="vcred",
    help="Verifiable professional credentials for radiology: issue, hold, present and verify.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# markup off: no string printed is ever read as rich markup (outside text may hold "[/]"); styles go in Text objects
console = Console(emoji=False, highlight=False, markup=False)
err_console = Console(stderr=True, emoji=False, highlight=False, markup=False)


def package_version() -> str:
    """The installed vcred version (the source tree's when run from a checkout that is not installed)."""
    try:
        return version("vcred")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"vcred {package_version()}\n")
        raise typer.Exit(0)


def _root_help() -> str:
    from vcred.cli.context import default_data_dir

    return (
        "Verifiable professional credentials for radiology: issue, hold, present and verify.\n\n"
        f"Data directory (ledger, status lists, issuer accounts, the verifier's trust and replay cache, and the "
        f"wallet): {default_data_dir()} by default; --data-dir or VCRED_DATA_DIR choose another "
        "(VCRED_WALLET or --wallet the wallet file). `vcred data-dir` prints the one in use.\n\n"
        "Exit codes: 0 ok, 1 verification failed, 2 usage error, 3 environment or stored-data error."
    )


@app.callback(help=_root_help())
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the vcred version and exit."),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show the full error (with traceback) when a command fails; any position.")
    ] = False,
) -> None:
    del show_version, verbose  # both are handled before any command runs


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]


def emit_json(value: Any) -> None:
    """Write JSON to stdout (for ``--json``)."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def check_output(path: Path | None, *, force: bool, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse to write ``path`` over one of the command's own inputs, or over any existing file without --force.

    Called before anything is done (no prompt, no ledger entry), so a refused command changes nothing.
    """
    if path is None or str(path) == "-":
        return
    for given in inputs:
        if given is None or str(given) == "-":
            continue
        if path.resolve() == given.resolve() or (path.exists() and given.exists() and path.samefile(given)):
            raise errors.UsageError(
                f"{path} is also an input of this command: it would be overwritten",
                hint="write the output to another file",
            )
    if path.exists() and not force:
        raise errors.UsageError(f"{path} already exists", hint="pass --force to replace it, or choose another file")
    if path.is_dir():
        raise errors.UsageError(f"{path} is a directory")


def expand_paths(values: Sequence[Path] | None) -> list[Path]:
    """Files given repeated, space-separated by the shell, or as an unexpanded glob (``'cme-*.json'``, or on a
    shell that does not expand): each pattern must match at least one file."""
    found: list[Path] = []
    for value in values or []:
        text = str(value)
        if glob.has_magic(text) and not value.exists():
            matches = sorted(glob.glob(text))
            if not matches:
                raise errors.UsageError(f"{text}: no file matches")
            found.extend(Path(m) for m in matches)
        else:
            found.append(value)
    return found


def require_files(paths: Iterable[Path | None]) -> None:
    """Check that each input file exists and is a file before anything is asked or done (a passphrase prompt,
    a wallet opened): a typo is reported first, not after the passphrase."""
    for path in paths:
        if path is None or str(path) == "-":
            continue
        if not path.exists():
            raise errors.UsageError(f"{path}: no such file")
        if path.is_dir():
            raise errors.UsageError(f"{path}: is a directory, not a file")


ForceFlag = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]


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


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def error_code(error: BaseException) -> str:
    """A stable snake_case code for an error, from its class: ``WrongPassphraseError`` → ``wrong_passphrase``."""
    name = type(error).__name__.removesuffix("Error")
    return _CAMEL.sub("_", name).lower() or "error"


def _fail(message: str, hint: str | None, code: int, *, kind: str = "error", as_json: bool = False) -> NoReturn:
    """One line on stderr (plus a hint line), and with ``--json`` also one JSON object on stdout; then the exit code.

    The JSON error goes where a script reads the command's output: ``{"error": {"message", "hint", "code"},
    "exit_code": N}``; the lines on stderr stay for the person watching.
    """
    if as_json:
        emit_json({"error": {"message": _one_line(message), "hint": hint, "code": kind}, "exit_code": code})
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

    args = sys.argv[1:]
    options = args[: args.index("--")] if "--" in args else args
    verbose = "--verbose" in options
    as_json = "--json" in options
    if verbose:
        args.remove("--verbose")
    try:
        result = app(args=args, prog_name="vcred", standalone_mode=False)
    except errors.VcredError as error:
        if verbose:
            raise
        _fail(error.message, error.hint, _exit_code(error), kind=error_code(error), as_json=as_json)
    except typer.TyperException as error:  # a missing option, an unknown one, an extra argument, a bad value
        if type(error).__name__ == "NoArgsIsHelpError":  # `vcred` or `vcred wallet` alone: the help, as asked
            sys.stdout.write(error.format_message() + "\n")
            raise SystemExit(EXIT_OK) from None
        context = getattr(error, "ctx", None)
        where = getattr(context, "command_path", None) or "vcred"
        _fail(error.format_message(), f"see: {where} --help", error.exit_code, kind="usage", as_json=as_json)
    except (typer.Abort, KeyboardInterrupt):
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
            kind="internal",
            as_json=as_json,
        )
    raise SystemExit(result if isinstance(result, int) else EXIT_OK)
