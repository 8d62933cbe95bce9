"""Issue credentials: validate, then secure with a Data Integrity suite or as vc+jwt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vcred._time import require_aware, utcnow
from vcred.crypto.keys import Ed25519SigningKey
from vcred.did.key import did_key_method_id
from vcred.did.resolver import split_did_url
from vcred.errors import InvalidCredentialError, ResolutionError, UnsupportedSuiteError, UsageError
from vcred.jose.vc_jwt import VC_JWT, sign_jwt
from vcred.jsonld.loader import DocumentLoader, as_loader
from vcred.model.credential import issuer_id
from vcred.proofs import SIGNING_SUITES
from vcred.proofs.data_integrity import create_proof

SUITE_NAMES = (*SIGNING_SUITES, VC_JWT)


def issue_credential(
    credential: dict[str, Any],
    key: Ed25519SigningKey,
    *,
    suite: str = "eddsa-rdfc-2022",
    verification_method: str | None = None,
    now: datetime | None = None,
    loader: DocumentLoader | None = None,
    validate: bool = True,
) -> dict[str, Any] | str:
    """Sign ``credential`` as its issuer and return the secured credential (the input is never modified).

    ``suite`` is ``"eddsa-rdfc-2022"`` (default), ``"eddsa-jcs-2022"`` (both return a dict with a ``proof``) or
    ``"vc+jwt"`` (returns the compact JWS string). ``verification_method`` is the DID URL of ``key``; it defaults
    to the key's did:key method, which is right when the issuer is that did:key.

    Raises UnsupportedSuiteError for an unknown suite, InvalidCredentialError (with ``field``) when the credential
    breaks VC 2.0 or its JSON Schema or states a relatedResource digest that does not match a resource vcred holds
    as published, DataLossError when a term is not defined by any context, UsageError when the
    key does not belong to the issuer.

    >>> from vcred.testing import insecure_seeded_key
    >>> key = insecure_seeded_key("example issuer")
    >>> vc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
    ...       "issuer": key.public_key.did_key, "credentialSubject": {"id": "did:example:1", "name": "A"}}
    >>> issue_credential(vc, key, now=None)["proof"]["cryptosuite"]
    'eddsa-rdfc-2022'
    """
    if suite not in SUITE_NAMES:
        raise UnsupportedSuiteError(f"unknown suite {suite!r}", hint=f"choose one of: {', '.join(SUITE_NAMES)}")
    if not isinstance(credential, dict):
        raise UsageError("a credential to issue must be a dict (parsed JSON)")
    moment = utcnow() if now is None else require_aware(now)
    if validate:
        _validate(credential)
    issuer = issuer_id(credential)
    vm = verification_method or did_key_method_id(key.public_key)
    try:
        vm_did, fragment = split_did_url(vm)
    except ResolutionError as exc:
        raise UsageError(f"verification_method: {exc.message}") from None
    if fragment is None:
        raise UsageError("verification_method must be a DID URL with a fragment naming the key")
    if issuer != vm_did:
        raise UsageError(
            f"the signing key {vm} does not belong to the issuer {issuer}",
            hint="set credential['issuer'] to the key's DID or pass verification_method= for the issuer's key",
        )
    if "proof" in credential:
        raise UsageError("the credential already carries a proof; issue an unsigned credential")
    if suite == VC_JWT:
        payload = {**credential, "iat": int(moment.timestamp())}
        return sign_jwt(payload, key, kid=vm, typ=VC_JWT)
    return create_proof(credential, key, suite=suite, verification_method=vm, loader=as_loader(loader), created=moment)


def _validate(credential: dict[str, Any]) -> None:
    from vcred.model.credential import check_well_formed_credential

    problems = check_well_formed_credential(credential)
    if problems:
        field = problems[0].split(":", 1)[0] if ":" in problems[0] else None
        raise InvalidCredentialError(f"the credential is not a valid VC 2.0 document: {problems[0]}", field=field)
    if "credentialSchema" in credential:
        from vcred.model.families.schema_check import check_schema

        check = check_schema(credential)
        if check.status.value == "failed":
            raise InvalidCredentialError(
                f"the credential breaks its schema: {check.reason}", field=check.details.get("path")
            )
    if "relatedResource" in credential:
        from vcred.model.related import related_resource_problem

        problem = related_resource_problem(credential)
        if problem is not None:
            raise InvalidCredentialError(
                f"{problem.path} ({problem.id[:120]}): {problem.detail}",
                field=problem.path,
                hint="state the digest of the resource's exact bytes, or leave the entry out",
            )
