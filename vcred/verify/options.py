"""Everything a verification depends on, passed in by the caller: time, limits, resolver, loader, fetchers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vcred._json import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH
from vcred.did.resolver import DIDResolver
from vcred.jose.vc_jwt import SUPPORTED_ALGS
from vcred.jsonld.loader import DocumentLoader


@dataclass(frozen=True)
class VerifyOptions:
    """Verification settings.

    ``max_bytes`` (default 1 MB) and ``max_depth`` (default 64) bound the input before any processing;
    ``max_clock_skew`` (default 5 minutes) is allowed on every time comparison. ``status_fetcher``,
    ``ledger`` and ``trust`` switch on the status, ledger and trust checks. ``anchor_proofs`` are batch anchor
    proofs (:class:`vcred.ledger.BatchProof` or their JSON) for the credentials verified; with a ledger, a
    credential signed by a key its issuer has since retired needs one from before the retirement, unless
    ``trust_claimed_issuance_time`` (then the credential's own ``created``/``validFrom`` is believed).
    ``inline_contexts`` are the inline ``@context`` objects the caller accepts (compared by value); every other
    context must be a URL the loader serves (the closed-world rule, ADR 9).
    """

    now: datetime | None = None
    max_clock_skew: timedelta = timedelta(minutes=5)
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    resolver: DIDResolver | None = None
    loader: DocumentLoader | None = None
    status_fetcher: Any = None
    status_cache: Any = None
    ledger: Any = None
    trust: Any = None
    allowed_algs: Sequence[str] = SUPPORTED_ALGS
    check_schema: bool = True
    anchor_proofs: Sequence[Any] = ()
    trust_claimed_issuance_time: bool = False
    inline_contexts: Sequence[Any] = ()
