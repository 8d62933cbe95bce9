"""Command modules; importing this package registers every command on the app."""

from vcred.cli.commands import verify  # noqa: F401
