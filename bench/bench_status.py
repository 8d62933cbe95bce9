"""Status list figures: GZIP level trade-off on a sparse list, decode time, cached status check."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import vcred
from vcred.examples import board_certification_example
from vcred.status import Bitstring, MemoryFetcher, StatusList, StatusListCache, check_status
from vcred.testing import FIXED_NOW, insecure_seeded_key


def timed(fn: Callable[[], Any], repeat: int = 20) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main() -> None:
    bits = Bitstring()
    for index in range(0, bits.entries, 997):  # sparse: ~0.1 % revoked
        bits.set(index, 1)
    for level in (6, 9):
        seconds = timed(partial(bits.encode, level=level))
        print(f"encode level {level}: {seconds * 1e3:7.3f} ms, {len(bits.encode(level=level))} characters")
    encoded = bits.encode()
    print(f"decode (capped): {timed(lambda: Bitstring.decode(encoded)) * 1e3:.3f} ms")

    key = insecure_seeded_key("bench board")
    did = key.public_key.did_key
    status_list = StatusList(url="https://board.example/status/1", purpose="revocation", issuer=did)
    credential = board_certification_example(issuer=did)
    credential["credentialStatus"] = status_list.entry(status_list.allocate())
    signed = vcred.issue_credential(credential, key, now=FIXED_NOW)
    fetcher = MemoryFetcher()
    fetcher.publish(status_list.url, json.dumps(status_list.publish(key, now=FIXED_NOW)))
    cache = StatusListCache()
    vcred.verify_credential(
        signed, now=FIXED_NOW, status_fetcher=fetcher, options=vcred.VerifyOptions(status_cache=cache)
    )
    assert isinstance(signed, dict)

    def verify_list(text: str) -> vcred.VerificationReport:  # not called: the cache answers
        return vcred.verify_credential(text, now=FIXED_NOW)

    seconds = timed(
        lambda: check_status(signed, fetcher=fetcher, verify_list=verify_list, now=FIXED_NOW, cache=cache), 20_000
    )
    print(f"status check with a cached list: {seconds * 1e6:.1f} µs (target < 50 µs)")


if __name__ == "__main__":
    main()
