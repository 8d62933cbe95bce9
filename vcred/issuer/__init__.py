"""The issuer's room: sign credentials (:func:`issue_credential`) and keep an account (:class:`IssuerAccount`).

An account holds a key, a DID (did:vcred anchored in the ledger, or did:key), its status lists and its issuance
record; it issues family credentials, changes their status, publishes and anchors list versions, anchors batches of
what it issued, and rotates or deactivates its DID with the key it committed to in advance.
"""

from vcred.issuer.account import STATUS_BASE, IssuerAccount
from vcred.issuer.issue import SUITE_NAMES, issue_credential
from vcred.issuer.status import ForeignRevocation

__all__ = ["STATUS_BASE", "SUITE_NAMES", "ForeignRevocation", "IssuerAccount", "issue_credential"]
