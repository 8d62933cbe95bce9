"""Entry signatures of one append batch, checked on other cores while the batch is still being parsed.

Threads cannot do this: a thread that gives up the GIL for one libsodium call waits up to the interpreter's
switch interval to get it back while the main thread parses, so verification crawls until parsing ends. Large
batches instead stream chunks of signatures to helper processes (``python -c`` with a self-contained checker that
imports only PyNaCl — never the caller's ``__main__``, unlike multiprocessing's spawn). A helper answers each chunk
with the position of its first bad signature. Each helper holds at most two chunks, so once parsing is done this
process checks the chunks not yet handed out while the helpers finish theirs: all cores work until the end.

Any trouble with a helper — it cannot start, dies, or answers nonsense — makes the batch fall back to checking
every signature in this process: nothing is ever accepted without a verified signature.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path

import nacl

from vcred.crypto.keys import Ed25519PublicKey
from vcred.errors import SignatureError

# a chunk is about 3 ms of work; two of them (one checked, one waiting) fit a default 64 KiB pipe, so sending
# never blocks on a busy helper. Small chunks keep the end of a batch short: this process waits there for at most
# the two chunks its helper holds.
CHUNK = 64
CHUNK_BYTES = 28 * 1024
IN_FLIGHT = 2
# below this many entries starting and feeding helpers costs more than it saves
HELPER_THRESHOLD = 2048
HELLO = b"vcred-signature-helper/2\n"
HELLO_TIMEOUT = 10.0

# Reads chunks from stdin: (count, length) then `count` records of key(32) length(4) signature(64) message;
# writes the index of the first bad signature in the chunk, or -1. Exits when stdin closes. A record's signature
# and message are one slice, the signed message crypto_sign_open takes.
_CHECKER = (
    f"HELLO = {HELLO!r}\n"
    + r"""
import struct, sys
from nacl.bindings import crypto_sign_open
read, write = sys.stdin.buffer.read, sys.stdout.buffer
size_at = struct.Struct(">I").unpack_from
write.write(HELLO)
write.flush()
while True:
    head = read(8)
    if len(head) != 8:
        break
    count, length = struct.unpack(">II", head)
    body = read(length)
    if len(body) != length:
        break
    bad, at = -1, 0
    for i in range(count):
        end = at + 100 + size_at(body, at + 32)[0]
        if bad < 0:
            try:
                crypto_sign_open(body[at + 36:end], body[at:at + 32])
            except Exception:
                bad = i
        at = end
    write.write(struct.pack(">i", bad))
    write.flush()
"""
)


class HelperError(Exception):
    """A helper could not take or answer a chunk (the batch falls back to checking in process)."""


class _Helper:
    """One checker process, its pipes, and the chunks it holds (oldest first)."""

    def __init__(self) -> None:
        site = str(Path(nacl.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (site, os.environ.get("PYTHONPATH")) if p)}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter running our own fixed checker
            [sys.executable, "-c", _CHECKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            bufsize=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        self._answers = bytearray()
        self.holding: deque[tuple[int, int]] = deque()  # (first job, end job) of each chunk sent, unanswered
        self._await_hello()

    def _await_hello(self) -> None:
        """Make sure the child is our checker (an embedding host's sys.executable may be something else)."""
        received = b""
        deadline = time.monotonic() + HELLO_TIMEOUT
        while len(received) < len(HELLO) and time.monotonic() < deadline:
            if not select.select([self._out], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            chunk = os.read(self._out, len(HELLO) - len(received))
            if not chunk:
                break
            received += chunk
        if received != HELLO:
            self.close(kill=True)
            raise OSError("the signature helper did not start")

    def send(self, chunk: tuple[int, int], payload: bytes) -> None:
        view = memoryview(payload)
        try:
            while view:
                view = view[os.write(self._in, view) :]
        except OSError as exc:
            raise HelperError(str(exc)) from None
        self.holding.append(chunk)

    def answers(self, *, wait: bool) -> list[tuple[tuple[int, int], int]]:
        """Answers that have arrived (with ``wait``: at least one, if any chunk is held)."""
        got: list[tuple[tuple[int, int], int]] = []
        while self.holding:
            while len(self._answers) >= 4 and self.holding:
                answer = struct.unpack(">i", self._answers[:4])[0]
                del self._answers[:4]
                got.append((self.holding.popleft(), answer))
            if got or not self.holding:
                break
            if not wait and not select.select([self._out], [], [], 0)[0]:
                break
            try:
                data = os.read(self._out, 4096)
            except OSError as exc:
                raise HelperError(str(exc)) from None
            if not data:
                raise HelperError("the helper stopped answering")
            self._answers += data
        return got

    def close(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        for fd in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError, ValueError):
                if fd:
                    fd.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
            return
        self.process.kill()
        self.process.wait()


class _Helpers:
    """The process's helpers, started on first use and kept until exit (or until one fails)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._helpers: list[_Helper] = []
        self._pid = os.getpid()
        self.unavailable = False
        atexit.register(self.close)

    def get(self) -> list[_Helper]:
        if self._pid != os.getpid():  # a forked child must not share its parent's pipes
            self._helpers, self._pid, self.unavailable = [], os.getpid(), False
        if self.unavailable:
            raise OSError("signature helpers could not be started in this process")
        if not self._helpers:
            started: list[_Helper] = []
            try:
                for _ in range(helper_count()):
                    started.append(_Helper())
            except OSError:
                for helper in started:
                    helper.close()
                self.unavailable = True  # don't pay the start-up timeout on every batch
                raise
            self._helpers = started
        return self._helpers

    def close(self) -> None:
        helpers, self._helpers = self._helpers, []
        for helper in helpers:
            helper.close()


_HELPERS = _Helpers()


def helper_count() -> int:
    """Helper processes for large batches: one per core but the one the batch is parsed on, at most four."""
    if os.name != "posix":  # answers are polled with select() on pipes
        return 0
    return max(0, min(4, (os.cpu_count() or 1) - 1))


_Job = tuple[int, Ed25519PublicKey, bytes, bytes]


def _first_bad(jobs: Sequence[_Job]) -> int | None:
    for offset, key, message, signature in jobs:
        try:
            key.verify(message, signature)
        except SignatureError:
            return offset
    return None


def _frame(jobs: Sequence[_Job]) -> bytes:
    parts: list[bytes] = []
    for _, key, message, signature in jobs:
        parts += (key.raw, struct.pack(">I", len(message)), signature, message)
    body = b"".join(parts)
    return struct.pack(">II", len(jobs), len(body)) + body


class SignatureBatch:
    """Queue (offset, key, message, signature) checks; :meth:`first_failure` waits for all of them.

    ``expected`` is the batch size: helpers are used only for large batches on machines with several cores.
    Use as a context manager, so a batch abandoned midway leaves the helpers ready for the next one.
    """

    def __init__(self, *, expected: int, use_helpers: bool = True) -> None:
        self._jobs: list[_Job] = []
        self._chunk_start = 0
        self._chunk_bytes = 0
        self._waiting: deque[tuple[int, int]] = deque()  # chunks not handed to a helper yet
        self._results: list[int | None] = []  # first bad offset (or None) of each chunk checked
        self._helpers: list[_Helper] = []
        self._failed = False
        # another thread's batch holding the helpers: check this one in process rather than wait
        if use_helpers and expected >= HELPER_THRESHOLD and helper_count() > 0 and _HELPERS.lock.acquire(False):
            try:
                self._helpers = _HELPERS.get()
            except OSError:
                _HELPERS.lock.release()

    def add(self, offset: int, key: Ed25519PublicKey, message: bytes, signature: bytes) -> None:
        """Queue one check; a full chunk goes to a free helper at once."""
        self._jobs.append((offset, key, message, signature))
        if not self._helpers:
            return
        self._chunk_bytes += len(message) + 100
        if len(self._jobs) - self._chunk_start >= CHUNK or self._chunk_bytes >= CHUNK_BYTES:
            self._waiting.append((self._chunk_start, len(self._jobs)))
            self._chunk_start, self._chunk_bytes = len(self._jobs), 0
            self._dispatch(wait=False)

    def poll(self) -> None:
        """Collect the answers that arrived and keep the helpers fed (call it between other pieces of work)."""
        if self._helpers:
            self._dispatch(wait=False)

    def _dispatch(self, *, wait: bool) -> None:
        """Collect answers that arrived and hand waiting chunks to helpers with room for them."""
        if self._failed:
            return
        try:
            for helper in self._helpers:
                self._record(helper.answers(wait=wait))
                while self._waiting and len(helper.holding) < IN_FLIGHT:
                    start, end = self._waiting.popleft()
                    helper.send((start, end), _frame(self._jobs[start:end]))
        except HelperError:
            self._failed = True

    def _record(self, answers: list[tuple[tuple[int, int], int]]) -> None:
        for (start, end), bad in answers:
            if not -1 <= bad < end - start:
                raise HelperError("a helper answered with a position outside its chunk")
            self._results.append(self._jobs[start + bad][0] if bad >= 0 else None)

    def first_failure(self) -> int | None:
        """The offset of the first entry whose signature does not verify (None when all do)."""
        if not self._helpers:
            return _first_bad(self._jobs)
        if self._chunk_start < len(self._jobs):
            self._waiting.append((self._chunk_start, len(self._jobs)))
            self._chunk_start = len(self._jobs)
        # the helpers take chunks from the front; this process checks from the back until none are left
        while self._waiting and not self._failed:
            start, end = self._waiting.pop()
            self._results.append(_first_bad(self._jobs[start:end]))
            self._dispatch(wait=False)
        while not self._failed and any(h.holding for h in self._helpers):
            self._dispatch(wait=True)
        if self._failed:
            _HELPERS.close()  # possibly out of step with their pipes: start fresh ones next time
            return _first_bad(self._jobs)
        bad = [offset for offset in self._results if offset is not None]
        return min(bad) if bad else None

    def __enter__(self) -> SignatureBatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Drain the answers of a batch abandoned midway so the helpers stay in step, and free them."""
        if not self._helpers:
            return
        try:
            self._waiting.clear()
            while not self._failed and any(h.holding for h in self._helpers):
                self._dispatch(wait=True)
            if self._failed:
                _HELPERS.close()
        finally:
            self._helpers = []
            _HELPERS.lock.release()
