"""Questions asked and votes given, in SQLite, for `/stats` and for improving the answers.

Calls are short and synchronous; handlers run them with `asyncio.to_thread`, so a slow disk
never stalls the event loop. One connection, shared by those threads under a lock.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Counts:
    """What `/stats` reports about the bot's use."""

    questions: int
    answered: int
    not_found: int
    helpful: int
    not_helpful: int


class FeedbackStore:
    """Records each question answered and each helpful / not helpful vote (one per user and answer)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def record_question(self, question: str, chat_type: str, answered: bool, latency_ms: float) -> int:
        """Store a question and whether it was answered; returns its id (for the vote buttons)."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO questions (asked_at, chat_type, answered, latency_ms, question) VALUES (?, ?, ?, ?, ?)",
                (time.time(), chat_type, int(answered), latency_ms, question[:_MAX_STORED_QUESTION]),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def record_vote(self, question_id: int, user_id: int, helpful: bool) -> bool:
        """Store (or change) a user's vote on an answer; False when the question is unknown."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT INTO votes (question_id, user_id, helpful, voted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
                (question_id, user_id, int(helpful), time.time()),
            )
            return True

    def counts(self) -> Counts:
        with self._lock:
            questions, answered = self._db.execute("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions").fetchone()
            helpful, votes = self._db.execute("SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM votes").fetchone()
        return Counts(questions, answered, questions - answered, helpful, votes - helpful)

    def close(self) -> None:
        with self._lock:
            self._db.close()
