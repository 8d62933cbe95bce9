"""Document loaders. The default serves bundled contexts only and refuses every other URL.

Remote loading happens only when the caller passes in a loader of their own; vcred never fetches by itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Protocol, runtime_checkable

from vcred.errors import LoaderError

_CONTEXTS = "vcred.jsonld.contexts"
BUNDLED_CACHE_SCOPE = "vcred:bundled-contexts"
"""The cache scope of a loader that serves exactly the bundled contexts (pinned by SHA-256, never changed)."""


@runtime_checkable
class DocumentLoader(Protocol):
    """Returns the JSON document published at ``url`` or raises :class:`vcred.errors.LoaderError`."""

    def __call__(self, url: str) -> dict[str, Any]:
        """Load ``url``."""
        ...


@cache
def _manifest() -> dict[str, dict[str, Any]]:
    text = resources.files(_CONTEXTS).joinpath("manifest.json").read_text("utf-8")
    return {entry["url"]: entry for entry in json.loads(text)["contexts"]}


@cache
def _bundled_bytes(url: str) -> bytes:
    entry = _manifest()[url]
    try:
        raw = resources.files(_CONTEXTS).joinpath(entry["file"]).read_bytes()
    except FileNotFoundError:
        raise LoaderError(f"bundled context file for {url} is missing from this installation") from None
    expected = entry.get("sha256")
    if expected and hashlib.sha256(raw).hexdigest() != expected:
        raise LoaderError(f"bundled context for {url} does not match its pinned SHA-256; reinstall vcred")
    return raw


@cache
def _bundled(url: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_bundled_bytes(url))
    return document


def published_bytes(url: str) -> bytes | None:
    """The exact bytes published at ``url``, when vcred holds them, else None.

    Those are the bundled contexts whose SHA-256 a W3C Recommendation prints (``published_sha256`` in the
    manifest): their copies are byte for byte the served documents, so a digest over them is the digest of the
    resource. No other bundled copy is claimed to be byte-identical to what its URL serves, and nothing is fetched.

    >>> published_bytes("https://www.w3.org/ns/credentials/v2")[:1], published_bytes("https://example.org/x")
    (b'{', None)
    """
    entry = _manifest().get(url) if isinstance(url, str) else None
    published = entry.get("published_sha256") if entry is not None else None
    if not published:
        return None
    raw = _bundled_bytes(url)
    return raw if hashlib.sha256(raw).hexdigest() == published else None


def bundled_urls() -> tuple[str, ...]:
    """The context URLs vcred serves offline."""
    return tuple(_manifest())


def bundled_source(url: str) -> dict[str, Any]:
    """Manifest entry (file, sha256, source) for a bundled URL."""
    return dict(_manifest()[url])


class BundledLoader:
    """Serves the bundled contexts plus any ``extra`` documents given; refuses every other URL.

    >>> BundledLoader()("https://www.w3.org/ns/credentials/v2")["@context"]["@protected"]
    True
    """

    def __init__(self, extra: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._extra = dict(extra or {})

    def __call__(self, url: str) -> dict[str, Any]:
        """Return the bundled document for ``url``."""
        if not isinstance(url, str):
            raise LoaderError("a context reference must be a URL string")
        if url in self._extra:
            return self._extra[url]
        if url in _manifest():
            return _bundled(url)
        raise LoaderError(
            f"refusing to load context {url[:200]!r}: it is not bundled with vcred",
            hint="pass loader=… with a loader you trust to allow other contexts",
        )

    def with_documents(self, extra: Mapping[str, dict[str, Any]]) -> BundledLoader:
        """A loader that also serves ``extra`` (URL → JSON document)."""
        return BundledLoader({**self._extra, **extra})

    @property
    def cache_scope(self) -> str | None:
        """The scope in which results computed from this loader's documents may be cached, or None (do not cache).

        Two loaders with the same scope serve the same document for every URL. Only a loader of the bundled
        contexts alone has one: ``extra`` documents are the caller's objects, which the caller may still change.
        """
        return None if self._extra else BUNDLED_CACHE_SCOPE


_DEFAULT = BundledLoader()


def default_loader() -> BundledLoader:
    """The shared offline loader."""
    return _DEFAULT


def cache_scope(loader: DocumentLoader) -> str | None:
    """The scope in which results computed from ``loader``'s documents may be cached, or None.

    Only vcred's own :class:`BundledLoader` carries one (a subclass or a caller's loader could serve anything for
    a URL, so nothing computed from it is shared between calls).

    >>> cache_scope(default_loader()), cache_scope(BundledLoader().with_documents({"urn:x": {}}))
    ('vcred:bundled-contexts', None)
    """
    return loader.cache_scope if type(loader) is BundledLoader else None


def as_loader(loader: DocumentLoader | None) -> DocumentLoader:
    """The given loader, or the offline default."""
    return _DEFAULT if loader is None else loader
