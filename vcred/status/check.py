"""Verifier side of Bitstring Status Lists (spec §3.2 validation algorithm): one Check per status entry.

The list credential is fetched through the caller's fetcher, verified as a credential in its own right (proof,
validity), must come from the same issuer and declare the entry's purpose; its decoded bits are cached by URL so
repeated checks cost microseconds.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vcred._time import parse_datetime_stamp
from vcred.model.credential import is_url, issuer_id
from vcred.report import Check, VerificationReport
from vcred.status.bitstring import Bitstring, StatusListError
from vcred.status.fetch import StatusFetcher, StatusFetchError

MAX_ENTRIES_PER_CREDENTIAL = 8
_PURPOSE = re.compile(r"^[a-z][a-zA-Z0-9_-]{0,30}\Z")
_INDEX = re.compile(r"^(0|[1-9][0-9]{0,9})\Z")
_HEX_STATUS = re.compile(r"^0x[0-9a-fA-F]{1,2}\Z")
MAX_STATUS_SIZE = 8


@dataclass(frozen=True)
class VerifiedList:
    """A verified, decoded status list."""

    url: str
    issuer: str
    purposes: tuple[str, ...]
    bits: Bitstring
    sha256: str
    version: str
    valid_from: str | None
    valid_until: datetime | None
    fetched_at: datetime


class StatusListCache:
    """Verified lists by URL, reused for ``max_age`` (and never past the list's own ``validUntil``)."""

    def __init__(self, max_age: timedelta = timedelta(minutes=5)) -> None:
        self.max_age = max_age
        self._lists: dict[str, VerifiedList] = {}
        self._lock = threading.Lock()

    def get(self, url: str, now: datetime, status_size: int = 1) -> VerifiedList | None:
        """A fresh cached list decoded with ``status_size`` bits per entry, or None."""
        entry = self._lists.get(url)
        if entry is None or entry.bits.status_size != status_size or now - entry.fetched_at > self.max_age:
            return None
        if entry.valid_until is not None and now > entry.valid_until:
            return None
        return entry

    def put(self, entry: VerifiedList) -> None:
        """Remember a verified list."""
        with self._lock:
            self._lists[entry.url] = entry

    def forget(self, url: str) -> bool:
        """Forget the list cached for ``url`` (say, the ledger anchors a newer version); True if one was cached."""
        with self._lock:
            return self._lists.pop(url, None) is not None

    def clear(self) -> None:
        """Forget every list (e.g. after the issuer publishes)."""
        with self._lock:
            self._lists.clear()


class _StatusFailedError(Exception):
    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _load(
    url: str,
    fetcher: StatusFetcher,
    verify_list: Callable[[str], VerificationReport],
    now: datetime,
    status_size: int,
) -> VerifiedList:
    try:
        raw = fetcher.fetch(url)
    except StatusFetchError as exc:
        raise _StatusFailedError(str(exc), "STATUS_RETRIEVAL_ERROR") from None
    except Exception as exc:  # a caller's fetcher must not crash the verifier
        raise _StatusFailedError(
            f"fetching {url[:120]} failed: {type(exc).__name__}", "STATUS_RETRIEVAL_ERROR"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _StatusFailedError("the status list is not UTF-8 text", "STATUS_VERIFICATION_ERROR") from None
    report = verify_list(text)
    if not report.verified or report.credential is None:
        first = report.failures[0].reason if report.failures else "it did not verify"
        raise _StatusFailedError(f"the status list credential does not verify: {first}", "STATUS_VERIFICATION_ERROR")
    document = report.credential
    if "BitstringStatusListCredential" not in report.types:
        raise _StatusFailedError("the document is not a BitstringStatusListCredential", "STATUS_VERIFICATION_ERROR")
    if document.get("id") != url:
        # a CDN or network attacker could serve another current list of the same issuer for this URL
        raise _StatusFailedError(
            f"the list served for {url[:120]} is the list {str(document.get('id'))[:120]!r}, not the one requested",
            "STATUS_VERIFICATION_ERROR",
        )
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise _StatusFailedError("the list's subject is not a BitstringStatusList", "STATUS_VERIFICATION_ERROR")
    purposes = subject.get("statusPurpose")
    purpose_list = tuple(p for p in (purposes if isinstance(purposes, list) else [purposes]) if isinstance(p, str))
    try:
        bits = Bitstring.decode(subject.get("encodedList"), status_size=status_size)
    except StatusListError as exc:
        raise _StatusFailedError(str(exc), exc.code) from None
    until = document.get("validUntil")
    return VerifiedList(
        url=url,
        issuer=issuer_id(document) or "",
        purposes=purpose_list,
        bits=bits,
        sha256=hashlib.sha256(raw).hexdigest(),
        version=str(subject.get("id", "")).rsplit("#", 1)[-1] if "#" in str(subject.get("id", "")) else "",
        valid_from=document.get("validFrom") if isinstance(document.get("validFrom"), str) else None,
        valid_until=parse_datetime_stamp(until) if isinstance(until, str) else None,
        fetched_at=now,
    )


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "a status entry must be an object"
    if entry.get("type") != "BitstringStatusListEntry":
        return f"unsupported status type {str(entry.get('type'))[:60]!r}"
    if not isinstance(entry.get("statusPurpose"), str) or not _PURPOSE.match(entry["statusPurpose"]):
        return "statusPurpose is missing or malformed"
    if not isinstance(entry.get("statusListIndex"), str) or not _INDEX.match(entry["statusListIndex"]):
        return "statusListIndex must be a base-10 integer written as a string"
    if not is_url(entry.get("statusListCredential")):
        return "statusListCredential must be a URL"
    if entry.get("id") == entry["statusListCredential"]:
        return "the entry's id must not be the list's URL"
    return _size_problem(entry)


def _size_problem(entry: dict[str, Any]) -> str | None:
    """statusSize, statusMessage and statusReference per the spec's data model (sizes above 8 bits unsupported)."""
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        return "statusSize must be a positive integer"
    if size > MAX_STATUS_SIZE:
        return f"statusSize {size} is not supported (at most {MAX_STATUS_SIZE} bits)"
    if size > 1 and "statusMessage" not in entry:
        return "statusMessage is required when statusSize is greater than 1"
    if "statusMessage" in entry and _messages(entry["statusMessage"], size) is None:
        return f"statusMessage must list exactly {2**size} distinct statuses 0x0…{2**size - 1:#x}, each with a message"
    references = entry.get("statusReference")
    if references is not None and not all(
        is_url(r) for r in (references if isinstance(references, list) else [references])
    ):
        return "statusReference must be a URL or a list of URLs"
    return None


def _messages(value: Any, size: int) -> dict[int, str] | None:
    """statusMessage as {status value: message}, or None if it does not cover every value exactly once."""
    if not isinstance(value, list) or len(value) != 2**size:
        return None
    found: dict[int, str] = {}
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str):
            return None
        status = item.get("status")
        if not isinstance(status, str) or not _HEX_STATUS.match(status):
            return None
        found[int(status, 16)] = item["message"][:200]
    return found if set(found) == set(range(2**size)) else None


def check_status(
    credential: dict[str, Any],
    *,
    fetcher: StatusFetcher,
    verify_list: Callable[[str], VerificationReport],
    now: datetime,
    cache: StatusListCache | None = None,
) -> list[Check]:
    """One check per ``credentialStatus`` entry: ``vc.status.<purpose>`` passed, or failed with the spec code."""
    declared = credential.get("credentialStatus")
    entries = declared if isinstance(declared, list) else [declared]
    if not entries or len(entries) > MAX_ENTRIES_PER_CREDENTIAL:
        return [Check.failed("vc.status", "credentialStatus must hold 1 to 8 entries", "MALFORMED_VALUE_ERROR")]
    checks = []
    for entry in entries:
        checks.append(_check_entry(entry, credential, fetcher, verify_list, now, cache))
    return checks


def _check_entry(
    entry: Any,
    credential: dict[str, Any],
    fetcher: StatusFetcher,
    verify_list: Callable[[str], VerificationReport],
    now: datetime,
    cache: StatusListCache | None,
) -> Check:
    problem = _entry_problem(entry)
    if problem:
        return Check.failed("vc.status", problem, "MALFORMED_VALUE_ERROR")
    purpose = entry["statusPurpose"]
    check_id = f"vc.status.{purpose}"
    url = entry["statusListCredential"]
    size = entry.get("statusSize", 1)
    try:
        listed = cache.get(url, now, size) if cache else None
        if listed is None:
            listed = _load(url, fetcher, verify_list, now, size)
            if cache:
                cache.put(listed)
        if listed.issuer != issuer_id(credential):
            raise _StatusFailedError(
                "the status list was issued by someone other than the credential's issuer", "STATUS_VERIFICATION_ERROR"
            )
        if purpose not in listed.purposes:
            raise _StatusFailedError(f"the status list is not a {purpose} list", "STATUS_VERIFICATION_ERROR")
        index = int(entry["statusListIndex"])
        if index >= listed.bits.entries:
            raise _StatusFailedError(
                f"index {index} is outside the list of {listed.bits.entries} entries", "RANGE_ERROR"
            )
    except _StatusFailedError as failure:
        return Check.failed(check_id, failure.reason, failure.code, list=url)
    return _outcome(check_id, purpose, listed, listed.bits.get(index), entry)


def _outcome(check_id: str, purpose: str, listed: VerifiedList, value: int, entry: dict[str, Any]) -> Check:
    """What a status value means for its purpose; anything vcred cannot interpret fails rather than passes."""
    details: dict[str, Any] = {
        "list": listed.url,
        "issuer": listed.issuer,  # of the verified list: whose ledger anchors count for it
        "version": listed.version,
        "sha256": listed.sha256,
        "published": listed.valid_from,
    }
    size = listed.bits.status_size
    messages = _messages(entry.get("statusMessage"), size) if "statusMessage" in entry else None
    message = messages.get(value) if messages else None
    if size > 1 or message is not None:
        details.update(status=f"{value:#x}", message=message)
    said = f": {message}" if message else ""
    where = f"list version {listed.version}"
    if purpose in ("revocation", "suspension"):
        if value:
            verb = "revoked" if purpose == "revocation" else "suspended"
            code = "CREDENTIAL_REVOKED" if purpose == "revocation" else "CREDENTIAL_SUSPENDED"
            return Check.failed(check_id, f"the issuer has {verb} this credential ({where}){said}", code, **details)
        past = "revoked" if purpose == "revocation" else "suspended"
        return Check.passed(check_id, f"not {past} ({where}, published {listed.valid_from})", **details)
    if purpose == "message":  # informational by definition: reported, never a reason to refuse
        return Check.passed(check_id, f"the issuer's status message is {value:#x}{said} ({where})", **details)
    if purpose == "refresh":
        state = "a refreshed version is available" if value else "no refresh is pending"
        return Check.passed(check_id, f"{state} ({where})", **details)
    if value:
        return Check.failed(
            check_id,
            f"the issuer set status {value:#x}{said} for purpose {purpose!r}, which vcred cannot interpret ({where})",
            "STATUS_VERIFICATION_ERROR",
            **details,
        )
    return Check.passed(check_id, f"{purpose} status is 0x0 ({where})", **details)
