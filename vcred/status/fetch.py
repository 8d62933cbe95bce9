"""Where verifiers get status list credentials from: a protocol and two offline fetchers.

vcred never fetches over the network by itself; pass a fetcher of your own to do that.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

from vcred._files import write_atomically

MAX_LIST_BYTES = 5_000_000


class StatusFetchError(Exception):
    """The list could not be retrieved (STATUS_RETRIEVAL_ERROR)."""


class StatusFetcher(Protocol):
    """Returns the bytes of the status list credential published at ``url``, or raises StatusFetchError."""

    def fetch(self, url: str) -> bytes:
        """The published list credential (JSON text or a vc+jwt)."""
        ...


class MemoryFetcher:
    """An in-memory publication point, for tests, notebooks and simulations."""

    def __init__(self, documents: dict[str, bytes] | None = None) -> None:
        self._documents = dict(documents or {})

    def publish(self, url: str, content: bytes | str) -> None:
        """Make ``content`` the list published at ``url``."""
        self._documents[url] = content.encode("utf-8") if isinstance(content, str) else content

    def fetch(self, url: str) -> bytes:
        """The list published at ``url``."""
        try:
            return self._documents[url]
        except KeyError:
            raise StatusFetchError(f"no status list is published at {url[:200]}") from None


def _file_name(url: str) -> str:
    # a digest, never the URL itself: no path traversal, no length or character problems
    return hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json"


class DirectoryFetcher:
    """Lists published as files in a local directory (one file per list URL, named by the URL's SHA-256)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path_for(self, url: str) -> Path:
        """The file that holds the list published at ``url``."""
        return self.directory / _file_name(url)

    def publish(self, url: str, content: bytes | str) -> Path:
        """Atomically write ``content`` as the list at ``url`` (temp file, fsync, rename, directory fsync)."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        write_atomically(self.path_for(url), data, mode=0o644)
        return self.path_for(url)

    def fetch(self, url: str) -> bytes:
        """The list published at ``url``."""
        path = self.path_for(url)
        try:
            if path.stat().st_size > MAX_LIST_BYTES:
                raise StatusFetchError(f"the list at {url[:200]} is larger than {MAX_LIST_BYTES} bytes")
            return path.read_bytes()
        except FileNotFoundError:
            raise StatusFetchError(f"no status list is published at {url[:200]}") from None
        except OSError as exc:
            raise StatusFetchError(f"cannot read the list at {url[:200]}: {exc}") from None
