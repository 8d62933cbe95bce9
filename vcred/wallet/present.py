"""Create Verifiable Presentations: chosen credentials, signed by the holder for ``authentication``, bound to
the verifier's challenge and domain, with an expiry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from vcred._time import format_datetime_stamp, require_aware, utcnow
from vcred.crypto.keys import Ed25519SigningKey
from vcred.did.key import did_key_method_id
from vcred.did.resolver import split_did_url
from vcred.errors import ResolutionError, UnsupportedSuiteError, UsageError
from vcred.jose.vc_jwt import VP_JWT, sign_jwt
from vcred.jsonld.loader import DocumentLoader, as_loader
from vcred.proofs import SIGNING_SUITES
from vcred.proofs.data_integrity import create_proof

VC_V2 = "https://www.w3.org/ns/credentials/v2"
PRESENTATION_SUITES = (*SIGNING_SUITES, VP_JWT)
VCRED_CONTEXT = "https://w3id.org/vcred/v1"  # defines anchorProofs
MAX_PRESENTATION_LIFETIME = timedelta(days=30)


def envelope(jwt: str) -> dict[str, Any]:
    """An EnvelopedVerifiableCredential carrying a vc+jwt inside a presentation."""
    return {
        "@context": VC_V2,
        "id": f"data:application/vc+jwt,{jwt}",
        "type": "EnvelopedVerifiableCredential",
    }


def create_presentation(
    credentials: Sequence[dict[str, Any] | str],
    key: Ed25519SigningKey,
    *,
    challenge: str,
    domain: str,
    expires: datetime | timedelta,
    holder: str | None = None,
    suite: str = "eddsa-rdfc-2022",
    verification_method: str | None = None,
    now: datetime | None = None,
    loader: DocumentLoader | None = None,
    anchor_proofs: Sequence[Any] = (),
) -> dict[str, Any] | str:
    """A presentation of ``credentials`` signed by the holder's ``key``.

    ``suite`` is ``"eddsa-rdfc-2022"``, ``"eddsa-jcs-2022"`` (Data Integrity; returns a dict) or ``"vp+jwt"``
    (returns a compact JWS with ``aud`` = domain, ``nonce`` = challenge, ``exp``). vc+jwt credentials are carried
    as EnvelopedVerifiableCredential. ``expires`` is a moment or a lifetime from ``now`` (at most 30 days).
    ``anchor_proofs`` (:class:`vcred.ledger.BatchProof` or their JSON) travel as the presentation's
    ``anchorProofs``, so a verifier can prove when each credential was issued (see vcred.ledger.anchors).

    Raises UsageError for an empty selection, a missing challenge or domain, or an expiry in the past.
    """
    if suite not in PRESENTATION_SUITES:
        raise UnsupportedSuiteError(f"unknown suite {suite!r}", hint=f"choose one of: {', '.join(PRESENTATION_SUITES)}")
    if not credentials:
        raise UsageError("a presentation needs at least one credential")
    if not (isinstance(challenge, str) and challenge) or not (isinstance(domain, str) and domain):
        raise UsageError("a presentation must be bound to the verifier's challenge and domain")
    moment = utcnow() if now is None else require_aware(now)
    until = moment + expires if isinstance(expires, timedelta) else require_aware(expires, "expires")
    if until <= moment:
        raise UsageError("the presentation's expiry must be in the future")
    if until - moment > MAX_PRESENTATION_LIFETIME:
        raise UsageError(
            "a presentation may be valid for at most 30 days",
            hint="ask for a lifetime of 30 days or less (e.g. --expires 30d); present again when it ends",
        )
    vm = verification_method or did_key_method_id(key.public_key)
    try:
        vm_did, _ = split_did_url(vm)
    except ResolutionError as exc:
        raise UsageError(f"verification_method: {exc.message}") from None
    holder_id = holder or vm_did
    if holder_id != vm_did:
        raise UsageError(f"the signing key {vm} does not belong to the holder {holder_id}")
    embedded = [envelope(c) if isinstance(c, str) else c for c in credentials]
    vp: dict[str, Any] = {
        "@context": [VC_V2],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiablePresentation"],
        "holder": holder_id,
        "verifiableCredential": embedded,
    }
    if anchor_proofs:
        vp["@context"] = [VC_V2, VCRED_CONTEXT]
        vp["anchorProofs"] = _anchor_proofs_json(anchor_proofs, credentials)
    if suite == VP_JWT:
        payload = {
            **vp,
            "aud": domain,
            "nonce": challenge,
            "iat": int(moment.timestamp()),
            "exp": int(until.timestamp()),
        }
        return sign_jwt(payload, key, kid=vm, typ=VP_JWT)
    return create_proof(
        vp,
        key,
        suite=suite,
        verification_method=vm,
        loader=as_loader(loader),
        created=moment,
        purpose="authentication",
        expires=until,
        challenge=challenge,
        domain=domain,
    )


def _anchor_proofs_json(proofs: Sequence[Any], credentials: Sequence[dict[str, Any] | str]) -> list[dict[str, Any]]:
    """The proofs as JSON, each checked to belong to one of the presented credentials."""
    from vcred.errors import LedgerError
    from vcred.ledger.anchors import BatchProof, credential_hash

    presented = {credential_hash(c) for c in credentials}
    out = []
    for proof in proofs:
        try:
            parsed = BatchProof.coerce(proof)
        except LedgerError as exc:
            raise UsageError(f"anchor proof: {exc.message}") from None
        if parsed.credential not in presented:
            raise UsageError("an anchor proof belongs to none of the presented credentials")
        out.append(parsed.to_json())
    return out


def presentation_expiry(vp: dict[str, Any]) -> str | None:
    """The ``expires`` of a Data Integrity presentation's proof, formatted, if any."""
    proof = vp.get("proof")
    if isinstance(proof, dict) and isinstance(proof.get("expires"), str):
        return str(proof["expires"])
    return None


__all__ = ["PRESENTATION_SUITES", "create_presentation", "envelope", "format_datetime_stamp"]
