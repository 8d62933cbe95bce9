"""The cryptosuite protocol and the registry of suites vcred knows.

A suite turns (unsecured document, proof configuration) into the bytes that are signed; everything else about
Data Integrity proofs is suite-agnostic and lives in :mod:`vcred.proofs.data_integrity`.
"""

from __future__ import annotations

from typing import Any, Protocol

from vcred.jsonld.loader import DocumentLoader


class Cryptosuite(Protocol):
    """One Data Integrity cryptosuite."""

    name: str
    """The ``cryptosuite`` value (or, for legacy suites, the proof ``type``)."""
    proof_type: str
    can_sign: bool
    proof_carries_context: bool
    """True when a created proof keeps the ``@context`` of its proof configuration (eddsa-jcs-2022);
    False when the proof is the proof options alone and the configuration borrows the document's ``@context``."""

    def proof_config(self, document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
        """The proof configuration to canonicalize: the proof without ``proofValue``, per the suite's rules."""
        ...

    def unsecured_for_verify(self, document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
        """The unsecured document as the suite verifies it; raise ValueError if the proof cannot apply."""
        ...

    def hash_data(self, document: dict[str, Any], proof_config: dict[str, Any], *, loader: DocumentLoader) -> bytes:
        """sha256(canonical proof configuration) || sha256(canonical document): the 64 bytes signed."""
        ...
