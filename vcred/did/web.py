"""did:web, resolved only through a fetcher the caller passes in.

vcred never fetches on its own. :class:`HttpsFetcher` is a careful fetcher for callers who want the network:
HTTPS only, no redirects, a size cap and a timeout, and it refuses hosts that resolve to private, loopback,
link-local or otherwise non-public addresses (a did:web pointing inside the verifier's network is an SSRF
attempt), connecting to the address it vetted so DNS cannot be switched in between.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from datetime import datetime
from typing import Protocol
from urllib.parse import unquote

from vcred._json import parse_json
from vcred.did.document import parse_did_document
from vcred.did.resolver import ResolutionResult, split_did_url
from vcred.errors import ResolutionError

MAX_DOCUMENT_BYTES = 100_000


class Fetcher(Protocol):
    """Fetches an HTTPS URL and returns the body; raises ResolutionError on any failure."""

    def fetch(self, url: str) -> bytes:
        """The body at ``url``."""
        ...


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web DID's document (did:web spec §3.2.1)."""
    bare, _ = split_did_url(did)
    parts = bare.split(":")
    if parts[1] != "web" or len(parts) < 3:
        raise ResolutionError(f"not a did:web DID: {bare[:80]!r}")
    host = unquote(parts[2])
    if not host or any(c in host for c in "/?#@\\ ") or host.startswith("."):
        raise ResolutionError(f"invalid did:web host {host[:80]!r}")
    path = [unquote(p) for p in parts[3:]]
    if any(not p or p in (".", "..") or "/" in p for p in path):
        raise ResolutionError("invalid did:web path")
    return f"https://{host}/" + ("/".join(path) + "/did.json" if path else ".well-known/did.json")


class WebResolver:
    """Resolves did:web with the caller's fetcher; without one it fails with a reason."""

    def __init__(self, fetcher: Fetcher | None = None) -> None:
        self._fetcher = fetcher

    def resolve(self, did: str, *, as_of: datetime | None = None) -> ResolutionResult:
        """Fetch and validate the DID document (did:web has no history: ``as_of`` is ignored)."""
        bare, _ = split_did_url(did)
        url = did_web_url(bare)
        if self._fetcher is None:
            raise ResolutionError(
                f"{bare} needs the network to resolve and no fetcher was given",
                hint="pass WebResolver(HttpsFetcher()) in your resolver to allow it",
            )
        body = self._fetcher.fetch(url)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ResolutionError(f"the DID document at {url} is too large")
        try:
            document = parse_json(body, max_bytes=MAX_DOCUMENT_BYTES)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ResolutionError(f"the DID document at {url} is not acceptable JSON: {exc}") from None
        return parse_did_document(document, bare)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, *, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, 443, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, 443), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class HttpsFetcher:
    """A network fetcher for did:web: HTTPS, public addresses only, no redirects, bounded size and time."""

    def __init__(self, *, timeout: float = 5.0, max_bytes: int = MAX_DOCUMENT_BYTES, allow_private: bool = False):
        self._timeout = timeout
        self._max = max_bytes
        self._allow_private = allow_private
        self._context = ssl.create_default_context()

    def vet(self, host: str) -> str:
        """Resolve ``host`` and return an address to connect to; refuse non-public ones."""
        try:
            infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise ResolutionError(f"cannot resolve {host}: {exc}") from None
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise ResolutionError(f"{host} has no address")
        if not self._allow_private:
            blocked = [a for a in addresses if not _public(a)]
            if blocked:
                raise ResolutionError(f"{host} resolves to a non-public address ({blocked[0]}); refusing to connect")
        return addresses[0]

    def fetch(self, url: str) -> bytes:
        """GET ``url`` (must be https://host/path)."""
        if not url.startswith("https://"):
            raise ResolutionError("only https URLs are fetched")
        host, _, path = url[len("https://") :].partition("/")
        address = self.vet(host)
        connection = _PinnedHTTPSConnection(host, address, timeout=self._timeout, context=self._context)
        try:
            connection.request("GET", "/" + path, headers={"Accept": "application/did+json, application/json"})
            response = connection.getresponse()
            if response.status != 200:
                raise ResolutionError(f"{url} answered HTTP {response.status}")
            body = response.read(self._max + 1)
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            raise ResolutionError(f"fetching {url} failed: {exc}") from None
        finally:
            connection.close()
        if len(body) > self._max:
            raise ResolutionError(f"{url} is larger than {self._max} bytes")
        return body
