"""The radiologist's encrypted wallet (usable as a library and through ``vcred wallet``)."""

from vcred.crypto.sealing import DEFAULT_KDF, INTERACTIVE_KDF, UNSAFE_FAST_KDF_FOR_TESTS, KdfParams
from vcred.wallet.wallet import StoredCredential, Wallet, WalletState, default_wallet_path

__all__ = [
    "DEFAULT_KDF",
    "INTERACTIVE_KDF",
    "UNSAFE_FAST_KDF_FOR_TESTS",
    "KdfParams",
    "StoredCredential",
    "Wallet",
    "WalletState",
    "default_wallet_path",
]
