"""Questions asked and votes given, in SQLite, for `/stats` and for improving the answers.

Calls are short and synchronous; handlers run them with `asyncio.to_thread`, so a slow disk
never stalls the event loop. One connection, shared by those threads under a lock.

The database is a record, not a part of answering: when it cannot be written (a full disk, a
read-only file, a lock held too long) the question is still answered. The first failure is
logged as a warning, later ones at debug level, and all are counted for /stats.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    asked_at REAL NOT NULL,
    chat_type TEXT NOT NULL,
    answered INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    question TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_id INTEGER NOT NULL,
    helpful INTEGER NOT NULL,
    voted_at REAL NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
"""
_MAX_STORED_QUESTION = 500
NOT_STORED = 0  # the id of a question that could not be stored (SQLite ids start at 1)
_MAX_ID = 2**63 - 1  # SQLite's INTEGER; a larger id in forged button data is no question of ours

log = logging.getLogger(__name__)


class FeedbackUnavailable(Exception):
    """The database could not be written just now; the message says why (logged already)."""


@dataclass(frozen=True)
class Counts:
    """What `/stats` reports about the bot's use."""

    questions: int
    answered: int
    not_found: int
    helpful: int
    not_helpful: int
    write_failures: int = 0  # questions or votes that could not be stored since the bot started
    readable: bool = True  # False when the counts themselves could not be read


class FeedbackStore:
    """Records each question answered and each helpful / not helpful vote (one per user and answer)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.write_failures = 0
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def record_question(self, question: str, chat_type: str, answered: bool, latency_ms: float) -> int:
        """Store a question and whether it was answered; returns its id (for the vote buttons),
        or `NOT_STORED` when the database cannot be written."""
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO questions (asked_at, chat_type, answered, latency_ms, question) VALUES (?, ?, ?, ?, ?)",
                    (time.time(), chat_type, int(answered), latency_ms, question[:_MAX_STORED_QUESTION]),
                )
            except sqlite3.Error as error:
                self._failed("a question", error)
                return NOT_STORED
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def record_vote(self, question_id: int, user_id: int, helpful: bool) -> bool:
        """Store (or change) a user's vote on an answer; False when the question is unknown.

        Raises `FeedbackUnavailable` when the database cannot be written.
        """
        if not 0 < question_id <= _MAX_ID:
            return False
        with self._lock:
            try:
                if self._db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone() is None:
                    return False
                self._db.execute(
                    "INSERT INTO votes (question_id, user_id, helpful, voted_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
                    (question_id, user_id, int(helpful), time.time()),
                )
            except sqlite3.Error as error:
                self._failed("a vote", error)
                raise FeedbackUnavailable(str(error)) from None
            return True

    def counts(self) -> Counts:
        """The counts so far; zeros with `readable=False` when the database cannot be read."""
        with self._lock:
            try:
                questions, answered = self._db.execute("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions").fetchone()
                helpful, votes = self._db.execute("SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM votes").fetchone()
            except sqlite3.Error as error:
                log.warning("cannot read the feedback database %s: %s", self.path, error)
                return Counts(0, 0, 0, 0, 0, self.write_failures, readable=False)
        return Counts(questions, answered, questions - answered, helpful, votes - helpful, self.write_failures)

    def _failed(self, what: str, error: sqlite3.Error) -> None:
        """Count a failed write; warn the first time (a full disk would fill the log too)."""
        self.write_failures += 1
        level = logging.WARNING if self.write_failures == 1 else logging.DEBUG
        log.log(level, "cannot store %s in the feedback database %s: %s (answers go on; counted in /stats)",
                what, self.path, error)

    def close(self) -> None:
        with self._lock:
            self._db.close()
