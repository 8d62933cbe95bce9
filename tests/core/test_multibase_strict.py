"""base64url values have exactly one spelling: characters outside the alphabet and set unused bits are refused."""

from __future__ import annotations

import pytest

from vcred.crypto.multibase import b64url_decode, b64url_encode
from vcred.errors import KeyFormatError


@pytest.mark.parametrize("text", ["AA!A", "AA A", "AA\nA", "AA=", "AB", "A", "AAA.", "AAAA+", "AAAA/"])
def test_non_canonical_base64url_is_refused(text):
    with pytest.raises(KeyFormatError):
        b64url_decode(text)


def test_round_trip():
    for size in range(0, 40):
        data = bytes(range(size))
        assert b64url_decode(b64url_encode(data)) == data
