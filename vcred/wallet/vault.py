"""The encrypted wallet file: a small header and one sealed JSON document, written atomically and durably.

Layout: ``VCREDW1\\n`` magic, a JSON header line (format version, KDF parameters, salt, nonce, and a SHA-256 over
header and ciphertext to tell a damaged file from a wrong passphrase), then the ciphertext. Nothing about the
contents is readable without the passphrase. Writes go to a temporary file in the same directory, are fsynced,
renamed over the old file and the directory is fsynced: a process killed at any moment leaves the old or the new
wallet.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from vcred._files import exclusive_lock, read_bounded
from vcred._json import InputRejectedError, parse_json
from vcred.crypto.sealing import DEFAULT_KDF, KdfParams, derive_key, new_nonce, new_salt, seal, unseal
from vcred.errors import CorruptWalletError, StorageError

MAGIC = b"VCREDW1\n"
FORMAT = 1
MAX_WALLET_BYTES = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def encode_vault(
    content: dict[str, Any],
    passphrase: str,
    *,
    kdf: KdfParams = DEFAULT_KDF,
    key_cache: tuple[bytes, bytes] | None = None,
) -> tuple[bytes, tuple[bytes, bytes]]:
    """The file bytes for ``content``; also returns (salt, key) so later saves can skip the slow KDF."""
    if key_cache is None:
        salt = new_salt()
        key = derive_key(passphrase, salt, kdf)
    else:
        salt, key = key_cache
    nonce = new_nonce()
    plaintext = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    header: dict[str, Any] = {
        "format": FORMAT,
        "kdf": "argon2id",
        "opslimit": kdf.opslimit,
        "memlimit": kdf.memlimit,
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "cipher": "xchacha20poly1305",
    }
    bound = MAGIC + _header_bytes(header)
    ciphertext = seal(key, nonce, plaintext, bound)
    # a checksum over header and ciphertext tells a damaged file apart from a wrong passphrase
    header["sha256"] = hashlib.sha256(bound + ciphertext).hexdigest()
    return MAGIC + _header_bytes(header) + b"\n" + ciphertext, (salt, key)


def decode_vault(
    data: bytes, passphrase: str, key_cache: tuple[bytes, bytes] | None = None
) -> tuple[dict[str, Any], KdfParams, tuple[bytes, bytes]]:
    """Open wallet bytes: (content, KDF parameters, (salt, key)). CorruptWalletError or WrongPassphraseError."""
    if not data.startswith(MAGIC):
        raise CorruptWalletError(
            "this is not a vcred wallet file (or its first bytes were damaged)", hint="restore the wallet from a backup"
        )
    header_line, sep, ciphertext = data[len(MAGIC) :].partition(b"\n")
    try:
        header = parse_json(header_line, max_depth=4) if sep else None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError("unsupported wallet format")
        salt = base64.b64decode(header["salt"], validate=True)
        nonce = base64.b64decode(header["nonce"], validate=True)
        kdf = KdfParams(int(header["opslimit"]), int(header["memlimit"]))
        digest = header.pop("sha256")
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise CorruptWalletError(
            f"the wallet header is damaged ({exc})", hint="restore the wallet from a backup"
        ) from None
    if hashlib.sha256(MAGIC + _header_bytes(header) + ciphertext).hexdigest() != digest:
        raise CorruptWalletError(
            "the wallet file is damaged: its contents do not match their checksum",
            hint="restore the wallet from a backup (vcred wallet restore)",
        )
    # Argon2id is deliberately slow; an open wallet re-reading its own file reuses the key it derived for this salt
    key = key_cache[1] if key_cache and key_cache[0] == salt else derive_key(passphrase, salt, kdf)
    plaintext = unseal(key, nonce, ciphertext, MAGIC + _header_bytes(header))
    try:
        content = json.loads(plaintext)
    except ValueError:
        raise CorruptWalletError("the wallet decrypted but its contents are not valid") from None
    return content, kdf, (salt, key)


def read_file(path: Path) -> bytes:
    """The wallet file's bytes, within the size limit."""
    try:
        return read_bounded(path, MAX_WALLET_BYTES)  # bounded even where the size on disk lies (/dev/zero)
    except InputRejectedError:
        raise CorruptWalletError(f"{path} is larger than any wallet should be") from None
    except FileNotFoundError:
        raise StorageError(f"no wallet at {path}", hint="create one with: vcred wallet init") from None
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc}") from None


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files a killed writer left behind (call only while holding the lock)."""
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def locked(path: Path) -> contextlib.AbstractContextManager[None]:
    """An exclusive lock beside the wallet, so two processes never interleave read-modify-write."""
    return exclusive_lock(path)
