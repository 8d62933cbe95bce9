"""Pre-committed issuer keys, sealed under a recovery passphrase (Argon2id + XChaCha20-Poly1305).

A did:vcred issuer's next key is what lets it rotate away from a leaked current key, so it must never sit beside
the current key: whoever copied both could rotate the DID away from its issuer. It lives in its own file, opened
only to rotate or deactivate. The file is JSON: a header (format, DID, KDF parameters, salt, nonce), bound as
associated data, and the ciphertext of the keys. The DID is public; nothing else is readable without the passphrase.

Argon2id runs once per passphrase and salt (:class:`RecoveryKey`): a file keeps its salt while it is resealed
under the same passphrase, and every seal draws a fresh random 24-byte nonce, so a rotation derives the key once
(to open the file) and reseals with it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcred._files import write_atomically
from vcred.crypto.keys import Ed25519SigningKey
from vcred.crypto.sealing import DEFAULT_KDF, KdfParams, derive_key, new_nonce, new_salt, seal, unseal
from vcred.errors import KeyFormatError, StorageError, UsageError, WalletError, WrongPassphraseError

FORMAT = "vcred-sealed-keys/1"
MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class RecoveryKey:
    """The key Argon2id derived from a recovery passphrase with one salt and cost: seals without deriving again.

    Only the salt and the cost are ever written; the derived key stays in memory for one rotation at most.
    """

    salt: bytes
    kdf: KdfParams
    secret: bytes = field(repr=False)

    @classmethod
    def derive(cls, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF, salt: bytes | None = None) -> RecoveryKey:
        """Run Argon2id on ``passphrase`` (with a fresh salt unless one is given)."""
        if not passphrase:
            raise UsageError("the recovery passphrase must not be empty")
        salt = new_salt() if salt is None else salt
        return cls(salt, kdf, derive_key(passphrase, salt, kdf))


@dataclass(frozen=True)
class SealedKeys:
    """The keys a recovery file holds, and the recovery key that opened it (to seal their successors with)."""

    did: str
    keys: tuple[Ed25519SigningKey, ...]
    recovery: RecoveryKey

    @property
    def kdf(self) -> KdfParams:
        """The file's Argon2id cost."""
        return self.recovery.kdf


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bound(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal_keys(path: Path, did: str, keys: list[Ed25519SigningKey], recovery: RecoveryKey) -> None:
    """Write ``keys`` for ``did`` to ``path``, sealed under ``recovery`` (atomically, durably, owner-only).

    Each call draws a fresh nonce, so resealing with the same recovery key never reuses one; the header (salt and
    cost included) is bound as associated data.
    """
    nonce = new_nonce()
    header = {
        "format": FORMAT,
        "did": did,
        "kdf": "argon2id",
        "opslimit": recovery.kdf.opslimit,
        "memlimit": recovery.kdf.memlimit,
        "salt": _b64(recovery.salt),
        "nonce": _b64(nonce),
    }
    plaintext = json.dumps({"keys": [k.secret_multibase for k in keys]}).encode("utf-8")
    ciphertext = seal(recovery.secret, nonce, plaintext, _bound(header))
    write_atomically(path, json.dumps({**header, "ciphertext": _b64(ciphertext)}, indent=1).encode("utf-8"))


def sealed_did(path: Path) -> str:
    """The DID a recovery file belongs to (readable without the passphrase)."""
    return str(_read_header(path)[0]["did"])


def open_keys(path: Path, passphrase: str, *, did: str) -> SealedKeys:
    """The keys sealed in ``path`` for ``did``; WrongPassphraseError, StorageError or UsageError otherwise."""
    header, ciphertext = _read_header(path)
    if header["did"] != did:
        raise UsageError(f"{path} holds the recovery keys of {header['did']}, not of {did}")
    try:
        kdf = KdfParams(int(header["opslimit"]), int(header["memlimit"]))
        salt = base64.b64decode(header["salt"], validate=True)
        nonce = base64.b64decode(header["nonce"], validate=True)
        recovery = RecoveryKey.derive(passphrase, kdf=kdf, salt=salt)
    except (ValueError, TypeError, KeyError, binascii.Error, WalletError) as exc:
        raise StorageError(f"{path} is damaged: {exc}") from None
    try:
        plaintext = unseal(recovery.secret, nonce, ciphertext, _bound(header))
    except WrongPassphraseError:
        raise WrongPassphraseError(
            f"the recovery passphrase does not open {path} (or the file was modified)",
            hint="use the passphrase given when the issuer was created; if it is right, restore the file from its copy",
        ) from None
    try:
        keys = tuple(Ed25519SigningKey.from_multibase(k) for k in json.loads(plaintext)["keys"])
    except (ValueError, KeyError, TypeError, KeyFormatError):
        raise StorageError(f"{path} decrypted but its contents are not valid") from None
    return SealedKeys(did, keys, recovery)


def _read_header(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise StorageError(f"{path} is larger than any recovery file should be")
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(
            f"no recovery file at {path}",
            hint="pass the file written when the issuer was created (--recovery-file), or restore it from its copy",
        ) from None
    except (OSError, ValueError) as exc:
        raise StorageError(f"cannot read {path}: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("did"), str):
        raise StorageError(f"{path} is not a vcred recovery file")
    try:
        ciphertext = base64.b64decode(document.pop("ciphertext"), validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise StorageError(f"{path} is damaged: no readable ciphertext") from None
    return document, ciphertext
