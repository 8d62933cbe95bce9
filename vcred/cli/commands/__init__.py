"""Command modules; importing this package registers every command on the app."""

from vcred.cli.commands import example, issuer, ledger, office, registry, verify, wallet  # noqa: F401
