"""The Verifier: one object holds everything a verification depends on; one call per input.

Configuration arrives once, through the constructor (or ``Verifier.offline()`` / ``Verifier.from_local()``), with
one precedence rule: an explicit argument wins when it is not None, else the field of ``options``. The verifier
outlives a call and keeps what may be reused across calls (verified status lists, the ledger client's index), so a
batch costs what its parts cost. ``vcred.verify_credential`` / ``vcred.verify_presentation`` are one-shot
conveniences that build a Verifier for one call.

    >>> verifier = Verifier.offline()
    >>> verifier.verify_credential("not a credential").verified
    False
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from vcred._time import require_aware, utcnow
from vcred.did import default_resolver
from vcred.did.resolver import DIDResolver
from vcred.errors import UsageError
from vcred.jsonld.loader import DocumentLoader, as_loader
from vcred.report import Check, PresentationReport, VerificationReport
from vcred.verify.options import VerifyOptions
from vcred.verify.replay import ReplayCache

if TYPE_CHECKING:
    from vcred.local import LocalSetting


@runtime_checkable
class StatusFetcher(Protocol):
    """Fetches a status list credential by URL (bytes); vcred.status has directory and in-memory fetchers."""

    def fetch(self, url: str) -> bytes:
        """The bytes served at ``url``; raise vcred.status.StatusFetchError when they cannot be had."""
        ...


@runtime_checkable
class TrustPolicy(Protocol):
    """Decides whether a verified credential's issuer is trusted for its type (vcred.office.TrustRegistry)."""

    def check(
        self,
        document: dict[str, Any],
        *,
        report: VerificationReport,
        now: datetime,
        key_moment: datetime | None = None,
    ) -> Check:
        """A ``vc.trust`` check for ``document`` (the verified view), decided at ``now``.

        ``key_moment`` is when the verified proof establishes the signature (a Data Integrity proof's ``created``,
        a JWT's ``iat``; the earliest in a proof set): the one time to compare with an accreditation's period,
        never a date the credential claims. None when the proof states no time. A policy whose ``check`` does not
        take ``key_moment`` is still called, without it (with a DeprecationWarning when the Verifier is built).
        """
        ...


@runtime_checkable
class LedgerView(Protocol):
    """A verifier's client of a ledger: proven DID histories and anchors (vcred.ledger.LedgerClient)."""

    def did_resolver(self) -> Any:
        """A resolver for did:vcred, proven against the client's checkpoint."""
        ...


def _pick(given: Any, fallback: Any) -> Any:
    return given if given is not None else fallback


class Verifier:
    """Verifies credentials and presentations with one configuration.

    ``status_fetcher`` switches on status checks (verified lists are cached in ``status_cache``, created by default
    and kept for the verifier's life, never past a list's own ``validUntil``); ``ledger`` (a verifier's
    :class:`vcred.ledger.LedgerClient`) switches on the ledger checks and did:vcred; ``trust`` (a
    :class:`vcred.office.TrustRegistry`, or the path of a registry document) the trust check; ``replay_cache``
    refuses a presentation's challenge seen before. ``require_expiry`` refuses a presentation without an expiry (at
    most 30 days). ``require_subject_binding`` (a credentialing office's rule, on by default) requires a presentation
    to name its holder, the holder to control the presenting key and every credential to be about the holder;
    without it a presentation is verified as VC 2.0 allows: ``holder`` optional (the proof then needs only be
    controlled by the DID its key belongs to) and credentials about anyone. Raises UsageError for a dependency of
    the wrong kind.
    """

    def __init__(
        self,
        *,
        resolver: DIDResolver | None = None,
        loader: DocumentLoader | None = None,
        status_fetcher: StatusFetcher | None = None,
        status_cache: Any = None,
        ledger: LedgerView | None = None,
        trust: TrustPolicy | str | Path | None = None,
        replay_cache: ReplayCache | None = None,
        require_expiry: bool = True,
        require_subject_binding: bool = True,
        options: VerifyOptions | None = None,
    ) -> None:
        opts = options or VerifyOptions()
        self.options = opts
        self.ledger: LedgerView | None = _checked_ledger(_pick(ledger, opts.ledger))
        self.resolver: DIDResolver = _pick(resolver, opts.resolver) or _resolver_for(self.ledger)
        self.loader: DocumentLoader = as_loader(_pick(loader, opts.loader))
        self.status_fetcher: StatusFetcher | None = _checked_fetcher(_pick(status_fetcher, opts.status_fetcher))
        cache = _pick(status_cache, opts.status_cache)
        if cache is None and self.status_fetcher is not None:
            from vcred.status.check import StatusListCache

            cache = StatusListCache()
        self.status_cache = cache
        self.trust: TrustPolicy | None = _checked_trust(_pick(trust, opts.trust))
        self.trust_takes_moment = self.trust is not None and _takes_key_moment(self.trust)
        self.replay_cache = replay_cache
        self.require_expiry = require_expiry
        self.require_subject_binding = require_subject_binding
        self._local: Path | None = None  # set by from_local: workers reopen the data directory themselves
        self._local_overrides: dict[str, Any] = {}
        self._lists_verifier: Verifier | None = None

    def replace(self, **changes: Any) -> Verifier:
        """A verifier like this one with some dependencies changed; it shares this one's caches."""
        fields = {
            "resolver": self.resolver,
            "loader": self.loader,
            "status_fetcher": self.status_fetcher,
            "status_cache": self.status_cache,
            "ledger": self.ledger,
            "trust": self.trust,
            "replay_cache": self.replay_cache,
            "require_expiry": self.require_expiry,
            "require_subject_binding": self.require_subject_binding,
            "options": self.options,
        }
        return Verifier(**{**fields, **changes})

    def for_lists(self) -> Verifier:
        """The verifier of status list credentials: this one's resolver, loader and limits, no status, ledger or
        trust of its own (built once: it is on every status check's path)."""
        if self._lists_verifier is None:
            opts = self.options
            self._lists_verifier = Verifier(
                resolver=self.resolver,
                loader=self.loader,
                options=VerifyOptions(
                    max_clock_skew=opts.max_clock_skew,
                    max_bytes=opts.max_bytes,
                    max_depth=opts.max_depth,
                    allowed_algs=opts.allowed_algs,
                    check_schema=opts.check_schema,
                    inline_contexts=opts.inline_contexts,
                ),
            )
        return self._lists_verifier

    @classmethod
    def offline(cls, **kwargs: Any) -> Verifier:
        """Bundled contexts and the offline DID methods (did:key, did:jwk; did:web only with a fetcher)."""
        return cls(**kwargs)

    @classmethod
    def from_local(cls, setting: LocalSetting | str | Path, **kwargs: Any) -> Verifier:
        """The status lists and the ledger (through its configured trust) of a local data directory."""
        from vcred.local import LocalSetting

        local = setting if isinstance(setting, LocalSetting) else LocalSetting(Path(setting))
        verifier = cls(**{**local.verifier_environment(), **kwargs})
        verifier._local, verifier._local_overrides = local.root, dict(kwargs)
        return verifier

    # -- calls ---------------------------------------------------------------------------------------------------
    def check_trust(
        self, document: dict[str, Any], report: VerificationReport, *, now: datetime, key_moment: datetime | None
    ) -> Check:
        """The trust policy's ``vc.trust`` check, given the proof's moment when the policy takes it."""
        if self.trust is None:
            raise UsageError("this verifier has no trust policy")
        if self.trust_takes_moment:
            return self.trust.check(document, report=report, now=now, key_moment=key_moment)
        older: Any = self.trust  # a policy written before key_moment (warned about when the verifier was built)
        result: Check = older.check(document, report=report, now=now)
        return result

    def at(self, now: datetime | None, anchor_proofs: Sequence[Any] = ()) -> Call:
        """The settings of one call: this verifier, one moment, the anchor proofs presented with the input."""
        moment = require_aware(now) if now is not None else (self.options.now or utcnow())
        return Call(self, moment, (*self.options.anchor_proofs, *anchor_proofs))

    def verify_credential(
        self,
        credential: dict[str, Any] | str | bytes,
        *,
        now: datetime | None = None,
        anchor_proofs: Sequence[Any] = (),
    ) -> VerificationReport:
        """Verify one credential (Data Integrity dict or JSON text, or vc+jwt); never raises for bad input."""
        from vcred.verify.credential import run_credential

        return run_credential(credential, self.at(now, anchor_proofs))

    def verify_presentation(
        self,
        presentation: dict[str, Any] | str | bytes,
        *,
        challenge: str,
        domain: str,
        now: datetime | None = None,
    ) -> PresentationReport:
        """Verify a presentation against the challenge and domain this verifier gave the holder."""
        from vcred.verify.presentation import run_presentation

        if not (isinstance(challenge, str) and challenge) or not (isinstance(domain, str) and domain):
            raise UsageError("verify_presentation needs the challenge and domain you gave the holder")
        return run_presentation(presentation, self.at(now), challenge=challenge, domain=domain)

    def verify_many(
        self,
        credentials: Iterable[dict[str, Any] | str | bytes],
        *,
        now: datetime | None = None,
        workers: int = 1,
    ) -> list[VerificationReport]:
        """Verify many credentials at one moment; reports come back in input order.

        With ``workers`` > 1 the batch is spread over that many processes (each keeps its own caches, so a status
        list is fetched and verified once per worker). A verifier with a ledger must come from
        :meth:`from_local` to be shared with workers: each worker opens the data directory itself, never the
        parent's database connection. Where processes cannot be forked the batch runs in this process.
        """
        if not isinstance(workers, int) or workers < 1:
            raise UsageError(f"workers must be a positive integer, not {workers!r}")
        moment = self.at(now).now
        items = list(credentials)
        if workers == 1 or len(items) < 2 * workers or not _can_fork():
            return [self.verify_credential(c, now=moment) for c in items]
        if self.ledger is not None and self._local is None:
            raise UsageError(
                "a verifier whose ledger client was built by hand cannot be shared with worker processes",
                hint="build it with Verifier.from_local(data_dir), or verify with workers=1",
            )
        import multiprocessing

        size = -(-len(items) // (workers * 4))  # a few chunks per worker evens out uneven credentials
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        import gc

        context = multiprocessing.get_context("fork")
        collecting = gc.isenabled()
        gc.freeze()  # objects the workers inherit stay out of their collections: fewer copy-on-write page copies
        try:
            with context.Pool(workers, initializer=_start_worker, initargs=(self, collecting)) as pool:
                # meanwhile this process only unpickles reports: a collection would free next to nothing, yet
                # rescan every report received so far (on a batch of 10 000, a fifth of a core taken from the workers)
                gc.disable()
                done = pool.map(_verify_chunk, [(chunk, moment) for chunk in chunks])
        finally:
            if collecting:
                gc.enable()
            gc.unfreeze()
        return [report for chunk in done for report in chunk]


_worker: Verifier | None = None


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _start_worker(parent: Verifier, collecting: bool = True) -> None:
    """In a forked worker: a verifier of its own (a local setting is opened afresh, never the parent's handles), and
    the garbage collection the caller had (a worker forked while the parent waits for reports inherits it off)."""
    global _worker
    if collecting:
        import gc

        gc.enable()
    if parent._local is not None:
        _worker = Verifier.from_local(parent._local, **parent._local_overrides)
    else:
        _worker = parent


def _verify_chunk(job: tuple[list[Any], datetime]) -> list[VerificationReport]:
    chunk, moment = job
    assert _worker is not None
    return [_worker.verify_credential(c, now=moment) for c in chunk]


@dataclass(frozen=True)
class Call:
    """One verification call: the verifier's settings, one moment (one time per decision), presented proofs."""

    verifier: Verifier
    now: datetime
    anchor_proofs: tuple[Any, ...] = ()

    @property
    def opts(self) -> VerifyOptions:
        """The verifier's options (limits, skew, algorithms…)."""
        return self.verifier.options

    def with_anchor_proofs(self, proofs: Sequence[Any]) -> Call:
        """The same call with the anchor proofs a presentation carries (for the credentials inside it)."""
        return Call(self.verifier, self.now, (*self.anchor_proofs, *proofs))

    def without_extras(self) -> Call:
        """For a status list credential: the same time and keys, no status, ledger or trust of its own."""
        return Call(self.verifier.for_lists(), self.now)


def _resolver_for(ledger: LedgerView | None) -> DIDResolver:
    """The offline methods, plus did:vcred through the ledger client when one is given."""
    if ledger is None:
        return default_resolver()
    return default_resolver().with_method("vcred", ledger.did_resolver())


def _checked_ledger(ledger: Any) -> LedgerView | None:
    if ledger is None:
        return None
    from vcred.ledger.log import Ledger

    if isinstance(ledger, Ledger):
        raise UsageError(
            "ledger= takes a verifier's LedgerClient, not the operator's Ledger (which holds the signing key)",
            hint="use LocalSetting.client() or LedgerClient(ledger.reader(), ...) with the keys you trust",
        )
    if not isinstance(ledger, LedgerView):
        raise UsageError(f"ledger= must be a LedgerClient, not {type(ledger).__name__}")
    return ledger


def _checked_fetcher(fetcher: Any) -> StatusFetcher | None:
    if fetcher is None:
        return None
    if not isinstance(fetcher, StatusFetcher):
        raise UsageError(
            f"status_fetcher= must have fetch(url) -> bytes, not {type(fetcher).__name__}",
            hint="vcred.status.DirectoryFetcher or MemoryFetcher, or your own",
        )
    return fetcher


def _takes_key_moment(policy: TrustPolicy) -> bool:
    """Whether ``policy.check`` accepts ``key_moment`` (policies written before it was passed do not)."""
    try:
        parameters = inspect.signature(policy.check).parameters.values()
    except (TypeError, ValueError):  # no signature to read: call it as the protocol was first declared
        parameters = None
    if parameters is not None and any(
        p.name == "key_moment" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    ):
        return True
    warnings.warn(
        f"{type(policy).__name__}.check() does not take key_moment: it is called without the moment the proof "
        "establishes, so it cannot compare an accreditation's period with when the credential was signed; add "
        "`key_moment: datetime | None = None` to it",
        DeprecationWarning,
        stacklevel=3,
    )
    return False


def _checked_trust(trust: Any) -> TrustPolicy | None:
    if trust is None:
        return None
    if isinstance(trust, str | Path):
        from vcred.office.trust import TrustRegistry

        return TrustRegistry(Path(trust))
    if not isinstance(trust, TrustPolicy):
        raise UsageError(
            f"trust= must be a TrustRegistry (or the path of a registry document), not {type(trust).__name__}"
        )
    return trust
