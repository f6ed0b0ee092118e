"""Connecting to PostgreSQL: the pgvector check, newsbot's schema version, errors in one line.

Every failure a user can fix (the server is unreachable, pgvector is missing or too old, the
database holds a schema of another newsbot version) is a `DatabaseError` whose message says what
to do; the URL's password never appears in one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from newsbot.index.store import IndexError_

SCHEMA_VERSION = 1
MIN_PGVECTOR = (0, 7, 0)  # sparsevec (the BM25 weights) arrived in pgvector 0.7
CONNECT_TIMEOUT_S = 5
# Serialises newsbot's DDL (first start of several replicas at once) and, as a session lock held
# through a build, makes one writer at a time: two keys of the advisory lock space.
SCHEMA_LOCK = 0x6E657773626F7401
WRITER_LOCK = 0x6E657773626F7402

_META = """
CREATE TABLE IF NOT EXISTS newsbot_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE SEQUENCE IF NOT EXISTS newsbot_generation_seq;
CREATE TABLE IF NOT EXISTS newsbot_generations (
    id bigint PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    manifest jsonb NOT NULL,
    vocabulary integer NOT NULL
);
ALTER TABLE newsbot_generations ADD COLUMN IF NOT EXISTS lexicon text;  -- index/lexicon.py's file, as written
"""


class DatabaseError(IndexError_):
    """The database cannot be used as it is; the message says what to do."""


class GenerationGone(IndexError_):
    """The generation a snapshot reads was dropped by a later reindex: load the current one."""


def redact(url: str) -> str:
    """`url` without its password (postgresql://user:secret@host/db -> postgresql://user:***@host/db)."""
    url = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


class Database:
    """A checked connection pool to the database at `url`; `connection()` lends one."""

    def __init__(self, url: str, max_connections: int = 8) -> None:
        if not url.strip():
            raise DatabaseError("the database URL is empty; set NEWSBOT_DATABASE_URL or --database-url")
        self.url = url
        self.display = redact(url)
        with self._connect() as conn:
            self._check(conn)
        from psycopg_pool import ConnectionPool

        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=_configure,
            open=True,
            name="newsbot",
        )

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as error:
            reason = " ".join(str(error).split())
            reason = redact(reason)[:300]
            raise DatabaseError(
                f"cannot reach the database at {self.display} ({reason}); check NEWSBOT_DATABASE_URL "
                "and that PostgreSQL is running and accepts this user"
            ) from None
        except psycopg.ProgrammingError as error:  # a malformed URL
            raise DatabaseError(f"the database URL {self.display} is not valid ({error}); use postgresql://USER:PASSWORD@HOST:PORT/DB") from None

    def _check(self, conn: Any) -> None:
        """pgvector present (created when allowed) and recent enough; newsbot's tables at our version."""
        import psycopg

        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
            if row is None:
                available = conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").fetchone()
                if available is None:
                    raise DatabaseError(
                        f"the PostgreSQL server at {self.display} has no pgvector extension; install pgvector >= 0.7 "
                        "on the server (or use an image that has it, such as pgvector/pgvector:pg17), then retry"
                    )
                try:
                    with conn.transaction():
                        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                except psycopg.errors.InsufficientPrivilege:
                    raise DatabaseError(
                        f"pgvector is installed on the server but not enabled in the database at {self.display}, and this "
                        "user may not enable it; run CREATE EXTENSION vector; in that database as a superuser, then retry"
                    ) from None
                row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
            if _version(row[0]) < MIN_PGVECTOR:
                raise DatabaseError(
                    f"the database at {self.display} has pgvector {row[0]}; newsbot needs >= 0.7 (sparsevec): "
                    "ALTER EXTENSION vector UPDATE; after upgrading pgvector on the server"
                )
            try:
                with conn.transaction():
                    conn.execute(_META)
            except psycopg.errors.InsufficientPrivilege:
                raise DatabaseError(
                    f"this user may not create tables in the database at {self.display}; GRANT CREATE ON SCHEMA public "
                    "(or on the user's own schema) to it, then retry"
                ) from None
            conn.execute(
                "INSERT INTO newsbot_meta (key, value) VALUES ('schema_version', %s) ON CONFLICT (key) DO NOTHING",
                (str(SCHEMA_VERSION),),
            )
            found = conn.execute("SELECT value FROM newsbot_meta WHERE key = 'schema_version'").fetchone()[0]
        if found != str(SCHEMA_VERSION):
            newer = found.isdigit() and int(found) > SCHEMA_VERSION
            fix = ("upgrade newsbot on this machine to the version the other replicas run" if newer
                   else "run the newer newsbot's migration (docs/OPERATIONS.md, Upgrades), or point it at a new database and rebuild")
            raise DatabaseError(f"the database at {self.display} holds newsbot schema version {found}; this newsbot uses "
                                f"{SCHEMA_VERSION}: {fix}")

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A pooled connection (autocommit; open a transaction with `conn.transaction()`)."""
        import psycopg

        try:
            with self.pool.connection() as conn:
                yield conn
        except psycopg.errors.UndefinedTable as error:
            raise GenerationGone(str(error)) from None
        except psycopg.OperationalError as error:
            raise DatabaseError(f"lost the database at {self.display} ({redact(' '.join(str(error).split()))[:200]})") from None

    @contextmanager
    def dedicated(self) -> Iterator[Any]:
        """A connection of its own, outside the pool (a session lock held through a build)."""
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def close(self) -> None:
        self.pool.close()


def _configure(conn: Any) -> None:
    from pgvector.psycopg import register_vector

    register_vector(conn)
