"""What chats follow, which articles were announced, and what each follower was sent: in SQLite
(the feedback database's file) or, with NEWSBOT_DATABASE_URL, in PostgreSQL shared by replicas.

Exactly once across replicas comes from two claims, each one `INSERT … ON CONFLICT DO NOTHING`:
an article is claimed once (`claim_articles`: the replica that claims it matches it against the
follows), and each (follow, article) pair is claimed once before its message is sent
(`claim_delivery`). A replica that dies between a claim and its send loses that message rather
than sending it twice, as Telegram's own redelivery leaves the bot no way to know.

Calls are short and synchronous; the notifier runs them in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

TOPIC, QUESTION = "topic", "question"
SENDING, SENT, WAITING, DIGESTED = "sending", "sent", "waiting", "digest"  # a delivery's states
DELIVERIES_KEPT_S = 30 * 86400.0  # a (follow, article) pair is remembered this long: no article comes back later
SEEDED = "articles_seeded"

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS follows (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    folded TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (chat_id, kind, folded)
);
CREATE TABLE IF NOT EXISTS follow_articles (doc_id TEXT PRIMARY KEY, seen_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS follow_deliveries (
    follow_id INTEGER NOT NULL,
    doc_id TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (follow_id, doc_id)
);
CREATE INDEX IF NOT EXISTS follow_deliveries_chat ON follow_deliveries (chat_id, state);
CREATE TABLE IF NOT EXISTS follow_sends (chat_id INTEGER NOT NULL, sent_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS follow_sends_chat ON follow_sends (chat_id, sent_at);
CREATE TABLE IF NOT EXISTS follow_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS newsbot_follows (
    id bigserial PRIMARY KEY,
    chat_id bigint NOT NULL,
    kind text NOT NULL,
    text text NOT NULL,
    folded text NOT NULL,
    created_at double precision NOT NULL,
    UNIQUE (chat_id, kind, folded)
);
CREATE TABLE IF NOT EXISTS newsbot_follow_articles (doc_id text PRIMARY KEY, seen_at double precision NOT NULL);
CREATE TABLE IF NOT EXISTS newsbot_follow_deliveries (
    follow_id bigint NOT NULL,
    doc_id text NOT NULL,
    chat_id bigint NOT NULL,
    state text NOT NULL,
    title text NOT NULL,
    url text NOT NULL,
    at double precision NOT NULL,
    PRIMARY KEY (follow_id, doc_id)
);
CREATE INDEX IF NOT EXISTS newsbot_follow_deliveries_chat ON newsbot_follow_deliveries (chat_id, state);
CREATE TABLE IF NOT EXISTS newsbot_follow_sends (chat_id bigint NOT NULL, sent_at double precision NOT NULL);
CREATE INDEX IF NOT EXISTS newsbot_follow_sends_chat ON newsbot_follow_sends (chat_id, sent_at);
CREATE TABLE IF NOT EXISTS newsbot_follow_meta (key text PRIMARY KEY, value text NOT NULL);
"""


@dataclass(frozen=True)
class Follow:
    """A topic or a question a chat follows."""

    follow_id: int
    chat_id: int
    kind: str  # TOPIC or QUESTION
    text: str
    created_at: float


@dataclass(frozen=True)
class Waiting:
    """A matched article past the chat's hourly limit, waiting for the chat's digest."""

    doc_id: str
    title: str
    url: str


def fold(text: str) -> str:
    """The form two follows are the same in: case, spacing and a final '?' aside."""
    return " ".join(text.casefold().split()).rstrip(" ?")


class _Connection(Protocol):
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def count(self, sql: str, params: Sequence[Any] = ()) -> int: ...


class FollowStore:
    """The follows and their delivery ledger; `sqlite(path)` or `postgres(database)`."""

    def __init__(self, backend: _Backend) -> None:
        self._backend = backend
        self._t = backend.prefix

    @classmethod
    def sqlite(cls, path: Path | str) -> FollowStore:
        return cls(_Sqlite(path))

    @classmethod
    def postgres(cls, database: Any) -> FollowStore:
        return cls(_Postgres(database))

    # -- follows ---------------------------------------------------------------------------

    def add(self, chat_id: int, kind: str, text: str) -> Follow | None:
        """Follow `text` in the chat; None when the chat already follows it."""
        if kind not in (TOPIC, QUESTION):
            raise ValueError(f"kind must be {TOPIC!r} or {QUESTION!r}, got {kind!r}")
        now = time.time()
        with self._backend.connect() as conn:
            found = conn.rows(
                f"INSERT INTO {self._t}follows (chat_id, kind, text, folded, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (chat_id, kind, folded) DO NOTHING RETURNING id",
                (chat_id, kind, text, fold(text), now),
            )
        return Follow(int(found[0][0]), chat_id, kind, text, now) if found else None

    def of_chat(self, chat_id: int) -> list[Follow]:
        """The chat's follows, oldest first (the numbers /following shows)."""
        with self._backend.connect() as conn:
            rows = conn.rows(
                f"SELECT id, chat_id, kind, text, created_at FROM {self._t}follows WHERE chat_id = ? ORDER BY id",
                (chat_id,),
            )
        return [Follow(int(i), int(c), k, t, float(at)) for i, c, k, t, at in rows]

    def everyone(self) -> list[Follow]:
        with self._backend.connect() as conn:
            rows = conn.rows(f"SELECT id, chat_id, kind, text, created_at FROM {self._t}follows ORDER BY id")
        return [Follow(int(i), int(c), k, t, float(at)) for i, c, k, t, at in rows]

    def remove(self, chat_id: int, follow_ids: Iterable[int]) -> int:
        """Stop these follows of the chat (and forget what they were waiting for); how many went."""
        removed = 0
        with self._backend.connect() as conn:
            for follow_id in follow_ids:
                conn.count(
                    f"DELETE FROM {self._t}follow_deliveries WHERE follow_id = ? AND state = ?", (follow_id, WAITING)
                )
                removed += conn.count(
                    f"DELETE FROM {self._t}follows WHERE id = ? AND chat_id = ?", (follow_id, chat_id)
                )
        return removed

    def forget_chat(self, chat_id: int) -> int:
        """Delete all the chat's follows and deliveries (it blocked the bot, or is gone); how many follows."""
        with self._backend.connect() as conn:
            conn.count(f"DELETE FROM {self._t}follow_deliveries WHERE chat_id = ?", (chat_id,))
            conn.count(f"DELETE FROM {self._t}follow_sends WHERE chat_id = ?", (chat_id,))
            return conn.count(f"DELETE FROM {self._t}follows WHERE chat_id = ?", (chat_id,))

    def move_chat(self, old: int, new: int) -> None:
        """A group became a supergroup: its follows move to the new chat id (duplicates dropped)."""
        with self._backend.connect() as conn:
            for _, kind, text, folded, created in conn.rows(
                f"SELECT id, kind, text, folded, created_at FROM {self._t}follows WHERE chat_id = ? ORDER BY id", (old,)
            ):
                conn.count(
                    f"INSERT INTO {self._t}follows (chat_id, kind, text, folded, created_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (chat_id, kind, folded) DO NOTHING",
                    (new, kind, text, folded, created),
                )
            conn.count(f"DELETE FROM {self._t}follows WHERE chat_id = ?", (old,))
            conn.count(f"UPDATE {self._t}follow_deliveries SET chat_id = ? WHERE chat_id = ?", (new, old))
            conn.count(f"UPDATE {self._t}follow_sends SET chat_id = ? WHERE chat_id = ?", (new, old))

    # -- articles --------------------------------------------------------------------------

    def seeded(self) -> bool:
        """Whether the articles of the index have been recorded once (at the first start)."""
        with self._backend.connect() as conn:
            return bool(conn.rows(f"SELECT 1 FROM {self._t}follow_meta WHERE key = ?", (SEEDED,)))

    def seed(self, doc_ids: Iterable[str]) -> None:
        """Record the articles already indexed, announcing none: follows are about what comes next."""
        now = time.time()
        with self._backend.connect() as conn:
            for doc_id in doc_ids:
                conn.count(
                    f"INSERT INTO {self._t}follow_articles (doc_id, seen_at) VALUES (?, ?) ON CONFLICT (doc_id) DO NOTHING",
                    (doc_id, now),
                )
            conn.count(
                f"INSERT INTO {self._t}follow_meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO NOTHING", (SEEDED,)
            )

    def known_articles(self) -> set[str]:
        with self._backend.connect() as conn:
            return {str(row[0]) for row in conn.rows(f"SELECT doc_id FROM {self._t}follow_articles")}

    def claim_articles(self, doc_ids: Iterable[str]) -> list[str]:
        """The articles of `doc_ids` that no one announced before: this caller announces them."""
        now = time.time()
        claimed = []
        with self._backend.connect() as conn:
            for doc_id in doc_ids:
                if conn.rows(
                    f"INSERT INTO {self._t}follow_articles (doc_id, seen_at) VALUES (?, ?) "
                    "ON CONFLICT (doc_id) DO NOTHING RETURNING doc_id",
                    (doc_id, now),
                ):
                    claimed.append(doc_id)
        return claimed

    # -- deliveries ------------------------------------------------------------------------

    def claim_delivery(self, follow: Follow, doc_id: str, title: str, url: str) -> bool:
        """True once per (follow, article), whichever replica asks: that one sends it."""
        with self._backend.connect() as conn:
            return bool(
                conn.rows(
                    f"INSERT INTO {self._t}follow_deliveries (follow_id, doc_id, chat_id, state, title, url, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (follow_id, doc_id) DO NOTHING RETURNING 1",
                    (follow.follow_id, doc_id, follow.chat_id, SENDING, title, url, time.time()),
                )
            )

    def mark(self, chat_id: int, doc_id: str, state: str) -> None:
        """Set the state of the chat's deliveries of `doc_id` (SENT, WAITING)."""
        with self._backend.connect() as conn:
            conn.count(
                f"UPDATE {self._t}follow_deliveries SET state = ?, at = ? WHERE chat_id = ? AND doc_id = ? AND state = ?",
                (state, time.time(), chat_id, doc_id, SENDING),
            )

    def sent_since(self, chat_id: int, since: float) -> int:
        """Messages (articles and digests) the chat was sent since `since`."""
        with self._backend.connect() as conn:
            return int(
                conn.rows(
                    f"SELECT COUNT(*) FROM {self._t}follow_sends WHERE chat_id = ? AND sent_at >= ?", (chat_id, since)
                )[0][0]
            )

    def record_sent(self, chat_id: int) -> None:
        with self._backend.connect() as conn:
            conn.count(f"INSERT INTO {self._t}follow_sends (chat_id, sent_at) VALUES (?, ?)", (chat_id, time.time()))

    def chats_waiting(self) -> list[int]:
        with self._backend.connect() as conn:
            return [
                int(r[0])
                for r in conn.rows(
                    f"SELECT DISTINCT chat_id FROM {self._t}follow_deliveries WHERE state = ?", (WAITING,)
                )
            ]

    def take_waiting(self, chat_id: int) -> list[Waiting]:
        """The chat's waiting articles, marked as digested in the same statement (one replica gets them)."""
        with self._backend.connect() as conn:
            rows = conn.rows(
                f"UPDATE {self._t}follow_deliveries SET state = ?, at = ? WHERE chat_id = ? AND state = ? RETURNING doc_id, title, url",
                (DIGESTED, time.time(), chat_id, WAITING),
            )
        seen: dict[str, Waiting] = {}
        for doc_id, title, url in rows:
            seen.setdefault(doc_id, Waiting(doc_id, title, url))  # two follows, one article: one line
        return list(seen.values())

    def prune(self, now: float | None = None) -> None:
        """Forget sends older than an hour and deliveries older than DELIVERIES_KEPT_S."""
        moment = time.time() if now is None else now
        with self._backend.connect() as conn:
            conn.count(f"DELETE FROM {self._t}follow_sends WHERE sent_at < ?", (moment - 3600,))
            conn.count(
                f"DELETE FROM {self._t}follow_deliveries WHERE at < ? AND state != ?",
                (moment - DELIVERIES_KEPT_S, WAITING),
            )

    def close(self) -> None:
        self._backend.close()


class _Backend(Protocol):
    prefix: str

    def connect(self) -> contextlib.AbstractContextManager[_Connection]: ...
    def close(self) -> None: ...


class _Sqlite:
    """One SQLite connection shared by threads under a lock; each `connect()` block is a transaction."""

    prefix = ""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SQLITE_SCHEMA)

    @contextlib.contextmanager
    def connect(self) -> Iterator[_SqliteConnection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteConnection(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _SqliteConnection:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, tuple(params)).fetchall()

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._db.execute(sql, tuple(params)).rowcount


class _Postgres:
    """The shared database (newsbot.index.postgres.database.Database); each `connect()` block is a transaction."""

    prefix = "newsbot_"

    def __init__(self, database: Any) -> None:
        from newsbot.index.postgres.database import SCHEMA_LOCK

        self.database = database
        with database.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute(_POSTGRES_SCHEMA)

    @contextlib.contextmanager
    def connect(self) -> Iterator[_PostgresConnection]:
        with self.database.connection() as conn, conn.transaction():
            yield _PostgresConnection(conn)

    def close(self) -> None:
        """The database is the engine's too; it closes it."""


class _PostgresConnection:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._conn.execute(sql.replace("?", "%s"), tuple(params))
        return list(cursor.fetchall()) if cursor.description is not None else []

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        return int(self._conn.execute(sql.replace("?", "%s"), tuple(params)).rowcount)
