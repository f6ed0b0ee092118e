"""The feedback store: questions and votes counted for /stats."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from newsbot.bot.feedback import Counts, FeedbackStore


class TestFeedbackStore:
    def test_counts_questions_and_votes_one_per_user(self, tmp_path: Path):
        store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite3")
        try:
            answered = store.record_question("who?", "private", True, 12.0)
            declined = store.record_question("what?", "group", False, 8.0)
            assert store.record_vote(answered, 1, helpful=False)
            assert store.record_vote(answered, 1, helpful=True)  # changed, not added
            assert store.record_vote(answered, 2, helpful=True)
            assert store.record_vote(declined, 1, helpful=False)
            assert not store.record_vote(12345, 1, helpful=True)
            assert store.counts() == Counts(questions=2, answered=1, not_found=1, helpful=2, not_helpful=1)
        finally:
            store.close()

    def test_survives_a_restart(self, tmp_path: Path):
        path = tmp_path / "feedback.sqlite3"
        store = FeedbackStore(path)
        store.record_vote(store.record_question("who?", "private", True, 1.0), 1, helpful=True)
        store.close()
        reopened = FeedbackStore(path)
        try:
            assert reopened.counts() == Counts(1, 1, 0, 1, 0)
        finally:
            reopened.close()


class _FullDisk:
    """A connection on a full disk: reads work, every write fails as SQLite reports it."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def close(self) -> None:
        self._db.close()


def fill_up(store: FeedbackStore) -> None:
    """Make the database's disk full: SQLite then refuses every write."""
    with store._lock:
        store._db = _FullDisk(store._db)  # type: ignore[assignment]


class TestAFullDatabase:
    """Issue 11: the database is a record, not a part of answering."""

    def test_writes_fail_softly_are_logged_once_and_counted(self, tmp_path: Path, caplog):
        import pytest
        from newsbot.bot.feedback import NOT_STORED, FeedbackUnavailable

        store = FeedbackStore(tmp_path / "feedback.sqlite3")
        try:
            kept = store.record_question("who?", "private", True, 1.0)
            fill_up(store)
            with caplog.at_level("DEBUG", logger="newsbot.bot.feedback"):
                assert [store.record_question("x" * 400 + str(n), "private", True, 1.0) for n in range(50)] == [NOT_STORED] * 50
                with pytest.raises(FeedbackUnavailable):
                    store.record_vote(kept, 1, helpful=True)
            warnings = [r for r in caplog.records if r.levelname == "WARNING"]
            assert len(warnings) == 1 and "database or disk is full" in warnings[0].getMessage()
            counts = store.counts()
            assert counts.questions >= 1 and counts.write_failures == 51 and counts.readable
        finally:
            store.close()

    def test_an_id_past_sqlites_range_is_an_unknown_answer(self, tmp_path: Path):
        store = FeedbackStore(tmp_path / "feedback.sqlite3")
        try:
            assert store.record_vote(10**30, 1, helpful=False) is False
            assert store.record_vote(-1, 1, helpful=False) is False
            assert store.record_vote(0, 1, helpful=False) is False
        finally:
            store.close()
