"""Command modules; importing this package registers every command on the app."""

from vcred.cli.commands import issuer, office, verify, wallet  # noqa: F401
