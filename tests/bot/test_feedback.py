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


class TestTheQuestionLog:
    """Issue 22: outcomes for the chart, readers as keyed hashes, and a bounded time kept."""

    def test_keeps_outcomes_and_hashed_readers_never_user_ids(self, tmp_path: Path):
        from newsbot.bot.feedback import ReaderHash

        path = tmp_path / "feedback.sqlite3"
        store = FeedbackStore(path, ReaderHash.from_secret("token-a"))
        try:
            store.record_question("Who won?", "private", True, 40.0, user_id=123456789)
            store.record_question("What is the capital of Mongolia?", "group", False, 30.0, user_id=123456789)
            store.record_question("hi", "private", False, 0.0, user_id=42, outcome="chat")
            store.record_vote(1, 123456789, helpful=True)
            rows = store.questions_since(0)
            assert [(r.question, r.outcome) for r in rows] == [
                ("Who won?", "answered"), ("What is the capital of Mongolia?", "declined"), ("hi", "chat")]
            assert rows[0].reader == rows[1].reader != rows[2].reader
            assert rows[0].reader == ReaderHash.from_secret("token-a")(123456789) != ReaderHash.from_secret("token-b")(123456789)
            assert len(rows[0].reader_tag) == 16
            assert store.counts() == Counts(questions=2, answered=1, not_found=1, helpful=1, not_helpful=0)  # chat left out
        finally:
            store.close()
        with sqlite3.connect(path) as db:
            stored = [str(v) for row in db.execute("SELECT * FROM questions").fetchall() for v in row]
            stored += [str(v) for row in db.execute("SELECT * FROM votes").fetchall() for v in row]
        assert "123456789" not in stored and "42" not in stored

    def test_rows_older_than_the_days_kept_go_with_their_votes(self, tmp_path: Path):
        path = tmp_path / "feedback.sqlite3"
        store = FeedbackStore(path, keep_days=30)
        old = store.record_question("old?", "private", True, 1.0, user_id=1)
        store.record_vote(old, 1, helpful=True)
        store.record_question("new?", "private", True, 1.0, user_id=1)
        with store._lock:
            store._db.execute("UPDATE questions SET asked_at = asked_at - 31 * 86400 WHERE id = ?", (old,))
        assert store.prune() == 1
        assert [r.question for r in store.questions_since(0)] == ["new?"] and store.counts().helpful == 0
        store.close()
        kept = FeedbackStore(path, keep_days=None)  # a report reads and deletes nothing
        assert len(kept.questions_since(0)) == 1
        kept.close()

    def test_an_older_database_gains_the_columns_and_its_votes_are_hashed(self, tmp_path: Path):
        path = tmp_path / "feedback.sqlite3"
        with sqlite3.connect(path) as db:
            db.executescript(
                "CREATE TABLE questions (id INTEGER PRIMARY KEY, asked_at REAL NOT NULL, chat_type TEXT NOT NULL, "
                "answered INTEGER NOT NULL, latency_ms REAL NOT NULL, question TEXT NOT NULL);"
                "CREATE TABLE votes (question_id INTEGER NOT NULL REFERENCES questions(id), user_id INTEGER NOT NULL, "
                "helpful INTEGER NOT NULL, voted_at REAL NOT NULL, PRIMARY KEY (question_id, user_id));"
                "INSERT INTO questions VALUES (1, strftime('%s', 'now'), 'private', 0, 5.0, 'Why?');"
                "INSERT INTO votes VALUES (1, 987654321, 0, 0);"
            )
        store = FeedbackStore(path)
        try:
            assert [(r.question, r.outcome, r.reader) for r in store.questions_since(0)] == [("Why?", "declined", None)]
            with store._lock:
                voters = [row[0] for row in store._db.execute("SELECT user_id FROM votes")]
            assert voters == [store.readers(987654321)]
            assert store.record_vote(1, 987654321, helpful=True)
            assert (store.counts().helpful, store.counts().not_helpful) == (1, 0)  # the same voter's vote, changed
        finally:
            store.close()
