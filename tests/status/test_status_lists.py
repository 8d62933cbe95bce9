"""Bitstring Status List: vectors, encoding bounds, issuer operations and the verifier check end to end."""

from __future__ import annotations

import base64
import gzip
import json
import time
import tracemalloc
from datetime import timedelta

import pytest
from support import load_vector

import vcred
from vcred.errors import UsageError
from vcred.examples import board_certification_example
from vcred.status import (
    MIN_ENTRIES,
    Bitstring,
    DirectoryFetcher,
    MemoryFetcher,
    StatusList,
    StatusListCache,
    StatusListError,
    unsafe_deterministic_rng,
)
from vcred.testing import FIXED_NOW, insecure_seeded_key

V = load_vector("status_list_vectors.json")
BOARD = insecure_seeded_key("status board")
OTHER = insecure_seeded_key("status other issuer")
URL = "https://board.example/status/revocation/1"


def b64u(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize("vector", V["vectors"], ids=[v["name"] for v in V["vectors"]])
def test_vectors(vector):
    encoded = vector["encodedList"]
    if vector["multibasePrefix"] != "u":
        with pytest.raises(StatusListError):  # library-internal strings lack the multibase prefix
            Bitstring.decode(encoded)
        encoded = "u" + encoded
    if not vector["meetsMinimum131072"]:
        with pytest.raises(StatusListError) as info:
            Bitstring.decode(encoded)
        assert info.value.code == "STATUS_LIST_LENGTH_ERROR"
        return
    bits = Bitstring.decode(encoded)
    assert bits.entries == vector["lengthBits"]
    assert [i for i in range(bits.entries) if bits.get(i)] == vector["expectedSetIndices"]


def test_msb_first_and_round_trip():
    bits = Bitstring()
    for index in (0, 7, 8, 50000, MIN_ENTRIES - 1):
        bits.set(index, 1)
    raw = bits.to_bytes()
    assert raw[0] == 0b1000_0001 and raw[1] == 0b1000_0000
    again = Bitstring.decode(bits.encode())
    assert [i for i in range(again.entries) if again.get(i)] == [0, 7, 8, 50000, MIN_ENTRIES - 1]


@pytest.mark.parametrize(
    "encoded,code",
    [
        ("", "MALFORMED_VALUE_ERROR"),
        ("zabc", "MALFORMED_VALUE_ERROR"),
        ("u!!!", "MALFORMED_VALUE_ERROR"),
        ("uAAAA", "MALFORMED_VALUE_ERROR"),
        (b64u(gzip.compress(bytes(16384))[:-9]), "MALFORMED_VALUE_ERROR"),  # truncated
        (b64u(gzip.compress(bytes(16384)) + b"junk"), "MALFORMED_VALUE_ERROR"),  # trailing data
        (b64u(gzip.compress(bytes(100))), "STATUS_LIST_LENGTH_ERROR"),
        (b64u(bytes(16384)), "MALFORMED_VALUE_ERROR"),  # not compressed
        (None, "MALFORMED_VALUE_ERROR"),
    ],
)
def test_malformed_lists(encoded, code):
    with pytest.raises(StatusListError) as info:
        Bitstring.decode(encoded)
    assert info.value.code == code


def test_gzip_bomb_is_refused_quickly_with_bounded_memory():
    bomb = b64u(gzip.compress(bytes(200 * 1024 * 1024), compresslevel=9))  # 200 MB of zeros, ~200 KB encoded
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(StatusListError, match="GZIP bomb"):
        Bitstring.decode(bomb)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2 and peak < 64 * 1024 * 1024


def test_random_allocation_is_unique_and_spread():
    sl = StatusList(url=URL, purpose="revocation", issuer="did:example:b")
    rng = unsafe_deterministic_rng(7)
    indexes = [sl.allocate(rng) for _ in range(2000)]
    assert len(set(indexes)) == 2000
    assert max(indexes) - min(indexes) > MIN_ENTRIES // 2  # not sequential
    with pytest.raises(UsageError):
        sl.entry(next(i for i in range(MIN_ENTRIES) if i not in set(indexes)))


def test_revocation_is_final_and_suspension_reversible():
    revocations = StatusList(url=URL, purpose="revocation", issuer="did:example:b")
    index = revocations.allocate()
    revocations.set(index)
    with pytest.raises(UsageError, match="cannot be undone"):
        revocations.clear(index)
    suspensions = StatusList(url=URL + "s", purpose="suspension", issuer="did:example:b")
    index = suspensions.allocate()
    suspensions.set(index)
    suspensions.clear(index)
    assert not suspensions.is_set(index)
    with pytest.raises(UsageError):
        StatusList(url=URL, purpose="refresh-please", issuer="did:example:b")
    with pytest.raises(UsageError):
        StatusList(url=URL, purpose="revocation", issuer="did:example:b", entries=1000)


def test_state_persists():
    sl = StatusList(url=URL, purpose="suspension", issuer="did:example:b")
    index = sl.allocate()
    sl.set(index)
    sl.credential(now=FIXED_NOW)
    again = StatusList.from_json(sl.to_json())
    assert again.is_set(index) and again.version == 1 and again.allocated_count == 1


class Board:
    """A board publishing revocation and suspension lists."""

    def __init__(self, fetcher, key=BOARD):
        self.key = key
        self.did = key.public_key.did_key
        self.fetcher = fetcher
        self.lists = {
            p: StatusList(url=f"https://board.example/status/{p}/1", purpose=p, issuer=self.did)
            for p in ("revocation", "suspension")
        }

    def issue(self, suite="eddsa-rdfc-2022"):
        credential = board_certification_example(issuer=self.did)
        entries = {p: sl.allocate() for p, sl in self.lists.items()}
        credential["credentialStatus"] = [self.lists[p].entry(i) for p, i in entries.items()]
        self.publish()
        return vcred.issue_credential(credential, self.key, suite=suite, now=FIXED_NOW), entries

    def publish(self, **kw):
        for sl in self.lists.values():
            self.fetcher.publish(sl.url, json.dumps(sl.publish(self.key, now=FIXED_NOW, **kw)))


def verify(credential, fetcher, **kw):
    return vcred.verify_credential(credential, now=FIXED_NOW, status_fetcher=fetcher, **kw)


def status_checks(report):
    return {c.id: c for c in report.checks if c.id.startswith("vc.status")}


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc+jwt"])
def test_valid_revoked_suspended_reinstated(suite):
    fetcher = MemoryFetcher()
    board = Board(fetcher)
    credential, entries = board.issue(suite)
    report = verify(credential, fetcher)
    assert report.verified, report.failures
    assert set(status_checks(report)) == {"vc.status.revocation", "vc.status.suspension"}
    assert status_checks(report)["vc.status.revocation"].details["version"] == "v1"

    board.lists["suspension"].set(entries["suspension"])
    board.publish()
    report = verify(credential, fetcher)
    check = status_checks(report)["vc.status.suspension"]
    assert not report.verified and check.code == "CREDENTIAL_SUSPENDED" and "suspended" in check.reason

    board.lists["suspension"].clear(entries["suspension"])
    board.publish()
    assert verify(credential, fetcher).verified

    board.lists["revocation"].set(entries["revocation"])
    board.publish()
    report = verify(credential, fetcher)
    assert status_checks(report)["vc.status.revocation"].code == "CREDENTIAL_REVOKED"


def test_no_fetcher_unpublished_list_and_directory_fetcher(tmp_path):
    fetcher = MemoryFetcher()
    credential, _ = Board(fetcher).issue()
    report = vcred.verify_credential(credential, now=FIXED_NOW)
    assert report.check("vc.status").code == "STATUS_RETRIEVAL_ERROR"
    empty = verify(credential, MemoryFetcher())
    assert {c.code for c in status_checks(empty).values()} == {"STATUS_RETRIEVAL_ERROR"}
    directory = DirectoryFetcher(tmp_path)
    board = Board(directory)
    credential, _ = board.issue()
    assert verify(credential, directory).verified
    assert all(p.name.endswith(".json") and len(p.name) == 69 for p in tmp_path.iterdir())


def test_list_signed_by_another_issuer_or_tampered():
    fetcher = MemoryFetcher()
    board = Board(fetcher)
    credential, _ = board.issue()
    # someone else publishes a list at the board's URL
    impostor = StatusList(url=board.lists["revocation"].url, purpose="revocation", issuer=OTHER.public_key.did_key)
    fetcher.publish(impostor.url, json.dumps(impostor.publish(OTHER, now=FIXED_NOW)))
    check = status_checks(verify(credential, fetcher))["vc.status.revocation"]
    assert check.code == "STATUS_VERIFICATION_ERROR" and "someone other" in check.reason
    # the board's list with a flipped encodedList
    signed = board.lists["revocation"].publish(BOARD, now=FIXED_NOW)
    signed["credentialSubject"]["encodedList"] = Bitstring().encode(level=1)
    fetcher.publish(board.lists["revocation"].url, json.dumps(signed))
    check = status_checks(verify(credential, fetcher))["vc.status.revocation"]
    assert check.code == "STATUS_VERIFICATION_ERROR" and "does not verify" in check.reason


def test_expired_list_and_wrong_purpose_and_range():
    fetcher = MemoryFetcher()
    board = Board(fetcher)
    credential, _ = board.issue()
    later = FIXED_NOW + timedelta(days=30)  # lists are valid for 7 days
    report = vcred.verify_credential(credential, now=later, status_fetcher=fetcher)
    assert status_checks(report)["vc.status.revocation"].code == "STATUS_VERIFICATION_ERROR"
    # the board publishes a suspension list at its revocation list's URL: purpose mismatch
    wrong = StatusList(url=board.lists["revocation"].url, purpose="suspension", issuer=board.did)
    fetcher.publish(wrong.url, json.dumps(wrong.publish(BOARD, now=FIXED_NOW)))
    check = status_checks(verify(credential, fetcher))["vc.status.revocation"]
    assert check.code == "STATUS_VERIFICATION_ERROR" and "not a revocation list" in check.reason


def test_index_beyond_the_list_is_a_range_error():
    from vcred.status import check_status

    fetcher = MemoryFetcher()
    board = Board(fetcher)
    board.publish()
    entry = {**board.lists["revocation"].entry(board.lists["revocation"].allocate()), "statusListIndex": "999999"}
    checks = check_status(
        {"credentialStatus": entry, "issuer": board.did},
        fetcher=fetcher,
        now=FIXED_NOW,
        verify_list=lambda text: vcred.verify_credential(text, now=FIXED_NOW),
    )
    assert checks[0].code == "RANGE_ERROR"


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "StatusList2021Entry"},
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": 5,
            "statusListCredential": URL,
        },
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "-1",
            "statusListCredential": URL,
        },
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "1",
            "statusListCredential": "not a url",
        },
        {
            "id": URL,
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "1",
            "statusListCredential": URL,
        },
        "a string",
    ],
)
def test_malformed_entries(entry):
    from vcred.status import check_status

    checks = check_status(
        {"credentialStatus": entry, "issuer": "did:example:x"},
        fetcher=MemoryFetcher(),
        verify_list=lambda _: None,
        now=FIXED_NOW,
    )
    assert checks[0].code == "MALFORMED_VALUE_ERROR"


def test_cached_check_is_fast_and_cache_respects_max_age():
    from vcred.status import check_status

    fetcher = MemoryFetcher()
    credential, _ = Board(fetcher).issue()
    cache = StatusListCache(max_age=timedelta(minutes=5))
    options = vcred.VerifyOptions(status_cache=cache)
    assert verify(credential, fetcher, options=options).verified
    start = time.perf_counter()
    for _ in range(1000):
        checks = check_status(credential, fetcher=fetcher, verify_list=None, now=FIXED_NOW, cache=cache)
    assert all(c.ok for c in checks)
    assert (time.perf_counter() - start) / 1000 < 0.001  # generous bound here; make bench reports the real figure
    assert cache.get(credential["credentialStatus"][0]["statusListCredential"], FIXED_NOW + timedelta(hours=1)) is None


MESSAGE_URL = "https://board.example/status/message/1"
MESSAGES = [
    {"status": "0x0", "message": "in good standing"},
    {"status": "0x1", "message": "under review"},
    {"status": "0x2", "message": "on probation"},
    {"status": "0x3", "message": "certificate reissued"},
]


def message_list(values: dict[int, int], *, size: int = 2, entries: int = MIN_ENTRIES, purpose: str = "message"):
    bits = Bitstring(entries, status_size=size)
    for index, value in values.items():
        bits.set(index, value)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": MESSAGE_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": BOARD.public_key.did_key,
        "validFrom": "2026-05-01T00:00:00Z",
        "validUntil": "2026-07-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{MESSAGE_URL}#v3",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
    }
    return json.dumps(vcred.issue_credential(unsigned, BOARD, now=FIXED_NOW))


def message_entry(index: int, **overrides):
    entry = {
        "id": f"{MESSAGE_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": str(index),
        "statusListCredential": MESSAGE_URL,
        "statusSize": 2,
        "statusMessage": MESSAGES,
        "statusReference": "https://board.example/status-codes",
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


def with_entry(entry, suite="eddsa-rdfc-2022"):
    credential = board_certification_example(issuer=BOARD.public_key.did_key)
    credential["credentialStatus"] = entry
    return vcred.issue_credential(credential, BOARD, suite=suite, now=FIXED_NOW)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_multi_bit_message_status_is_reported_with_its_message(suite):
    fetcher = MemoryFetcher()
    fetcher.publish(MESSAGE_URL, message_list({7: 2, 8: 3}))
    report = verify(with_entry(message_entry(7), suite), fetcher)
    check = report.check("vc.status.message")
    assert report.verified, report.failures
    assert check.details["status"] == "0x2" and check.details["message"] == "on probation"
    assert "on probation" in check.reason
    untouched = verify(with_entry(message_entry(9), suite), fetcher).check("vc.status.message")
    assert untouched.details["status"] == "0x0" and untouched.details["message"] == "in good standing"


def test_multi_bit_revocation_and_unknown_purposes():
    fetcher = MemoryFetcher()
    fetcher.publish(MESSAGE_URL, message_list({5: 1, 6: 3}, purpose="revocation"))
    revoked = verify(with_entry(message_entry(6, statusPurpose="revocation")), fetcher)
    check = revoked.check("vc.status.revocation")
    assert not revoked.verified and check.code == "CREDENTIAL_REVOKED" and "certificate reissued" in check.reason
    assert verify(with_entry(message_entry(4, statusPurpose="revocation")), fetcher).verified
    fetcher.publish(MESSAGE_URL, message_list({5: 1}, purpose="audit"))
    unknown = verify(with_entry(message_entry(5, statusPurpose="audit")), fetcher).check("vc.status.audit")
    assert not unknown.ok and unknown.code == "STATUS_VERIFICATION_ERROR" and "cannot interpret" in unknown.reason
    assert verify(with_entry(message_entry(4, statusPurpose="audit")), fetcher).verified


def test_multi_bit_list_too_short_for_its_status_size():
    fetcher = MemoryFetcher()
    # 131 072 two-bit entries need 32 KiB; a 16 KiB list holds only 65 536 of them
    fetcher.publish(MESSAGE_URL, message_list({}, size=1))
    check = verify(with_entry(message_entry(3)), fetcher).check("vc.status.message")
    assert check.code == "STATUS_LIST_LENGTH_ERROR"


@pytest.mark.parametrize(
    "overrides,reason",
    [
        ({"statusMessage": None}, "statusMessage is required"),
        ({"statusMessage": MESSAGES[:3]}, "exactly 4 distinct statuses"),
        ({"statusMessage": [*MESSAGES[:3], {"status": "0x2", "message": "again"}]}, "exactly 4"),
        ({"statusMessage": [*MESSAGES[:3], {"status": "3", "message": "no hex prefix"}]}, "exactly 4"),
        ({"statusMessage": [*MESSAGES[:3], {"status": "0x3"}]}, "exactly 4"),
        ({"statusSize": 0}, "positive integer"),
        ({"statusSize": "2"}, "positive integer"),
        ({"statusSize": 9}, "not supported"),
        ({"statusReference": "not a url"}, "statusReference"),
    ],
)
def test_malformed_multi_bit_entries(overrides, reason):
    from vcred.status import check_status

    checks = check_status(
        {"credentialStatus": message_entry(1, **overrides), "issuer": BOARD.public_key.did_key},
        fetcher=MemoryFetcher(),
        verify_list=lambda _: None,
        now=FIXED_NOW,
    )
    assert checks[0].code == "MALFORMED_VALUE_ERROR" and reason in checks[0].reason


def test_a_list_served_for_another_url_is_refused():
    """Two current lists of one issuer: list 2 served for list 1's URL must not answer for list 1."""
    fetcher = MemoryFetcher()
    board = Board(fetcher)
    credential, entries = board.issue()
    board.lists["revocation"].set(entries["revocation"])
    board.publish()
    other = StatusList(url="https://board.example/status/revocation/2", purpose="revocation", issuer=board.did)
    fetcher.publish(board.lists["revocation"].url, json.dumps(other.publish(board.key, now=FIXED_NOW)))
    report = verify(credential, fetcher)
    check = status_checks(report)["vc.status.revocation"]
    assert not report.verified and check.code == "STATUS_VERIFICATION_ERROR" and "not the one requested" in check.reason
