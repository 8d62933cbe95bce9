"""JCS: vcred's fast path must equal RFC 8785 (the rfc8785 library) on any JSON value."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from vcred.jsonld.canon import _jcs_fast_path_ok, canonize_jcs

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_jcs_equals_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeError, ValueError):
        return  # values RFC 8785 refuses (e.g. lone surrogates) are refused by vcred too; see below
    assert canonize_jcs(value) == expected


def test_non_bmp_keys_take_the_reference_path():
    value = {"\U0001f600": 1, "\ufb01": 2}  # UTF-16 order differs from code point order here
    assert not _jcs_fast_path_ok(value)
    assert canonize_jcs(value) == rfc8785.dumps(value)


def test_large_integers_and_floats_take_the_reference_path():
    assert not _jcs_fast_path_ok({"n": 2**53})
    assert not _jcs_fast_path_ok({"n": 1.5})
    assert canonize_jcs({"n": 1.5, "m": 1e21}) == rfc8785.dumps({"n": 1.5, "m": 1e21})
