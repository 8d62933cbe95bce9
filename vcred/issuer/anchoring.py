"""What an issuer account anchors in the ledger besides its status lists and DID events: batches of the credentials
it issued (their Merkle root only, so their issuance time can be proven) and versions of the trust registries it
publishes.

Functions of the account rather than a mixin: :class:`~vcred.issuer.account.IssuerAccount` keeps its whole public
face in one place and reads the clock only there, at the boundary, handing each function here the moment to use.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from vcred.errors import UsageError
from vcred.issuer.keys import require_key_in_force, require_usable
from vcred.ledger.anchors import BatchProof, build_batch
from vcred.ledger.entries import make_entry, parse_entry
from vcred.ledger.log import Ledger
from vcred.local import LocalSetting

if TYPE_CHECKING:
    from vcred.issuer.account import IssuerAccount


def anchor(
    account: IssuerAccount,
    credentials: list[dict[str, Any] | str],
    setting: LocalSetting,
    *,
    moment: datetime,
    ledger: Ledger | None,
) -> list[BatchProof]:
    """Anchor a batch of issued credentials (their Merkle root only); each proof goes to its holder."""
    if not credentials:
        raise UsageError("anchor at least one credential")
    require_usable(account)
    root, proofs = build_batch(credentials)
    entry = make_entry(
        "batch-anchor",
        {"issuer": account.did, "root": root.hex(), "count": len(credentials)},
        submitter=account.verification_method,
        key=account.key,
        timestamp=int(moment.timestamp()),
    )
    (ledger or setting.ledger()).append([entry], now=moment)
    return proofs


def anchor_registry(
    account: IssuerAccount, setting: LocalSetting, registry: Any, *, moment: datetime, ledger: Ledger | None
) -> int:
    """Anchor ``registry`` as the account's next version of it; returns the version (see the account's method)."""
    from vcred.office.trust import TrustRegistry

    require_usable(account)
    require_key_in_force(account, moment)
    loaded = registry if isinstance(registry, TrustRegistry) else TrustRegistry(registry)
    url = loaded.document.id
    log = ledger or setting.ledger()
    version = max(account.registry_versions.get(url, 0), _anchored_version(log, url, account.did)) + 1
    account.registry_versions[url] = version
    account.save(setting)  # before anything leaves: a crash never reuses a version the ledger holds
    entry = make_entry(
        "trust-registry",
        {"publisher": account.did, "url": url, "version": version, "sha256": loaded.digest},
        submitter=account.verification_method,
        key=account.key,
        timestamp=int(moment.timestamp()),
    )
    log.append([entry], now=moment)
    return version


def _anchored_version(ledger: Ledger, url: str, publisher: str) -> int:
    """The highest version of the registry at ``url`` that ``publisher`` anchored in ``ledger`` (0 for none)."""
    versions = [
        int(entry.payload["version"])
        for entry in (parse_entry(stored.raw) for stored in ledger.entries_about(url, ["trust-registry"]))
        if entry.payload.get("publisher") == publisher
    ]
    return max(versions, default=0)
