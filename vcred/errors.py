"""The vcred exception tree.

Verifiers never raise for bad *input*: they return a report. These errors are for misuse of the library and for
faults in the environment or in stored data that the caller must fix::

    VcredError
    ├── UsageError                  the caller passed something the API cannot work with
    │   ├── UnsupportedSuiteError   unknown cryptosuite / securing mechanism name
    │   ├── InvalidCredentialError  a credential to be issued breaks the data model or its schema
    │   ├── KeyFormatError          a key or multibase value that cannot be decoded
    │   └── NotIssuedHereError      an issuer asked to act on a credential it did not issue (or an edited copy)
    │       └── NotInIssuanceRecordError  it verifies as the issuer's, but the issuer has no record of issuing it
    ├── LoaderError                 a JSON-LD context that is not bundled (and no loader was passed in)
    ├── ResolutionError             a DID or DID URL that cannot be resolved
    ├── DataLossError               JSON-LD expansion would silently drop a term (DATA_LOSS_DETECTION_ERROR)
    ├── CanonicalizationError       a document cannot be transformed for signing or verifying
    ├── SignatureError              a signature does not verify (raised inside crypto, turned into a Check)
    ├── StorageError                a file or database cannot be read or written
    ├── WalletError                 wallet problems
    │   ├── WrongPassphraseError
    │   ├── CorruptWalletError
    │   └── WalletRolledBackError   an older copy of the wallet than this machine saved last (``recorded``, ``found``)
    ├── LedgerError                 ledger problems (forged entry, bad proof, tampered store)
    │   └── SplitView               two checkpoints that cannot both be true, kept as evidence
    └── VerificationFailed          raised by ``report.raise_for_failure()`` for callers who prefer exceptions
"""

from __future__ import annotations

from typing import Any


class VcredError(Exception):
    """Root of every error vcred raises on purpose."""

    code: str = "VCRED_ERROR"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(VcredError):
    """The caller passed something the API cannot work with."""

    code = "USAGE_ERROR"


class UnsupportedSuiteError(UsageError):
    """Unknown cryptosuite or securing mechanism name."""

    code = "UNSUPPORTED_SUITE"


class InvalidCredentialError(UsageError):
    """A credential to be issued breaks the data model or its schema; ``field`` names where."""

    code = "MALFORMED_VALUE_ERROR"

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


class KeyFormatError(UsageError):
    """A key, multibase or JWK value that cannot be decoded."""

    code = "INVALID_KEY"


class NotIssuedHereError(UsageError):
    """An issuer was asked to change the status of a credential that is not one it issued, as it issued it."""

    code = "NOT_ISSUED_BY_THIS_ISSUER"


class NotInIssuanceRecordError(NotIssuedHereError):
    """The credential verifies as signed by the issuer and is on its lists, but the issuer never recorded issuing it.

    Typically a credential someone issued with a key of the issuer's that leaked: it can only be revoked, through
    ``IssuerAccount.revoke_not_issued_here`` (CLI: ``vcred revoke --not-issued-here``).
    """


class LoaderError(VcredError):
    """A JSON-LD document was requested that is not bundled and no loader was passed in."""

    code = "CONTEXT_NOT_ALLOWED"


class ResolutionError(VcredError):
    """A DID or DID URL could not be resolved or dereferenced."""

    code = "INVALID_VERIFICATION_METHOD"


class DataLossError(VcredError):
    """JSON-LD expansion would drop a term or value, so it would not be signed."""

    code = "DATA_LOSS_DETECTION_ERROR"


class CanonicalizationError(VcredError):
    """A document cannot be canonicalized (invalid JSON-LD, too many blank nodes, non-JSON values)."""

    code = "PROOF_TRANSFORMATION_ERROR"


class SignatureError(VcredError):
    """A signature does not verify."""

    code = "PROOF_VERIFICATION_ERROR"


class StorageError(VcredError):
    """A file or database cannot be read or written."""

    code = "STORAGE_ERROR"


class WalletError(VcredError):
    """Wallet problems."""

    code = "WALLET_ERROR"


class WrongPassphraseError(WalletError):
    """The passphrase does not open this wallet."""

    code = "WRONG_PASSPHRASE"


class CorruptWalletError(WalletError):
    """The wallet file is damaged or was modified outside vcred."""

    code = "CORRUPT_WALLET"


class WalletRolledBackError(WalletError):
    """The wallet file is an older copy than the one saved here last (its generation is below the record).

    ``recorded`` and ``found`` are the two generations (number and save time), kept as evidence.
    """

    code = "WALLET_ROLLED_BACK"

    def __init__(self, message: str, *, recorded: Any, found: Any, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.recorded = recorded
        self.found = found


class LedgerError(VcredError):
    """Ledger problems: a forged entry, a bad proof, a tampered store."""

    code = "LEDGER_ERROR"


class SplitView(LedgerError):  # noqa: N818 - evidence, not a mere error; the name says what was seen
    """Two checkpoints that cannot both be true: the ledger showed different histories."""

    code = "SPLIT_VIEW"

    def __init__(self, message: str, *, first: Any, second: Any, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.first = first
        self.second = second


class VerificationFailed(VcredError):  # noqa: N818 - mirrors raise_for_status() style APIs
    """Raised by ``raise_for_failure()`` on a report that did not verify; carries the report."""

    code = "VERIFICATION_FAILED"

    def __init__(self, message: str, *, report: Any) -> None:
        super().__init__(message)
        self.report = report
