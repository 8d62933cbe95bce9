"""The persistent replay cache: remembered across opens, expiring with the presentation, one winner across processes."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

import vcred
from vcred.errors import StorageError
from vcred.testing import FIXED_NOW
from vcred.verify.replay_sqlite import SqliteReplayCache

HOUR = timedelta(hours=1)


def test_a_challenge_is_seen_once_and_remembered_by_the_next_process(tmp_path):
    path = tmp_path / "replay.sqlite"
    assert SqliteReplayCache(path).seen("n-1", now=FIXED_NOW, keep_until=FIXED_NOW + HOUR) is False
    again = SqliteReplayCache(path)
    assert again.seen("n-1", now=FIXED_NOW + timedelta(minutes=30), keep_until=FIXED_NOW + HOUR) is True
    assert again.seen("n-2", now=FIXED_NOW, keep_until=FIXED_NOW + HOUR) is False
    assert len(again) == 2


def test_entries_expire_with_the_presentation_plus_the_margin(tmp_path):
    cache = SqliteReplayCache(tmp_path / "r.sqlite", retention_margin=timedelta(minutes=10))
    assert not cache.seen("n", now=FIXED_NOW, keep_until=FIXED_NOW + HOUR)
    # within the clock skew a verifier allows after expiry, still a replay
    assert cache.seen("n", now=FIXED_NOW + HOUR + timedelta(minutes=5), keep_until=FIXED_NOW + HOUR)
    assert not cache.seen("other", now=FIXED_NOW + 2 * HOUR, keep_until=FIXED_NOW + 3 * HOUR)
    assert len(cache) == 1  # the expired entry is gone
    assert not cache.seen("n", now=FIXED_NOW + 2 * HOUR, keep_until=FIXED_NOW + 3 * HOUR)


def test_scopes_are_separate(tmp_path):
    path = tmp_path / "r.sqlite"
    assert not SqliteReplayCache(path, scope="a.example").seen("n", now=FIXED_NOW, keep_until=FIXED_NOW + HOUR)
    assert not SqliteReplayCache(path, scope="b.example").seen("n", now=FIXED_NOW, keep_until=FIXED_NOW + HOUR)
    assert SqliteReplayCache(path, scope="a.example").seen("n", now=FIXED_NOW, keep_until=FIXED_NOW + HOUR)


def _race(path: str, start, results) -> None:
    cache = SqliteReplayCache(path, timeout=60)
    start.wait()
    now = datetime.now(UTC)
    results.put(cache.seen("contested", now=now, keep_until=now + HOUR))


def test_of_processes_racing_on_one_challenge_exactly_one_accepts_it(tmp_path):
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_race, args=(str(tmp_path / "r.sqlite"), start, results)) for _ in range(6)]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(outcomes) == [False] + [True] * 5


def test_verify_presentation_refuses_a_replay_through_it(tmp_path):
    from vcred.testing import insecure_seeded_key, sample_credential
    from vcred.wallet.present import create_presentation

    issuer, holder = insecure_seeded_key("replay issuer"), insecure_seeded_key("replay holder")
    credential = vcred.issue_credential(
        sample_credential(issuer.public_key.did_key, holder.public_key.did_key, name="Dr. R"), issuer, now=FIXED_NOW
    )
    vp = create_presentation([credential], holder, challenge="n", domain="d.example", expires=HOUR, now=FIXED_NOW)
    cache = SqliteReplayCache(tmp_path / "r.sqlite", scope="d.example")
    first = vcred.verify_presentation(vp, challenge="n", domain="d.example", now=FIXED_NOW, replay_cache=cache)
    assert first.verified, first.failures
    second = vcred.verify_presentation(
        vp,
        challenge="n",
        domain="d.example",
        now=FIXED_NOW,
        replay_cache=SqliteReplayCache(cache.path, scope="d.example"),
    )
    assert not second.verified and [c.id for c in second.failures] == ["vp.replay"]


def test_an_unusable_file_is_a_storage_error(tmp_path):
    (tmp_path / "not-a-dir").write_text("x")
    with pytest.raises(StorageError):
        SqliteReplayCache(tmp_path / "not-a-dir" / "r.sqlite").seen("n", now=FIXED_NOW)
