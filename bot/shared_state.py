"""The bot's state in PostgreSQL, shared by every replica (NEWSBOT_DATABASE_URL is set).

- `PgFeedbackStore`: questions and votes, the same interface, failure and retention rules as the
  SQLite `FeedbackStore` (a write that fails never stops an answer; counted for /stats; readers
  as keyed hashes), so /stats reads the same on every replica.
- `PgCooldown`: one question per user every `seconds` across replicas: one atomic upsert.
- `UpdateLedger`: each Telegram update handled once. A replica claims an update before handling
  it and marks it done after; a redelivered update (Telegram got no 200: the replica died, or
  timed out) that is done, or is being handled by a live replica, is skipped; one claimed by a
  dead replica is taken over. A replica is alive while it holds its presence lock (a session
  advisory lock on a connection of its own, released by PostgreSQL the moment the process dies).

The tables are created here, idempotently; their version is newsbot's schema version
(newsbot.index.postgres.database).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from newsbot.bot.feedback import (
    _MAX_ID,
    _MAX_STORED_QUESTION,
    ANSWERED,
    CHAT,
    DEFAULT_KEEP_DAYS,
    NOT_STORED,
    PRUNE_EVERY_S,
    Counts,
    FeedbackUnavailable,
    LoggedQuestion,
    ReaderHash,
    outcome_of,
)
from newsbot.index.postgres.database import Database, DatabaseUnavailable

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS newsbot_questions (
    id bigserial PRIMARY KEY,
    asked_at timestamptz NOT NULL DEFAULT now(),
    chat_type text NOT NULL,
    answered boolean NOT NULL,
    latency_ms real NOT NULL,
    question text NOT NULL
);
CREATE TABLE IF NOT EXISTS newsbot_votes (
    question_id bigint NOT NULL REFERENCES newsbot_questions(id),
    user_id bigint NOT NULL,
    helpful boolean NOT NULL,
    voted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (question_id, user_id)
);
CREATE TABLE IF NOT EXISTS newsbot_cooldowns (
    user_id bigint PRIMARY KEY,
    last_at timestamptz NOT NULL,
    warned boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS newsbot_updates (
    update_id bigint PRIMARY KEY,
    owner text NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    done boolean NOT NULL DEFAULT false
);
ALTER TABLE newsbot_questions ADD COLUMN IF NOT EXISTS outcome text NOT NULL DEFAULT '';
ALTER TABLE newsbot_questions ADD COLUMN IF NOT EXISTS reader bigint;
CREATE INDEX IF NOT EXISTS newsbot_questions_asked_at ON newsbot_questions (asked_at);
"""
MINE, DONE, BUSY = "mine", "done", "busy"  # UpdateLedger.claim
UPDATES_KEPT = "2 days"  # Telegram stops redelivering an update after about a day


def create_tables(database: Database) -> None:
    from newsbot.index.postgres.database import SCHEMA_LOCK

    with database.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute(_SCHEMA)


class PgFeedbackStore:
    """Questions and votes in PostgreSQL; see `newsbot.bot.feedback.FeedbackStore`."""

    def __init__(self, database: Database, readers: ReaderHash | None = None, keep_days: float | None = DEFAULT_KEEP_DAYS) -> None:
        if keep_days is not None and keep_days <= 0:
            raise ValueError(f"keep_days must be > 0, got {keep_days}")
        self.database = database
        self.path = database.display  # named in log lines, as the SQLite store names its file
        self.write_failures = 0
        self.readers = readers or ReaderHash.random()
        self.keep_days = keep_days
        self._pruned_at = 0.0
        self._lock = threading.Lock()
        create_tables(database)
        self._hash_old_votes()
        self.prune()

    def _hash_old_votes(self) -> None:
        """Votes stored before readers were hashed held Telegram user ids: hash them, once."""
        from newsbot.index.postgres.database import SCHEMA_LOCK

        with self.database.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            if conn.execute("SELECT 1 FROM newsbot_meta WHERE key = 'votes_hashed'").fetchone():
                return
            for (user_id,) in conn.execute("SELECT DISTINCT user_id FROM newsbot_votes").fetchall():
                conn.execute("UPDATE newsbot_votes SET user_id = %s WHERE user_id = %s", (self.readers(user_id), user_id))
            conn.execute("INSERT INTO newsbot_meta (key, value) VALUES ('votes_hashed', '1')")

    def record_question(self, question: str, chat_type: str, answered: bool, latency_ms: float,
                        user_id: int | None = None, outcome: str | None = None) -> int:
        outcome = outcome_of(answered, outcome or "")
        reader = None if user_id is None else self.readers(user_id)
        self._prune_now_and_then()
        try:
            with self.database.connection() as conn:
                row = conn.execute(
                    "INSERT INTO newsbot_questions (chat_type, answered, latency_ms, question, outcome, reader) "
                    "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                    (chat_type, outcome == ANSWERED, latency_ms, question[:_MAX_STORED_QUESTION].replace("\x00", ""), outcome, reader),
                ).fetchone()
        except Exception as error:  # psycopg errors and a lost database alike: the answer goes on
            self._failed("a question", error)
            return NOT_STORED
        return int(row[0])

    def record_vote(self, question_id: int, user_id: int, helpful: bool) -> bool:
        if not 0 < question_id <= _MAX_ID:
            return False
        try:
            with self.database.connection() as conn:
                row = conn.execute(
                    "INSERT INTO newsbot_votes (question_id, user_id, helpful) SELECT id, %s, %s FROM newsbot_questions WHERE id = %s "
                    "ON CONFLICT (question_id, user_id) DO UPDATE SET helpful = excluded.helpful, voted_at = now() RETURNING 1",
                    (self.readers(user_id), helpful, question_id),
                ).fetchone()
        except Exception as error:
            self._failed("a vote", error)
            raise FeedbackUnavailable(str(error)) from None
        return row is not None

    def counts(self) -> Counts:
        try:
            with self.database.connection() as conn:
                questions, answered = conn.execute(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE answered) FROM newsbot_questions WHERE outcome != %s", (CHAT,)
                ).fetchone()
                helpful, votes = conn.execute("SELECT COUNT(*) FILTER (WHERE helpful), COUNT(*) FROM newsbot_votes").fetchone()
        except Exception as error:
            level = logging.DEBUG if isinstance(error, DatabaseUnavailable) else logging.WARNING  # said once a minute
            log.log(level, "cannot read the feedback tables in %s: %s", self.path, error)
            return Counts(0, 0, 0, 0, 0, self.write_failures, readable=False)
        return Counts(questions, answered, questions - answered, helpful, votes - helpful, self.write_failures)

    def questions_since(self, since: float) -> list[LoggedQuestion]:
        try:
            with self.database.connection() as conn:
                rows = conn.execute(
                    "SELECT EXTRACT(EPOCH FROM asked_at), chat_type, answered, outcome, latency_ms, question, reader "
                    "FROM newsbot_questions WHERE asked_at >= to_timestamp(%s) ORDER BY asked_at, id", (since,)
                ).fetchall()
        except Exception as error:
            log.warning("cannot read the feedback tables in %s: %s", self.path, error)
            raise FeedbackUnavailable(str(error)) from None
        return [LoggedQuestion(float(at), chat, outcome_of(bool(answered), outcome), float(latency), text, reader)
                for at, chat, answered, outcome, latency, text, reader in rows]

    def prune(self) -> int:
        if self.keep_days is None:
            return 0
        self._pruned_at = time.monotonic()
        try:
            with self.database.connection() as conn, conn.transaction():
                cutoff = "now() - make_interval(secs => %s)"
                conn.execute(f"DELETE FROM newsbot_votes WHERE question_id IN (SELECT id FROM newsbot_questions WHERE asked_at < {cutoff})",
                             (self.keep_days * 86400,))
                deleted = conn.execute(f"DELETE FROM newsbot_questions WHERE asked_at < {cutoff}", (self.keep_days * 86400,)).rowcount
        except Exception as error:
            log.warning("cannot delete old questions from %s: %s (tried again in an hour)", self.path, error)
            return 0
        if deleted:
            log.info("question log: deleted %d question(s) older than %g days", deleted, self.keep_days)
        return int(deleted)

    def _prune_now_and_then(self) -> None:
        if self.keep_days is not None and time.monotonic() - self._pruned_at > PRUNE_EVERY_S:
            self.prune()

    def _failed(self, what: str, error: BaseException) -> None:
        with self._lock:
            self.write_failures += 1
            first = self.write_failures == 1
        log.log(logging.WARNING if first else logging.DEBUG,
                "cannot store %s in the database %s: %s (answers go on; counted in /stats)", what, self.path, error)

    def close(self) -> None:
        """The database is the engine's too; it closes it."""


class PgCooldown:
    """At most one question per user every `seconds`, across replicas (`Cooldown`'s interface)."""

    def __init__(self, database: Database, seconds: float) -> None:
        self.database = database
        self.seconds = seconds
        create_tables(database)

    def wait_left(self, user_id: int) -> float:
        """0 and the question counts, or how many seconds the user must still wait. A database
        that cannot be reached lets the question through (the cooldown guards load, not data)."""
        try:
            with self.database.connection() as conn:
                row = conn.execute(
                    "INSERT INTO newsbot_cooldowns AS c (user_id, last_at) VALUES (%s, clock_timestamp()) "
                    "ON CONFLICT (user_id) DO UPDATE SET last_at = clock_timestamp(), warned = false "
                    "WHERE c.last_at <= clock_timestamp() - make_interval(secs => %s) "
                    "RETURNING 0.0",
                    (user_id, self.seconds),
                ).fetchone()
                if row is not None:
                    return 0.0
                left = conn.execute(
                    "SELECT EXTRACT(EPOCH FROM last_at + make_interval(secs => %s) - clock_timestamp()) FROM newsbot_cooldowns WHERE user_id = %s",
                    (self.seconds, user_id),
                ).fetchone()
        except Exception as error:
            level = logging.DEBUG if isinstance(error, DatabaseUnavailable) else logging.WARNING  # said once a minute
            log.log(level, "cooldown not checked (database): %s", error)
            return 0.0
        return max(0.0, float(left[0])) if left else 0.0

    def first_warning(self, user_id: int) -> bool:
        """True once per cooldown: warn a flooding user once, then stay quiet."""
        try:
            with self.database.connection() as conn:
                row = conn.execute(
                    "UPDATE newsbot_cooldowns SET warned = true WHERE user_id = %s AND NOT warned RETURNING 1", (user_id,)
                ).fetchone()
        except Exception:
            return False
        return row is not None


def _lock_key(owner: str) -> int:
    """A signed 64-bit advisory lock key for a replica."""
    return int.from_bytes(hashlib.sha256(owner.encode()).digest()[:8], "big", signed=True)


class UpdateLedger:
    """Which updates are claimed, by which replica, and which are done."""

    def __init__(self, database: Database, owner: str | None = None) -> None:
        self.database = database
        self.owner = owner or f"replica-{uuid.uuid4().hex[:12]}"
        create_tables(database)
        # Held for the life of the process: a replica is alive while this lock is held.
        self._presence = database._connect()
        self._presence.execute("SELECT pg_advisory_lock(%s)", (_lock_key(self.owner),))
        self._last_prune = 0.0

    def claim(self, update_id: int) -> str:
        """MINE: handle this update (its first delivery, or its replica died); DONE: it was
        handled, skip it; BUSY: a live replica is handling it (or one that died a moment ago and
        PostgreSQL has not noticed yet), so Telegram should deliver it again later."""
        with self.database.connection() as conn, conn.transaction():
            if conn.execute(
                "INSERT INTO newsbot_updates (update_id, owner) VALUES (%s, %s) ON CONFLICT (update_id) DO NOTHING RETURNING 1",
                (update_id, self.owner),
            ).fetchone():
                return MINE
            owner, done = conn.execute("SELECT owner, done FROM newsbot_updates WHERE update_id = %s FOR UPDATE", (update_id,)).fetchone()
            if done:
                return DONE
            if owner == self.owner or not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_lock_key(owner),)).fetchone()[0]:
                return BUSY
            conn.execute("UPDATE newsbot_updates SET owner = %s, claimed_at = now() WHERE update_id = %s", (self.owner, update_id))
            log.info("update %s: its replica %s died before finishing it; handling it here", update_id, owner)
            return MINE

    def finish(self, update_id: int) -> None:
        with self.database.connection() as conn:
            conn.execute("UPDATE newsbot_updates SET done = true WHERE update_id = %s", (update_id,))
            if time.monotonic() - self._last_prune > 3600:
                self._last_prune = time.monotonic()
                conn.execute(f"DELETE FROM newsbot_updates WHERE done AND claimed_at < now() - interval '{UPDATES_KEPT}'")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing at shutdown: nothing left to do about it
            self._presence.close()


@dataclass
class SharedState:
    """The bot's state in the database: feedback, cooldowns, the update ledger."""

    database: Database
    feedback: PgFeedbackStore
    cooldown: PgCooldown
    ledger: UpdateLedger

    @classmethod
    def open(cls, settings: Any) -> SharedState:
        """Connect (one-line DatabaseError when the database cannot be used) and create the tables."""
        database = Database(settings.engine.database_url, max_connections=settings.workers + 4)
        feedback = PgFeedbackStore(database, ReaderHash.from_secret(settings.token.reveal()), settings.log_days)
        return cls(database, feedback, PgCooldown(database, settings.cooldown_seconds), UpdateLedger(database))

    def close(self) -> None:
        self.ledger.close()
        self.database.close()
