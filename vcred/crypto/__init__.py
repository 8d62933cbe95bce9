"""Key material and encodings. The only package that imports nacl; jwcrypto is used by ``jwk`` only."""

from vcred.crypto.keys import Ed25519PublicKey, Ed25519SigningKey, sha256

__all__ = ["Ed25519PublicKey", "Ed25519SigningKey", "sha256"]
