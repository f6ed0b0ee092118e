"""Questions asked and votes given (the question log), in SQLite, for `/stats`, `/gaps` and reports.

Calls are short and synchronous; handlers run them with `asyncio.to_thread`, so a slow disk
never stalls the event loop. One connection, shared by those threads under a lock.

What a row holds: when, the chat type, the outcome (answered, declined, or chat-only such as
"hi"), the engine's time, the question's text, and the asker as a keyed hash (`ReaderHash`),
never a Telegram user id: enough to tell one reader asking ten times from ten readers, and to
keep one vote per reader. Rows older than `keep_days` (NEWSBOT_LOG_DAYS) are deleted, at start
and then hourly, with their votes.

The database is a record, not a part of answering: when it cannot be written (a full disk, a
read-only file, a lock held too long) the question is still answered. The first failure is
logged as a warning, later ones at debug level, and all are counted for /stats.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
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
    user_id INTEGER NOT NULL,  -- the voter's keyed hash (ReaderHash), despite the column's old name
    helpful INTEGER NOT NULL,
    voted_at REAL NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
CREATE TABLE IF NOT EXISTS log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Columns added after the first release, to tables that may already exist.
_ADDED_COLUMNS = {
    "outcome": "ALTER TABLE questions ADD COLUMN outcome TEXT NOT NULL DEFAULT ''",
    "reader": "ALTER TABLE questions ADD COLUMN reader INTEGER",
}
ANSWERED, DECLINED, CHAT = "answered", "declined", "chat"  # outcomes; chat: "hi", "thanks!" (nothing to look up)
OUTCOMES = (ANSWERED, DECLINED, CHAT)
DEFAULT_KEEP_DAYS = 30.0
PRUNE_EVERY_S = 3600.0
_MAX_STORED_QUESTION = 500
NOT_STORED = 0  # the id of a question that could not be stored (SQLite ids start at 1)
_MAX_ID = 2**63 - 1  # SQLite's INTEGER; a larger id in forged button data is no question of ours

log = logging.getLogger(__name__)


class FeedbackUnavailable(Exception):
    """The database could not be written just now; the message says why (logged already)."""


class ReaderHash:
    """A Telegram user id as a keyed hash (HMAC-SHA256, its first 8 bytes as a signed 64-bit
    integer): the same reader gives the same number, and the number gives no id back without the
    key. The bot derives its key from its token (`from_secret`), which the database never holds."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("a ReaderHash needs a non-empty key")
        self._key = key

    @classmethod
    def from_secret(cls, secret: str) -> ReaderHash:
        return cls(hmac.new(secret.encode(), b"newsbot question log readers v1", hashlib.sha256).digest())

    @classmethod
    def random(cls) -> ReaderHash:
        """A key of this process only (no token at hand): hashes that no restart can repeat."""
        return cls(os.urandom(32))

    def __call__(self, user_id: int) -> int:
        digest = hmac.new(self._key, str(int(user_id)).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def __repr__(self) -> str:
        return "ReaderHash('**********')"


@dataclass(frozen=True)
class LoggedQuestion:
    """One row of the question log, as `/stats`, `/gaps` and `newsbot report` read it."""

    asked_at: float  # seconds since the epoch (UTC)
    chat_type: str  # private, group, supergroup, inline
    outcome: str  # one of OUTCOMES
    latency_ms: float  # the engine's time (0 for chat-only messages)
    question: str
    reader: int | None  # the asker's ReaderHash; None when unknown

    @property
    def reader_tag(self) -> str:
        """The reader's hash as 16 hex digits ('' when unknown), for CSV."""
        return "" if self.reader is None else f"{self.reader & (2**64 - 1):016x}"


def outcome_of(answered: bool, stored: str) -> str:
    """A row's outcome; rows written before outcomes were stored have only `answered`."""
    return stored if stored in OUTCOMES else (ANSWERED if answered else DECLINED)


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
    """Records each question and each helpful / not helpful vote (one per reader and answer)."""

    def __init__(self, path: Path | str, readers: ReaderHash | None = None, keep_days: float | None = DEFAULT_KEEP_DAYS) -> None:
        """`keep_days`: how long rows are kept (None: no pruning, for a report that only reads)."""
        if keep_days is not None and keep_days <= 0:
            raise ValueError(f"keep_days must be > 0, got {keep_days}")
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.write_failures = 0
        self.readers = readers or ReaderHash.random()
        self.keep_days = keep_days
        self._pruned_at = 0.0
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
            present = {row[1] for row in self._db.execute("PRAGMA table_info(questions)")}
            for column, statement in _ADDED_COLUMNS.items():
                if column not in present:
                    self._db.execute(statement)
            self._db.execute("CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)")
            self._hash_old_votes()
        self.prune()

    def _hash_old_votes(self) -> None:
        """Votes stored before readers were hashed held Telegram user ids: hash them, once."""
        if self._db.execute("SELECT 1 FROM log_meta WHERE key = 'votes_hashed'").fetchone():
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for (user_id,) in self._db.execute("SELECT DISTINCT user_id FROM votes").fetchall():
                self._db.execute("UPDATE votes SET user_id = ? WHERE user_id = ?", (self.readers(user_id), user_id))
            self._db.execute("INSERT INTO log_meta (key, value) VALUES ('votes_hashed', '1')")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def record_question(self, question: str, chat_type: str, answered: bool, latency_ms: float,
                        user_id: int | None = None, outcome: str | None = None) -> int:
        """Store a question, its outcome (default: answered or declined, from `answered`) and its
        asker's hash; returns its id (for the vote buttons), or `NOT_STORED` when the database
        cannot be written."""
        outcome = outcome_of(answered, outcome or "")
        reader = None if user_id is None else self.readers(user_id)
        self._prune_now_and_then()
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO questions (asked_at, chat_type, answered, latency_ms, question, outcome, reader) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (time.time(), chat_type, int(outcome == ANSWERED), latency_ms, question[:_MAX_STORED_QUESTION], outcome, reader),
                )
            except sqlite3.Error as error:
                self._failed("a question", error)
                return NOT_STORED
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def record_vote(self, question_id: int, user_id: int, helpful: bool) -> bool:
        """Store (or change) a reader's vote on an answer; False when the question is unknown.

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
                    (question_id, self.readers(user_id), int(helpful), time.time()),
                )
            except sqlite3.Error as error:
                self._failed("a vote", error)
                raise FeedbackUnavailable(str(error)) from None
            return True

    def counts(self) -> Counts:
        """The counts of the rows kept (chat-only messages left out); zeros with `readable=False`
        when the database cannot be read."""
        with self._lock:
            try:
                questions, answered = self._db.execute(
                    "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions WHERE outcome != ?", (CHAT,)
                ).fetchone()
                helpful, votes = self._db.execute("SELECT COALESCE(SUM(helpful), 0), COUNT(*) FROM votes").fetchone()
            except sqlite3.Error as error:
                log.warning("cannot read the feedback database %s: %s", self.path, error)
                return Counts(0, 0, 0, 0, 0, self.write_failures, readable=False)
        return Counts(questions, answered, questions - answered, helpful, votes - helpful, self.write_failures)

    def questions_since(self, since: float) -> list[LoggedQuestion]:
        """The log's rows asked at or after `since` (seconds since the epoch), oldest first.

        Raises `FeedbackUnavailable` when the database cannot be read."""
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT asked_at, chat_type, answered, outcome, latency_ms, question, reader FROM questions "
                    "WHERE asked_at >= ? ORDER BY asked_at, id", (since,)
                ).fetchall()
            except sqlite3.Error as error:
                log.warning("cannot read the feedback database %s: %s", self.path, error)
                raise FeedbackUnavailable(str(error)) from None
        return [LoggedQuestion(float(at), chat, outcome_of(bool(answered), outcome), float(latency), text, reader)
                for at, chat, answered, outcome, latency, text, reader in rows]

    def prune(self) -> int:
        """Delete the rows (and their votes) older than `keep_days`; how many questions went."""
        if self.keep_days is None:
            return 0
        cutoff = time.time() - self.keep_days * 86400
        self._pruned_at = time.monotonic()
        with self._lock:
            try:
                self._db.execute("DELETE FROM votes WHERE question_id IN (SELECT id FROM questions WHERE asked_at < ?)", (cutoff,))
                deleted = self._db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
            except sqlite3.Error as error:
                log.warning("cannot delete old questions from %s: %s (tried again in an hour)", self.path, error)
                return 0
        if deleted:
            log.info("question log: deleted %d question(s) older than %g days", deleted, self.keep_days)
        return int(deleted)

    def _prune_now_and_then(self) -> None:
        if self.keep_days is not None and time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
            self.prune()

    def _failed(self, what: str, error: sqlite3.Error) -> None:
        """Count a failed write; warn the first time (a full disk would fill the log too)."""
        self.write_failures += 1
        level = logging.WARNING if self.write_failures == 1 else logging.DEBUG
        log.log(level, "cannot store %s in the feedback database %s: %s (answers go on; counted in /stats)",
                what, self.path, error)

    def close(self) -> None:
        with self._lock:
            self._db.close()
