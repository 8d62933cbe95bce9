"""Passphrase sealing for wallets: Argon2id key derivation and XChaCha20-Poly1305 authenticated encryption.

The header (format, KDF parameters, salt, nonce) is bound as associated data, so editing any byte of the file —
header or ciphertext — makes opening fail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.pwhash

from vcred.errors import CorruptWalletError, WrongPassphraseError

SALT_BYTES = nacl.pwhash.argon2id.SALTBYTES
NONCE_BYTES = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
KEY_BYTES = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_KEYBYTES


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters (stored in the file so they can be raised later)."""

    opslimit: int
    memlimit: int


DEFAULT_KDF = KdfParams(nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE)
INTERACTIVE_KDF = KdfParams(nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE)
UNSAFE_FAST_KDF_FOR_TESTS = KdfParams(nacl.pwhash.argon2id.OPSLIMIT_MIN, nacl.pwhash.argon2id.MEMLIMIT_MIN)
_MAX_MEMLIMIT = 4 * 1024 * 1024 * 1024  # refuse headers that would make us allocate absurd memory


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """A 32-byte key from the passphrase (Argon2id)."""
    if params.memlimit > _MAX_MEMLIMIT or params.opslimit > 1_000:
        raise CorruptWalletError("the wallet header asks for unreasonable key-derivation costs")
    try:
        return bytes(
            nacl.pwhash.argon2id.kdf(
                KEY_BYTES, passphrase.encode("utf-8"), salt, opslimit=params.opslimit, memlimit=params.memlimit
            )
        )
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as exc:
        raise CorruptWalletError(f"the wallet's key-derivation parameters are invalid: {exc}") from None


def new_salt() -> bytes:
    """A random salt."""
    return os.urandom(SALT_BYTES)


def new_nonce() -> bytes:
    """A random 24-byte nonce (safe to draw at random for XChaCha20)."""
    return os.urandom(NONCE_BYTES)


def seal(key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext``, binding ``associated`` (the header)."""
    return bytes(nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associated, nonce, key))


def unseal(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
    """Decrypt; a wrong key and a modified file are indistinguishable here, so both raise WrongPassphraseError."""
    try:
        return bytes(nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, associated, nonce, key))
    except nacl.exceptions.CryptoError:
        raise WrongPassphraseError(
            "the passphrase does not open this wallet (or the file was modified)",
            hint="check the passphrase; if it is right, restore the wallet from a backup",
        ) from None
