"""Sign and verify throughput per securing mechanism, against raw Ed25519 verify measured in the same run.

Targets on a ~1.5 KB board credential, one core: eddsa-jcs-2022 proof verify >= 40 % of raw Ed25519 verify,
eddsa-rdfc-2022 proof verify >= 1/15 of it. "Proof verify" is the cryptographic check of the securing mechanism
(transform, hash, key resolution, signature); "full verify" is verify_credential with every check of the report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import nacl.signing

import vcred
from vcred.did import default_resolver
from vcred.jose.vc_jwt import VC_JWT, JwtExpectations, verify_jwt
from vcred.jsonld.loader import default_loader
from vcred.proofs.data_integrity import ProofExpectations, verify_proofs
from vcred.testing import insecure_seeded_key

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def rate(fn: Callable[[], Any], seconds: float = 1.5) -> float:
    """Operations per second, after a short warm-up."""
    for _ in range(20):
        fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(20):
            fn()
        count += 20
    return count / elapsed


def board_credential(issuer: str) -> dict[str, Any]:
    """A board certification credential of about 1.5 KB."""
    try:
        from vcred.examples import board_certification_example

        return board_certification_example(issuer=issuer)
    except ImportError:
        return {
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:9a4f1c1e-1c3b-4c55-a1f0-2b1f3d1e0a11",
            "type": ["VerifiableCredential", "BoardCertificationCredential"],
            "issuer": issuer,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2027-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "name": "Dr. Amara Okafor",
                "npi": "1234567893",
                "certification": {
                    "board": "American Board of Radiology",
                    "specialty": "Diagnostic Radiology",
                    "subspecialty": "Neuroradiology",
                    "initialCertificationDate": "2015-06-30",
                    "status": "certified",
                    "moc": {"participating": True, "periodStart": "2024-01-01", "periodEnd": "2028-12-31"},
                },
            },
        }


def _issuer_of(payload: dict[str, Any]) -> Any:
    return payload.get("issuer")


def main() -> None:
    key = insecure_seeded_key("bench issuer")
    issuer = key.public_key.did_key
    credential = board_credential(issuer)
    print(f"credential: {len(json.dumps(credential))} bytes unsigned")

    raw_key = nacl.signing.SigningKey(bytes(32))
    message = b"x" * 64
    signature = raw_key.sign(message).signature
    raw = rate(lambda: raw_key.verify_key.verify(message, signature))
    print(f"raw Ed25519 verify (pynacl): {raw:10.0f} /s")

    resolver, loader = default_resolver(), default_loader()
    expect = ProofExpectations(purpose="assertionMethod", controller=issuer, now=NOW)
    rows = []
    for suite in ("eddsa-jcs-2022", "eddsa-rdfc-2022", VC_JWT):
        sign = rate(partial(vcred.issue_credential, credential, key, suite=suite, now=NOW))
        secured = vcred.issue_credential(credential, key, suite=suite, now=NOW)
        proof_verify: Callable[[], Any]
        if suite == VC_JWT:
            jwt_expect = JwtExpectations(typ=VC_JWT, purpose="assertionMethod", now=NOW)
            assert isinstance(secured, str)
            proof_verify = partial(
                verify_jwt, secured, jwt_expect, controller_of=_issuer_of, resolver=resolver, prefix="vc"
            )
        else:
            assert isinstance(secured, dict)
            proof_verify = partial(verify_proofs, secured, expect, resolver=resolver, loader=loader, prefix="vc")
        verify = rate(proof_verify)
        full = rate(partial(vcred.Verifier.offline().verify_credential, secured, now=NOW))
        rows.append((suite, sign, verify, full))
    print(f"{'suite':18} {'sign/s':>9} {'proof verify/s':>15} {'of raw':>8} {'full verify/s':>14} {'of raw':>8}")
    for suite, sign, verify, full in rows:
        print(f"{suite:18} {sign:9.0f} {verify:15.0f}   1/{raw / verify:4.1f} {full:14.0f}   1/{raw / full:4.1f}")
    targets = {"eddsa-jcs-2022": 0.40, "eddsa-rdfc-2022": 1 / 15}
    for suite, _, verify, _ in rows:
        if suite in targets:
            ok = verify / raw >= targets[suite]
            print(f"target {suite}: >= {targets[suite]:.1%} of raw -> {'met' if ok else 'NOT met'}")
    full_targets = {"eddsa-jcs-2022": 1 / 9, "eddsa-rdfc-2022": 1 / 14, VC_JWT: 1 / 11}
    for suite, _, _, full in rows:
        ok = full / raw >= full_targets[suite]
        print(f"target full {suite}: >= 1/{1 / full_targets[suite]:.0f} of raw -> {'met' if ok else 'NOT met'}")
    presentations(key)
    batches(key)


def batches(issuer_key: Any) -> None:
    """A recredentialing cycle: a batch verified on one process, then spread over two (verify_many)."""
    import time

    from vcred.testing import sample_credential

    issuer = issuer_key.public_key.did_key
    batch = [
        vcred.issue_credential(sample_credential(issuer, f"did:example:{i}", name=f"R{i}"), issuer_key, now=NOW)
        for i in range(2000)
    ]
    verifier = vcred.Verifier.offline()
    for workers in (1, 2):
        start = time.perf_counter()
        reports = verifier.verify_many(batch, now=NOW, workers=workers)
        elapsed = time.perf_counter() - start
        assert all(r.verified for r in reports)
        print(f"batch of {len(batch)} (eddsa-rdfc-2022), {workers} worker(s): {len(batch) / elapsed:7.0f} /s")


def presentations(issuer_key: Any) -> None:
    """What an office waits for: a presentation of five credentials verified in full, per suite."""
    from datetime import timedelta

    from vcred.examples import ISSUER_ROLES, radiologist_credentials

    holder = insecure_seeded_key("bench holder")
    issuers = dict.fromkeys(ISSUER_ROLES, issuer_key.public_key.did_key)
    credentials = [
        vcred.issue_credential(c, issuer_key, now=NOW)
        for c in radiologist_credentials(issuers, holder.public_key.did_key, now=NOW)
    ][:5]
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022", "vp+jwt"):
        vp = vcred.create_presentation(
            credentials, holder, challenge="n", domain="d.example", expires=timedelta(hours=1), suite=suite, now=NOW
        )
        per_second = rate(partial(vcred.verify_presentation, vp, challenge="n", domain="d.example", now=NOW), 1.0)
        print(f"presentation of 5 credentials ({suite}, credentials eddsa-rdfc-2022): {1e3 / per_second:5.1f} ms")


if __name__ == "__main__":
    main()
