"""Suite-agnostic Data Integrity proof handling: create proofs, and verify proof sets and chains.

Verification returns :class:`vcred.report.Check` objects (never raises for bad input); creation raises typed
errors for misuse.
"""

from __future__ import annotations

import copy
import enum
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from vcred._time import format_datetime_stamp, parse_datetime_stamp
from vcred.crypto import multibase
from vcred.crypto.keys import Ed25519SigningKey
from vcred.did.resolver import DIDResolver, resolve_verification_method, split_did_url
from vcred.errors import (
    CanonicalizationError,
    DataLossError,
    KeyFormatError,
    LoaderError,
    ResolutionError,
    SignatureError,
    UnsupportedSuiteError,
    UsageError,
)
from vcred.jsonld.loader import DocumentLoader
from vcred.proofs import SIGNING_SUITES, SUITES
from vcred.proofs.suite import Cryptosuite
from vcred.report import Check

PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
PROOF_GENERATION_ERROR = "PROOF_GENERATION_ERROR"
PROOF_TRANSFORMATION_ERROR = "PROOF_TRANSFORMATION_ERROR"
DATA_LOSS_DETECTION_ERROR = "DATA_LOSS_DETECTION_ERROR"
INVALID_VERIFICATION_METHOD = "INVALID_VERIFICATION_METHOD"
INVALID_DOMAIN_ERROR = "INVALID_DOMAIN_ERROR"
INVALID_CHALLENGE_ERROR = "INVALID_CHALLENGE_ERROR"
PROOF_EXPIRED_ERROR = "PROOF_EXPIRED_ERROR"
MAX_PROOFS = 8
DATA_INTEGRITY_CONTEXT: Final = "https://w3id.org/security/data-integrity/v2"
"""The context that defines DataIntegrityProof and its properties; appended to a document whose contexts do not."""


class _AnyController(enum.Enum):
    ANY_CONTROLLER = "any controller (proof-level interop tests only)"

    def __repr__(self) -> str:
        return "ANY_CONTROLLER"


ANY_CONTROLLER: Final = _AnyController.ANY_CONTROLLER
"""``ProofExpectations(controller=ANY_CONTROLLER)``: accept a key whatever DID controls it.

For checking a proof in isolation (specification vectors, other stacks' outputs) only: a credential's proof must
be checked against its issuer, a presentation's against its holder, as ``verify_credential`` and
``verify_presentation`` do.
"""


@dataclass(frozen=True)
class ProofExpectations:
    """What a verifier requires of a proof.

    ``controller`` is the DID that must control the verification method (the issuer of a credential, the holder
    of a presentation). It is required: :data:`ANY_CONTROLLER` (proof-level interop tests only) accepts any
    controller, and ``None`` is refused so that a missing issuer can never switch the check off.
    ``challenge``/``domain``, when given, must match the proof's.

    Raises UsageError for a ``controller`` that is neither a DID string nor ANY_CONTROLLER.

    >>> from datetime import UTC
    >>> ProofExpectations(purpose="assertionMethod", controller="did:example:issuer", now=datetime.now(UTC)).purpose
    'assertionMethod'
    """

    purpose: str
    controller: str | Literal[_AnyController.ANY_CONTROLLER]
    now: datetime
    challenge: str | None = None
    domain: str | None = None
    max_clock_skew: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        """Refuse a controller that would silently accept any key."""
        if self.controller is ANY_CONTROLLER:
            return
        if not isinstance(self.controller, str) or not self.controller:
            raise UsageError(
                f"ProofExpectations needs the DID that must control the signing key, not {self.controller!r}",
                hint="pass the issuer's (or holder's) DID; proof-level interop tests may pass "
                "controller=ANY_CONTROLLER from vcred.proofs.data_integrity",
            )


def create_proof(
    document: dict[str, Any],
    key: Ed25519SigningKey,
    *,
    suite: str,
    verification_method: str,
    loader: DocumentLoader,
    created: datetime,
    purpose: str = "assertionMethod",
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with a new Data Integrity proof (added to any existing proofs, as a proof set).

    When the document's contexts do not define the proof's type (a VC 1.1 credential, say) and it carries no proof
    yet, :data:`DATA_INTEGRITY_CONTEXT` is appended to its ``@context`` before signing, as Data Integrity 1.0
    §2.4 says an implementation should; documents whose contexts define it (VC 2.0) are left as they are.

    ``previous_proof`` (a proof chain) names the ``id`` of one or more proofs already on ``document``.

    Raises UnsupportedSuiteError for an unknown or verify-only suite, UsageError for a document without
    ``@context`` or a ``previous_proof`` that names no proof on the document, DataLossError /
    CanonicalizationError when the document cannot be signed faithfully, LoaderError for contexts that are not
    available offline.
    """
    cryptosuite = SUITES.get(suite)
    if cryptosuite is None or not cryptosuite.can_sign:
        raise UnsupportedSuiteError(
            f"cannot sign with {suite!r}",
            hint=f"use {', '.join(repr(name) for name in SIGNING_SUITES)} (or 'vc+jwt' through issue_credential)",
        )
    if not isinstance(document, dict) or "@context" not in document:
        raise UsageError("a document to sign must be a JSON object with an @context")
    existing = document.get("proof")
    existing_list: list[dict[str, Any]] = (
        [] if existing is None else list(existing) if isinstance(existing, list) else [existing]
    )
    if not existing_list:  # a context added under an existing proof would change what that proof signed
        document = with_proof_context(document, cryptosuite.proof_type, loader)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {}
    if proof_id is not None:
        options["id"] = proof_id
    options.update(
        {
            "type": cryptosuite.proof_type,
            "cryptosuite": cryptosuite.name,
            "created": format_datetime_stamp(created),
            "verificationMethod": verification_method,
            "proofPurpose": purpose,
        }
    )
    if expires is not None:
        options["expires"] = format_datetime_stamp(expires)
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    if previous_proof is not None:
        options["previousProof"] = previous_proof
        unsecured = {**unsecured, "proof": _chained_for_signing(existing_list, previous_proof)}
    config = cryptosuite.proof_config(document, options)
    signed_bytes = cryptosuite.hash_data({k: v for k, v in unsecured.items()}, config, loader=loader)
    proof = dict(config) if cryptosuite.proof_carries_context and "@context" in config else dict(options)
    proof["proofValue"] = multibase.encode_base58btc(key.sign(signed_bytes))
    all_proofs = [*existing_list, proof]
    # the secured document shares nothing with the caller's: editing one never changes the other
    document = copy.deepcopy(document)
    return {
        **{k: v for k, v in document.items() if k != "proof"},
        "proof": all_proofs[0] if len(all_proofs) == 1 else all_proofs,
    }


def with_proof_context(document: dict[str, Any], proof_type: str, loader: DocumentLoader) -> dict[str, Any]:
    """``document``, or a copy with :data:`DATA_INTEGRITY_CONTEXT` appended to its ``@context`` when those contexts,
    as JSON-LD processes them through ``loader``, do not define ``proof_type`` (``DataIntegrityProof``).

    A context that cannot be processed leaves the document as it is: signing then reports the problem.
    """
    if proof_type != "DataIntegrityProof":
        return document
    context = document.get("@context")
    entries = context if isinstance(context, list) else [context]
    if DATA_INTEGRITY_CONTEXT in entries:
        return document
    from vcred.jsonld.closed_world import ClosedWorldError, contexts_for, term_mapping

    contexts = contexts_for(loader)
    try:
        active = contexts.process(contexts.initial, context)
    except ClosedWorldError:
        return document
    if term_mapping(active, proof_type) is not None:
        return document
    return {**document, "@context": [*entries, DATA_INTEGRITY_CONTEXT]}


def _chained_for_signing(
    proofs: list[dict[str, Any]], previous: str | list[str]
) -> dict[str, Any] | list[dict[str, Any]]:
    """The proofs ``previous_proof`` names, for :func:`create_proof`: UsageError when it names none on the document."""
    if not (isinstance(previous, str) or (isinstance(previous, list) and all(isinstance(p, str) for p in previous))):
        raise UsageError("previous_proof must be a proof id or a list of proof ids")
    if not previous:
        raise UsageError("previous_proof is empty: name the id of the proof this one follows")
    try:
        return _referenced(proofs, previous)
    except ValueError as exc:
        ids = [p["id"] for p in proofs if isinstance(p, dict) and isinstance(p.get("id"), str)]
        raise UsageError(
            f"cannot chain this proof: {exc}",
            hint=(
                f"the document's proof ids are {', '.join(repr(i) for i in ids)}"
                if ids
                else "the document has no proof with an id: create the earlier proof with proof_id=…"
            ),
        ) from None


def _referenced(proofs: list[Any], previous: str | list[str]) -> dict[str, Any] | list[dict[str, Any]]:
    """The proofs whose ``id`` ``previous`` names; ValueError naming the first id that matches none."""
    wanted = [previous] if isinstance(previous, str) else list(previous)
    found = []
    for proof_id in wanted:
        match = next((p for p in proofs if isinstance(p, dict) and p.get("id") == proof_id), None)
        if match is None:
            raise ValueError(f"previousProof {proof_id[:80]!r} does not match the id of any proof in the set")
        found.append(match)
    return found[0] if isinstance(previous, str) else found


class _ProofFailedError(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.reason)
        self.check = check


def verify_proofs(
    document: Any,
    expectations: ProofExpectations,
    *,
    resolver: DIDResolver,
    loader: DocumentLoader,
    prefix: str,
) -> list[Check]:
    """Verify every proof on ``document``; all must verify (a proof set), chains by ``previousProof``.

    Returns ordered checks ``<prefix>.proof.*`` (``<prefix>.proof[i].*`` for sets). Never raises for bad input.
    """
    raw = document.get("proof") if isinstance(document, dict) else None
    if raw is None:
        return [Check.failed(f"{prefix}.proof", "the document has no proof", PROOF_VERIFICATION_ERROR)]
    proofs = raw if isinstance(raw, list) else [raw]
    if not proofs:
        return [Check.failed(f"{prefix}.proof", "the proof set is empty", PROOF_VERIFICATION_ERROR)]
    if len(proofs) > MAX_PROOFS:
        return [Check.failed(f"{prefix}.proof", f"more than {MAX_PROOFS} proofs", PROOF_VERIFICATION_ERROR)]
    if not all(isinstance(p, dict) for p in proofs):
        return [Check.failed(f"{prefix}.proof", "every proof must be a JSON object", PROOF_VERIFICATION_ERROR)]
    if len(proofs) > 1 and len({json.dumps(p, sort_keys=True) for p in proofs}) != len(proofs):
        return [Check.failed(f"{prefix}.proof", "the same proof appears twice", PROOF_VERIFICATION_ERROR)]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    checks: list[Check] = []
    for index, proof in enumerate(proofs):
        label = f"{prefix}.proof" if len(proofs) == 1 else f"{prefix}.proof[{index}]"
        checks.extend(_verify_one(unsecured, proof, proofs, expectations, resolver, loader, label))
    return checks


def _verify_one(
    unsecured: dict[str, Any],
    proof: dict[str, Any],
    all_proofs: list[Any],
    exp: ProofExpectations,
    resolver: DIDResolver,
    loader: DocumentLoader,
    label: str,
) -> list[Check]:
    # challenge and domain are reported only when the verifier asked for them (presentations)
    steps = [
        "suite",
        "well_formed",
        "purpose",
        *(["challenge"] if exp.challenge is not None else []),
        *(["domain"] if exp.domain is not None else []),
        "expires",
        "verification_method",
        "transform",
        "signature",
    ]
    checks: list[Check] = []
    try:
        suite = _suite_of(proof, label)
        checks.append(Check.passed(f"{label}.suite", f"{suite.name} is supported"))
        signature, created = _well_formed(proof, label)
        checks.append(Check.passed(f"{label}.well_formed", "the proof has every required property"))
        checks.append(_purpose(proof, exp, label))
        if exp.challenge is not None:
            checks.append(_challenge(proof, exp, label))
        if exp.domain is not None:
            checks.append(_domain(proof, exp, label))
        checks.append(_expires(proof, exp, label))
        method = _method(proof, exp, resolver, created, label)
        checks.append(
            Check.passed(
                f"{label}.verification_method",
                f"the key is {method.controller}'s and authorised for {exp.purpose}"
                + (" (any controller accepted: ANY_CONTROLLER)" if exp.controller is ANY_CONTROLLER else ""),
                verification_method=method.id,
                # the moment the key was looked up for: every later check of this key's history uses this one
                key_as_of=created.isoformat() if created is not None else None,
            )
        )
        document = _document_for(unsecured, proof, all_proofs, suite, label)
        try:
            hashed = suite.hash_data(document, suite.proof_config(document, proof), loader=loader)
        except DataLossError as exc:
            failed = Check.failed(f"{label}.transform", exc.message, DATA_LOSS_DETECTION_ERROR)
            raise _ProofFailedError(failed) from None
        except (CanonicalizationError, LoaderError) as exc:
            failed = Check.failed(f"{label}.transform", exc.message, PROOF_TRANSFORMATION_ERROR)
            raise _ProofFailedError(failed) from None
        checks.append(Check.passed(f"{label}.transform", f"document canonicalized ({suite.name})"))
        try:
            method.public_key.verify(hashed, signature)
        except SignatureError:
            raise _ProofFailedError(
                Check.failed(
                    f"{label}.signature",
                    "the signature does not match the document",
                    PROOF_VERIFICATION_ERROR,
                )
            ) from None
        checks.append(Check.passed(f"{label}.signature", "the Ed25519 signature is valid"))
    except _ProofFailedError as failure:
        checks.append(failure.check)
        done = {c.id.rsplit(".", 1)[1] for c in checks}
        failed_step = failure.check.id.rsplit(".", 1)[1]
        for step in steps:
            if step not in done and step != failed_step:
                checks.append(Check.skipped(f"{label}.{step}", f"not checked: {failure.check.id} failed"))
    return checks


def _suite_of(proof: dict[str, Any], label: str) -> Cryptosuite:
    proof_type = proof.get("type")
    if proof_type == "DataIntegrityProof":
        name = proof.get("cryptosuite")
        if not isinstance(name, str):
            raise _ProofFailedError(
                Check.failed(
                    f"{label}.suite",
                    "a DataIntegrityProof must name its cryptosuite",
                    PROOF_VERIFICATION_ERROR,
                )
            )
        suite = SUITES.get(name)
        if suite is None or suite.proof_type != "DataIntegrityProof":
            raise _ProofFailedError(
                Check.failed(f"{label}.suite", f"unsupported cryptosuite {name[:60]!r}", PROOF_VERIFICATION_ERROR)
            )
        return suite
    if isinstance(proof_type, str) and proof_type in SUITES and SUITES[proof_type].proof_type == proof_type:
        return SUITES[proof_type]
    shown = proof_type[:60] if isinstance(proof_type, str) else type(proof_type).__name__
    raise _ProofFailedError(
        Check.failed(f"{label}.suite", f"unsupported proof type {shown!r}", PROOF_VERIFICATION_ERROR)
    )


def _well_formed(proof: dict[str, Any], label: str) -> tuple[bytes, datetime | None]:
    def fail(reason: str) -> _ProofFailedError:
        return _ProofFailedError(Check.failed(f"{label}.well_formed", reason, PROOF_VERIFICATION_ERROR))

    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str):
            raise fail(f"the proof's {name} is missing or not a string")
    if "id" in proof and not (isinstance(proof["id"], str) and ":" in proof["id"]):
        raise fail("the proof's id must be a URL")
    try:
        signature = multibase.decode_base58btc(proof["proofValue"])
    except KeyFormatError as exc:
        raise fail(f"proofValue: {exc.message}") from None
    if len(signature) != 64:
        raise fail(f"proofValue decodes to {len(signature)} bytes; an Ed25519 signature is 64")
    created = None
    for name in ("created", "expires"):
        if name in proof:
            try:
                moment = parse_datetime_stamp(proof[name])
            except ValueError as exc:
                raise fail(f"proof {name}: {exc}") from None
            if name == "created":
                created = moment
    return signature, created


def _purpose(proof: dict[str, Any], exp: ProofExpectations, label: str) -> Check:
    if proof["proofPurpose"] != exp.purpose:
        raise _ProofFailedError(
            Check.failed(
                f"{label}.purpose",
                f"proof purpose is {proof['proofPurpose'][:60]!r}; {exp.purpose!r} is required",
                PROOF_VERIFICATION_ERROR,
            )
        )
    return Check.passed(f"{label}.purpose", f"proof purpose is {exp.purpose}")


def _challenge(proof: dict[str, Any], exp: ProofExpectations, label: str) -> Check:
    if exp.challenge is None:
        return Check.skipped(f"{label}.challenge", "no challenge was required")
    if proof.get("challenge") != exp.challenge:
        shown = proof.get("challenge")
        reason = "the proof has no challenge" if shown is None else "the proof's challenge is not the one issued"
        raise _ProofFailedError(Check.failed(f"{label}.challenge", reason, INVALID_CHALLENGE_ERROR))
    return Check.passed(f"{label}.challenge", "the proof answers the expected challenge")


def _domain(proof: dict[str, Any], exp: ProofExpectations, label: str) -> Check:
    if exp.domain is None:
        return Check.skipped(f"{label}.domain", "no domain was required")
    value = proof.get("domain")
    domains = value if isinstance(value, list) else [value]
    if exp.domain not in domains:
        reason = "the proof has no domain" if value is None else "the proof is bound to another domain"
        raise _ProofFailedError(Check.failed(f"{label}.domain", reason, INVALID_DOMAIN_ERROR))
    return Check.passed(f"{label}.domain", f"the proof is bound to {exp.domain}")


def _expires(proof: dict[str, Any], exp: ProofExpectations, label: str) -> Check:
    if "expires" not in proof:
        return Check.skipped(f"{label}.expires", "the proof has no expiry")
    expires = parse_datetime_stamp(proof["expires"])
    if exp.now - exp.max_clock_skew > expires:
        raise _ProofFailedError(
            Check.failed(f"{label}.expires", f"the proof expired at {proof['expires']}", PROOF_EXPIRED_ERROR)
        )
    return Check.passed(f"{label}.expires", f"the proof is valid until {proof['expires']}", expires=expires.isoformat())


def _method(
    proof: dict[str, Any], exp: ProofExpectations, resolver: DIDResolver, created: datetime | None, label: str
) -> Any:
    vm_url = proof["verificationMethod"]

    def fail(reason: str) -> _ProofFailedError:
        return _ProofFailedError(Check.failed(f"{label}.verification_method", reason, INVALID_VERIFICATION_METHOD))

    try:
        vm_did, _ = split_did_url(vm_url)
    except ResolutionError as exc:
        raise fail(exc.message) from None
    if exp.controller is not ANY_CONTROLLER and vm_did != exp.controller:
        raise fail(f"the signing key belongs to {vm_did[:80]}, not to {exp.controller[:80]}")
    try:
        method = resolve_verification_method(resolver, vm_url, exp.purpose, as_of=created)
    except ResolutionError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # a caller-supplied resolver must not crash verification
        raise fail(f"resolver failed: {type(exc).__name__}") from None
    if exp.controller is not ANY_CONTROLLER and method.controller != exp.controller:
        raise fail(f"{method.id} is controlled by {method.controller[:80]}, not {exp.controller[:80]}")
    return method


def _document_for(
    unsecured: dict[str, Any], proof: dict[str, Any], all_proofs: list[Any], suite: Cryptosuite, label: str
) -> dict[str, Any]:
    document = unsecured
    if "@context" not in document:
        raise _ProofFailedError(
            Check.failed(f"{label}.transform", "the document has no @context", PROOF_TRANSFORMATION_ERROR)
        )
    if "previousProof" in proof:
        previous = proof["previousProof"]
        if not (
            isinstance(previous, str) or (isinstance(previous, list) and all(isinstance(p, str) for p in previous))
        ):
            raise _ProofFailedError(
                Check.failed(
                    f"{label}.transform",
                    "previousProof must be a string or a list of strings",
                    PROOF_VERIFICATION_ERROR,
                )
            )
        try:
            document = {**unsecured, "proof": _referenced(all_proofs, previous)}
        except ValueError as exc:
            raise _ProofFailedError(Check.failed(f"{label}.transform", str(exc), PROOF_VERIFICATION_ERROR)) from None
    try:
        return suite.unsecured_for_verify(document, proof)
    except ValueError as exc:
        raise _ProofFailedError(Check.failed(f"{label}.transform", str(exc), PROOF_VERIFICATION_ERROR)) from None
