"""Test helpers for vcred and for users' own tests: deterministic keys, a static resolver, fixed time, and
:class:`CredentialingWorld`, every party of the credentialing story (issuers, ledger and witnesses, status lists,
the holder's wallet, the office's verifier, registry and policy) real and small, on one clock.

Nothing here is safe for production: the keys are derived from public names, the passphrases are constants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from vcred._time import parse_datetime_stamp, require_aware
from vcred.crypto.keys import Ed25519SigningKey, sha256
from vcred.did.resolver import DIDResolver, ResolutionResult, split_did_url
from vcred.errors import ResolutionError, UsageError
from vcred.examples import ISSUER_ROLES, accreditation_credentials, radiologist_credentials
from vcred.examples.office import POLICY, trust_registry
from vcred.issuer import IssuerAccount
from vcred.jose.vc_jwt import peek_payload
from vcred.ledger.anchors import BatchProof, credential_hash
from vcred.local import LocalSetting
from vcred.model.credential import issuer_id
from vcred.model.families import FAMILIES
from vcred.office import CredentialingDecision, TrustRegistry, evaluate
from vcred.report import PresentationReport, VerificationReport
from vcred.verify.credential import verify_credential
from vcred.verify.options import VerifyOptions
from vcred.verify.presentation import verify_presentation
from vcred.verify.replay import ReplayCache
from vcred.wallet import UNSAFE_FAST_KDF_FOR_TESTS, Wallet

FIXED_NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


def insecure_seeded_key(name: str) -> Ed25519SigningKey:
    """A deterministic Ed25519 key derived from ``name``. Anyone who knows the name has the key: tests only."""
    return Ed25519SigningKey(sha256(b"vcred insecure test key: " + name.encode("utf-8")))


class StaticResolver:
    """Resolves from fixed results (for DIDs of methods that would need a network), else delegates."""

    def __init__(self, results: dict[str, ResolutionResult], fallback: DIDResolver | None = None) -> None:
        self._results = dict(results)
        self._fallback = fallback

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """Return the fixed result for ``did`` or ask the fallback resolver."""
        bare, _ = split_did_url(did)
        if bare in self._results:
            return self._results[bare]
        if self._fallback is not None:
            return self._fallback.resolve(bare, as_of=as_of)
        raise ResolutionError(f"{bare} is not known to this static resolver")


def sample_credential(issuer: str, subject: str, **claims: Any) -> dict[str, Any]:
    """A minimal VC 2.0 credential (types and terms from the VC 2.0 context only)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, **claims},
    }


# -- a world of real parties to test in ----------------------------------------------------------------------------

WORLD_RECOVERY = "the world's recovery passphrase (tests only)"
"""The recovery passphrase every issuer of a :class:`CredentialingWorld` seals its next key under."""
WORLD_WALLET_PASSPHRASE = "the world's wallet passphrase (tests only)"  # noqa: S105 - public on purpose
"""The passphrase of the holder's wallet in a :class:`CredentialingWorld`."""
WORLD_CHALLENGE = "n-world"
"""The challenge a :class:`CredentialingWorld` presents and verifies with unless told another."""
WORLD_DOMAIN = "credentialing.stmarys.example"
"""The verifier's domain in a :class:`CredentialingWorld` (St. Mary's, the example office)."""
WORLD_WITNESSES = ("witness-a.example", "witness-b.example")
"""The witnesses a :class:`CredentialingWorld` runs unless told otherwise."""


class RetiredKey(NamedTuple):
    """The key an issuer signed with before :meth:`CredentialingWorld.rotate`, kept to play the thief."""

    key: Ed25519SigningKey
    verification_method: str


def _placeholder(role: str) -> str:
    return insecure_seeded_key(f"vcred world placeholder {role}").public_key.did_key


def _swap_dids(value: Any, dids: Mapping[str, str]) -> Any:
    """``value`` with every string that is a key of ``dids`` replaced by its value (at any depth)."""
    if isinstance(value, dict):
        return {k: _swap_dids(v, dids) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_dids(v, dids) for v in value]
    if isinstance(value, str):
        return dids.get(value, value)
    return value


def _dids_in(value: Any, wanted: Mapping[str, str]) -> set[str]:
    """The keys of ``wanted`` that occur as strings in ``value``."""
    if isinstance(value, dict):
        return set().union(*(_dids_in(v, wanted) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_dids_in(v, wanted) for v in value)) if value else set()
    return {value} if isinstance(value, str) and value in wanted else set()


class CredentialingWorld:
    """Every party of vcred's story, real and small, driven by one clock: for tests, notebooks and experiments.

    In the spirit of python-tuf's ``RepositorySimulator``: nothing is mocked. Issuers are :class:`IssuerAccount`
    s with did:vcred DIDs in a :class:`LocalSetting` under ``root`` (a fast, unsafe KDF seals their next keys); their
    status lists are published as files read by the real :class:`DirectoryFetcher`; the SQLite ledger has witnesses
    that cosign every checkpoint; the verifier's :class:`LedgerClient` trusts the ledger only through the real trust
    step (:meth:`LocalSetting.trust_local_ledger`, quorum: every witness); the holder keeps an encrypted
    :class:`Wallet`; the office decides with the example trust registry (accreditations signed by the world's
    accreditors) and the example policy (:data:`vcred.examples.office.POLICY`).

    Every operation happens at the world's :attr:`now` (never the wall clock), which only :meth:`advance` moves.
    Issuers are the example roles (:data:`vcred.examples.ISSUER_ROLES`) or any other names you declare, each created
    in the ledger when first used, so a world costs little until it is used.

    Nothing here is safe for production: passphrases are public constants and the KDF is the fastest there is.

    Example::

        world = CredentialingWorld.create(tmp_path)
        world.issue_examples()                      # Dr. Okafor's twelve credentials, in her wallet
        vp = world.present(categories=["education", "board", "cme", "license", "malpractice"])
        assert world.evaluate(vp).approved
        world.revoke(world.credential("BoardCertificationCredential"))
        assert not world.evaluate(vp).approved      # same presentation, re-verified: the board was revoked
    """

    def __init__(
        self,
        root: Path,
        *,
        issuers: Sequence[str],
        now: datetime,
        witnesses: Sequence[str],
    ) -> None:
        """Use :meth:`create`."""
        self.root = Path(root)
        self.now = require_aware(now)
        self.setting = LocalSetting(self.root / "data")
        for name in witnesses:
            self.setting.witness(name)
        self.ledger = self.setting.ledger()
        self.setting.trust_local_ledger()  # the verifier's one configuration step: every witness must cosign
        self.client = self.setting.client(self.ledger)
        self.fetcher = self.setting.fetcher()
        self.wallet = Wallet.create(self.root / "holder.vcw", WORLD_WALLET_PASSPHRASE, kdf=UNSAFE_FAST_KDF_FOR_TESTS)
        self.policy: dict[str, Any] = POLICY
        self._names = tuple(dict.fromkeys(issuers))
        self._accounts: dict[str, IssuerAccount] = {}
        self._last_use: dict[str, int] = {}
        self._changed: set[str] = set()
        self._anchor_proofs: dict[bytes, BatchProof] = {}
        self._issued: list[dict[str, Any] | str] = []
        self._registry: TrustRegistry | None = None
        self._accreditations: list[dict[str, Any] | str] = []

    @classmethod
    def create(
        cls,
        root: str | Path,
        *,
        issuers: Sequence[str] = ISSUER_ROLES,
        now: datetime = FIXED_NOW,
        witnesses: Sequence[str] = WORLD_WITNESSES,
    ) -> CredentialingWorld:
        """A new world in the empty directory ``root``: a ledger with ``witnesses``, a verifier trusting it, a
        holder's wallet; ``issuers`` are the issuer names it knows (created when first used); its clock starts at
        ``now``. Raises UsageError for a naive ``now`` or a directory that already holds a world.

        Example::

            world = CredentialingWorld.create(tmp_path, issuers=["board", "mill"], now=FIXED_NOW)
        """
        target = Path(root)
        if (target / "data").exists():
            raise UsageError(f"{target} already holds a world", hint="give each world its own directory")
        return cls(target, issuers=issuers, now=now, witnesses=witnesses)

    # -- the clock ------------------------------------------------------------------------------------------------
    def advance(self, delta: timedelta) -> datetime:
        """Move the world's clock forward by ``delta`` and return the new :attr:`now` (UsageError for a step back).

        Example::

            world.advance(timedelta(days=366))   # the board certification's validUntil has passed
        """
        if delta < timedelta(0):
            raise UsageError("the world's clock only moves forward")
        self.now += delta
        return self.now

    # -- issuers -------------------------------------------------------------------------------------------------
    @property
    def issuer_names(self) -> tuple[str, ...]:
        """The issuers this world knows (created or not)."""
        return self._names

    def issuer(self, name: str) -> IssuerAccount:
        """The issuer ``name``, its did:vcred created in the ledger now if this is its first use.

        Example::

            board = world.issuer("board")        # board.did, board.key, board.verification_method
        """
        account = self._accounts.get(name)
        if account is None:
            if name not in self._names:
                raise UsageError(f"this world has no issuer {name!r}", hint=f"declare it: issuers=[..., {name!r}]")
            account = IssuerAccount.create(
                self.setting,
                name,
                recovery=WORLD_RECOVERY,
                kdf=UNSAFE_FAST_KDF_FOR_TESTS,
                now=self.now,
                ledger=self.ledger,
            )
            self._accounts[name] = account
            self._used(name)
        return account

    def did(self, name: str) -> str:
        """The DID of issuer ``name`` (creating it on first use)."""
        return self.issuer(name).did

    def _used(self, name: str) -> None:
        self._last_use[name] = int(self.now.timestamp())

    def _account_of(self, credential: dict[str, Any] | str) -> IssuerAccount:
        claims = peek_payload(credential) if isinstance(credential, str) else credential
        did = issuer_id(claims) if isinstance(claims, dict) else None
        for account in self._accounts.values():
            if account.did == did:
                return account
        raise UsageError(f"the credential's issuer {did} is not one of this world's issuers")

    # -- issuing ---------------------------------------------------------------------------------------------------
    def _example(self, kind: str) -> tuple[dict[str, Any], str, dict[str, str]]:
        """The first example credential of ``kind`` (with placeholder DIDs), its issuer's role, and the
        placeholders (placeholder DID → role)."""
        placeholders = {role: _placeholder(role) for role in ISSUER_ROLES}
        examples = radiologist_credentials(placeholders, self.wallet.holder_did, now=self.now)
        examples += accreditation_credentials(placeholders, now=self.now)
        for example in examples:
            if kind in example["type"]:
                roles = {did: role for role, did in placeholders.items()}
                return example, roles[example["issuer"]], roles
        raise UsageError(f"there is no example {kind}", hint=f"one of {', '.join(sorted(FAMILIES))}")

    def _real(self, document: Any, roles: Mapping[str, str]) -> Any:
        """``document`` with each placeholder DID replaced by its role's real DID (creating those issuers)."""
        return _swap_dids(document, {did: self.did(roles[did]) for did in _dids_in(document, roles)})

    def issue(
        self,
        kind: str,
        *,
        claims: Mapping[str, Any] | None = None,
        issuer: str | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | timedelta | None = None,
        suite: str = "eddsa-rdfc-2022",
        publish: bool = True,
    ) -> dict[str, Any] | str:
        """Sign a family credential of ``kind`` for the holder, from the example data with ``claims`` merged
        into its subject, as ``issuer`` (default: the example's issuer), with revocation and suspension entries.

        ``valid_until`` is a moment or a lifetime from now (default: the example's). The credential goes into the
        holder's wallet when it is about the holder; with ``publish`` its issuer publishes its lists at once.
        Raises UsageError for an unknown kind or issuer.

        Example::

            board = world.issue("BoardCertificationCredential", claims={"subspecialty": "Pediatric Radiology"},
                                valid_until=timedelta(days=30))
        """
        example, role, roles = self._example(kind)
        account = self.issuer(issuer or role)
        subject = {**self._real(example["credentialSubject"], roles), **(claims or {})}
        if isinstance(valid_until, timedelta):
            valid_until = self.now + valid_until
        elif valid_until is None and "validUntil" in example:
            valid_until = parse_datetime_stamp(example["validUntil"])
        signed = account.issue(
            kind,
            subject,
            valid_from=valid_from or parse_datetime_stamp(example["validFrom"]),
            valid_until=valid_until,
            suite=suite,
            now=self.now,
        )
        self._after_signing(account, signed, publish)
        return signed

    def issue_examples(self, *, suite: str = "eddsa-rdfc-2022") -> list[dict[str, Any] | str]:
        """Every example credential of the radiologist (:func:`vcred.examples.radiologist_credentials`: twelve, from
        eight issuers), signed, in the wallet, each issuer's lists published once.

        Example::

            credentials = world.issue_examples()
        """
        placeholders = {role: _placeholder(role) for role in ISSUER_ROLES}
        roles = {did: role for role, did in placeholders.items()}
        out = []
        for example in radiologist_credentials(placeholders, self.wallet.holder_did, now=self.now):
            account = self.issuer(roles[example["issuer"]])
            unsigned = account.attach_status(self._real(example, roles))
            signed = account.sign(unsigned, suite=suite, now=self.now)
            self._after_signing(account, signed, publish=False, save=False)  # publish() below saves
            out.append(signed)
        self.publish()
        return out

    def _after_signing(
        self, account: IssuerAccount, signed: dict[str, Any] | str, publish: bool, *, save: bool = True
    ) -> None:
        self._used(account.name)
        self._changed.add(account.name)
        self._issued.append(signed)
        claims = peek_payload(signed) if isinstance(signed, str) else signed
        if claims.get("credentialSubject", {}).get("id") == self.wallet.holder_did:
            self.wallet.import_credential(signed, verify=False, now=self.now)
        if publish:
            self.publish(account.name)
        elif save:
            account.save(self.setting)

    @property
    def issued(self) -> list[dict[str, Any] | str]:
        """Every credential this world's issuers signed, in order (accreditations included)."""
        return list(self._issued)

    def credential(self, kind: str, *, issuer: str | None = None) -> dict[str, Any] | str:
        """The newest credential of ``kind`` issued in this world (by ``issuer``); UsageError if there is none.

        Example::

            world.revoke(world.credential("MedicalLicenseCredential"))
        """
        wanted = self.did(issuer) if issuer else None
        for signed in reversed(self._issued):
            claims: dict[str, Any] = peek_payload(signed) if isinstance(signed, str) else signed
            if kind in claims.get("type", []) and wanted in (None, issuer_id(claims)):
                found: dict[str, Any] | str = signed
                return found
        raise UsageError(f"no {kind} was issued in this world")

    # -- status -----------------------------------------------------------------------------------------------------
    def _set_status(self, credential: dict[str, Any] | str, purpose: str, value: bool, publish: bool) -> None:
        account = self._account_of(credential)
        account.set_status(credential, purpose, value, setting=self.setting, ledger=self.ledger, now=self.now)
        self._used(account.name)
        self._changed.add(account.name)
        if publish:
            self.publish(account.name)
        else:
            account.save(self.setting)

    def revoke(self, credential: dict[str, Any] | str, *, publish: bool = True) -> None:
        """Its issuer revokes ``credential`` (for good) and, with ``publish``, publishes the new list version.

        Example::

            world.revoke(board)      # verifiers see `vc.status.revocation` fail from now on
        """
        self._set_status(credential, "revocation", True, publish)

    def suspend(self, credential: dict[str, Any] | str, *, publish: bool = True) -> None:
        """Its issuer suspends ``credential`` (until :meth:`reinstate`) and, with ``publish``, publishes.

        Example::

            world.suspend(board); world.reinstate(board)
        """
        self._set_status(credential, "suspension", True, publish)

    def reinstate(self, credential: dict[str, Any] | str, *, publish: bool = True) -> None:
        """Its issuer lifts the suspension of ``credential`` and, with ``publish``, publishes.

        Example::

            world.reinstate(board)
        """
        self._set_status(credential, "suspension", False, publish)

    def publish(self, *names: str) -> list[str]:
        """Issuers ``names`` (default: every issuer with unpublished changes) sign and publish new versions of
        their status lists, each anchored in the ledger; returns the names that published.

        Example::

            world.revoke(board, publish=False)   # verifiers still see the old list...
            world.publish()                       # ...until now
        """
        chosen = list(names) or sorted(self._changed)
        for name in chosen:
            self.issuer(name).publish(self.setting, now=self.now, ledger=self.ledger)
            self._used(name)
            self._changed.discard(name)
        return chosen

    # -- anchors and keys ---------------------------------------------------------------------------------------
    def anchor(self, *credentials: dict[str, Any] | str) -> list[BatchProof]:
        """Each credential's issuer anchors it (one batch per issuer); the proofs go into the wallet with their
        credentials, and the world's verifier uses them. Returns the proofs in the order given.

        Example::

            world.anchor(board)          # board keeps verifying after world.rotate("board")
        """
        if not credentials:
            raise UsageError("anchor at least one credential")
        batches: dict[str, list[dict[str, Any] | str]] = {}
        for credential in credentials:
            batches.setdefault(self._account_of(credential).name, []).append(credential)
        for name, batch in batches.items():
            proofs = self.issuer(name).anchor(batch, self.setting, now=self.now, ledger=self.ledger)
            self._used(name)
            for credential, proof in zip(batch, proofs, strict=True):
                self._anchor_proofs[credential_hash(credential)] = proof
                if any(c.credential == credential for c in self.wallet.credentials):
                    self.wallet.import_credential(credential, verify=False, anchor_proof=proof, now=self.now)
        return [self._anchor_proofs[credential_hash(c)] for c in credentials]

    def rotate(self, name: str) -> RetiredKey:
        """Issuer ``name`` rotates to its pre-committed key; returns the retired key (to play a thief with).

        Ledger and proof times are whole seconds: if the issuer used its key in the current second, the clock moves
        on one second first. Credentials signed before keep verifying where :meth:`anchor` proved their issuance.

        Example::

            retired = world.rotate("board")
            forged = vcred.issue_credential(unsigned, retired.key,
                                            verification_method=retired.verification_method, now=before)
        """
        account = self.issuer(name)
        if self._last_use.get(name, -1) >= int(self.now.timestamp()):
            self.advance(timedelta(seconds=1))
        retired = RetiredKey(account.key, account.verification_method)
        account.rotate(
            self.setting, recovery=WORLD_RECOVERY, now=self.now, ledger=self.ledger, kdf=UNSAFE_FAST_KDF_FOR_TESTS
        )
        self._used(name)
        return retired

    # -- the holder ---------------------------------------------------------------------------------------------
    def present(
        self,
        *,
        categories: Sequence[str] = (),
        types: Sequence[str] = (),
        challenge: str = WORLD_CHALLENGE,
        domain: str = WORLD_DOMAIN,
        expires: timedelta = timedelta(hours=1),
        suite: str = "eddsa-rdfc-2022",
    ) -> dict[str, Any] | str:
        """The holder presents the wallet's credentials of ``categories`` / ``types`` (with their anchor proofs),
        bound to ``challenge`` and ``domain``, valid for ``expires``.

        Example::

            vp = world.present(categories=["board", "license"], challenge="n-1", suite="vp+jwt")
        """
        return self.wallet.present(
            categories=categories,
            types=types,
            challenge=challenge,
            domain=domain,
            expires=expires,
            suite=suite,
            now=self.now,
        )

    # -- the verifier and the office -------------------------------------------------------------------------------
    @property
    def registry(self) -> TrustRegistry:
        """The office's trust registry (:func:`vcred.examples.office.trust_registry` over this world's DIDs) with the
        example accreditations, signed and anchored by this world's accreditors when first asked for; each
        accreditation is verified, at each decision, by this world's verifier.

        Example::

            world.revoke(world.accreditation("cme-a"))   # the CME chain of trust breaks
        """
        if self._registry is None:
            placeholders = {role: _placeholder(role) for role in ISSUER_ROLES}
            roles = {did: role for role, did in placeholders.items()}
            document = trust_registry({role: self.did(role) for role in ISSUER_ROLES})
            by_issuer: dict[str, list[dict[str, Any] | str]] = {}
            for unsigned in accreditation_credentials(placeholders, now=self.now):
                account = self.issuer(roles[unsigned["issuer"]])
                signed = account.sign(account.attach_status(self._real(unsigned, roles)), now=self.now)
                self._after_signing(account, signed, publish=False, save=False)  # publish() below saves
                by_issuer.setdefault(account.name, []).append(signed)
                self._accreditations.append(signed)
            for batch in by_issuer.values():
                self.anchor(*batch)
            self.publish(*by_issuer)  # their lists only: other issuers' unpublished changes stay unpublished
            self._registry = TrustRegistry(
                document,
                accreditations=self._accreditations,
                verify=lambda credential, at: self._verify(credential, at, trust=False),
            )
        return self._registry

    def accreditation(self, accredited: str) -> dict[str, Any] | str:
        """The registry's accreditation of issuer ``accredited`` (e.g. ``"cme-a"``), signed by its accreditor."""
        self.registry  # noqa: B018 - signs the accreditations on first use
        did = self.did(accredited)
        for signed in self._accreditations:
            claims = peek_payload(signed) if isinstance(signed, str) else signed
            if claims["credentialSubject"]["id"] == did:
                return signed
        raise UsageError(f"no accreditation of {accredited!r} in the example registry")

    def sync(self) -> None:
        """The verifier adopts the ledger's newest checkpoint (cosigned by the witnesses; done before each check)."""
        self.client.sync()

    def _options(self, options: VerifyOptions | None, *credentials: Any) -> VerifyOptions:
        known = [self._anchor_proofs[h] for c in credentials if (h := credential_hash(c)) in self._anchor_proofs]
        base = options or VerifyOptions()
        return replace(base, anchor_proofs=[*base.anchor_proofs, *known]) if known else base

    def _verify(
        self, credential: dict[str, Any] | str, at: datetime, *, trust: bool, options: VerifyOptions | None = None
    ) -> VerificationReport:
        self.sync()
        return verify_credential(
            credential,
            now=at,
            status_fetcher=self.fetcher,
            ledger=self.client,
            trust=self.registry if trust else None,
            options=self._options(options, credential),
        )

    def verify_credential(
        self, credential: dict[str, Any] | str, *, trust: bool = True, options: VerifyOptions | None = None
    ) -> VerificationReport:
        """Verify ``credential`` now as the office would: status lists through the fetcher, the ledger through the
        trusted client (with any anchor proof this world made for it), and, with ``trust``, the trust registry.

        Example::

            report = world.verify_credential(board)
            report.check("vc.valid_until")
        """
        return self._verify(credential, self.now, trust=trust, options=options)

    def verify_presentation(
        self,
        presentation: dict[str, Any] | str,
        *,
        challenge: str = WORLD_CHALLENGE,
        domain: str = WORLD_DOMAIN,
        trust: bool = True,
        replay_cache: ReplayCache | None = None,
        options: VerifyOptions | None = None,
    ) -> PresentationReport:
        """Verify ``presentation`` now against ``challenge`` and ``domain``, as :meth:`verify_credential` does each
        credential (anchor proofs travel in the presentation).

        Example::

            report = world.verify_presentation(vp, challenge="n-1")
        """
        self.sync()
        return verify_presentation(
            presentation,
            challenge=challenge,
            domain=domain,
            now=self.now,
            status_fetcher=self.fetcher,
            ledger=self.client,
            trust=self.registry if trust else None,
            replay_cache=replay_cache,
            options=options,
        )

    def evaluate(
        self,
        presentation: dict[str, Any] | str | PresentationReport,
        *,
        challenge: str = WORLD_CHALLENGE,
        domain: str = WORLD_DOMAIN,
        policy: Mapping[str, Any] | None = None,
    ) -> CredentialingDecision:
        """The office's decision now on ``presentation`` (verified first, unless it is already a report) under
        ``policy`` (default: :data:`vcred.examples.office.POLICY`).

        Example::

            decision = world.evaluate(vp)
            decision.approved, [(r.id, r.outcome, r.reason) for r in decision.requirements]
        """
        report = (
            presentation
            if isinstance(presentation, PresentationReport)
            else self.verify_presentation(presentation, challenge=challenge, domain=domain)
        )
        return evaluate(report, dict(policy or self.policy), now=self.now)
