"""W3C Bitstring Status List v1.0: issuer-side lists and the verifier-side check.

>>> from vcred.status import StatusList
>>> sl = StatusList(url="https://board.example/status/1", purpose="revocation", issuer="did:example:board")
>>> sl.entry(sl.allocate())["type"]
'BitstringStatusListEntry'
"""

from vcred.status.bitstring import MIN_ENTRIES, Bitstring, StatusListError
from vcred.status.check import StatusListCache, check_status
from vcred.status.fetch import DirectoryFetcher, MemoryFetcher, StatusFetcher, StatusFetchError
from vcred.status.issuer import StatusList, unsafe_deterministic_rng

__all__ = [
    "MIN_ENTRIES",
    "Bitstring",
    "DirectoryFetcher",
    "MemoryFetcher",
    "StatusFetchError",
    "StatusFetcher",
    "StatusList",
    "StatusListCache",
    "StatusListError",
    "check_status",
    "unsafe_deterministic_rng",
]
