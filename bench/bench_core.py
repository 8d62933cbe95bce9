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
        sign = rate(lambda suite=suite: vcred.issue_credential(credential, key, suite=suite, now=NOW))
        secured = vcred.issue_credential(credential, key, suite=suite, now=NOW)
        if suite == VC_JWT:
            jwt_expect = JwtExpectations(typ=VC_JWT, purpose="assertionMethod", now=NOW)

            def proof_verify(secured: Any = secured, jwt_expect: JwtExpectations = jwt_expect) -> Any:
                return verify_jwt(
                    secured, jwt_expect, controller_of=lambda p: p.get("issuer"), resolver=resolver, prefix="vc"
                )
        else:

            def proof_verify(secured: Any = secured) -> Any:
                return verify_proofs(secured, expect, resolver=resolver, loader=loader, prefix="vc")

        verify = rate(proof_verify)
        full = rate(lambda secured=secured: vcred.verify_credential(secured, now=NOW))
        rows.append((suite, sign, verify, full))
    print(f"{'suite':18} {'sign/s':>9} {'proof verify/s':>15} {'ratio to raw':>13} {'full verify/s':>14}")
    for suite, sign, verify, full in rows:
        print(f"{suite:18} {sign:9.0f} {verify:15.0f} {verify / raw:12.1%} {full:14.0f}  (1/{raw / verify:.1f})")
    targets = {"eddsa-jcs-2022": 0.40, "eddsa-rdfc-2022": 1 / 15}
    for suite, _, verify, _ in rows:
        if suite in targets:
            ok = verify / raw >= targets[suite]
            print(f"target {suite}: >= {targets[suite]:.1%} of raw -> {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
