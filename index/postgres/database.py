"""Connecting to PostgreSQL: the pgvector check, newsbot's schema version, errors in one line.

Every failure a user can fix (the server is unreachable, pgvector is missing or too old, the
database holds a schema of another newsbot version) is a `DatabaseError` whose message says what
to do, in one line; the URL's password never appears in one, whatever the URL's form and
whatever the driver's text quotes of it (libpq quotes a URL it cannot parse whole). psycopg's own
log lines are cleaned the same way.

A SQLAlchemy-style URL (`postgresql+psycopg://…`) is read as the libpq URL it stands for; any
other scheme (`mysql://…`) is refused in one line.

A database that goes away while newsbot runs: a call waits at most `POOL_WAIT_S` for a
connection, then the database counts as away, and for `AWAY_RETRY_S` every call fails at once
with `DatabaseUnavailable` (so a question is told to try again within seconds, not after the
pool's 30 s); one WARNING line a minute says so, and one more when it is back.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, unquote

from newsbot.index.store import GenerationGone, IndexError_

SCHEMA_VERSION = 1
MIN_PGVECTOR = (0, 7, 0)  # sparsevec (the BM25 weights) arrived in pgvector 0.7
CONNECT_TIMEOUT_S = 5
POOL_WAIT_S = 2.0  # the longest a call waits for a pooled connection; queries take milliseconds
AWAY_RETRY_S = 2.0  # a database found away is tried again after this; calls meanwhile fail at once
AWAY_LOG_EVERY_S = 60.0  # "cannot be reached" is logged at most this often (and psycopg's pool lines)
log = logging.getLogger(__name__)
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


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached just now (logged once a minute); a moment later it may be back."""


MASK = "***"
# scheme://user:password@host…: the password runs to the last "@" before the path.
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*:)([^/?#]*)@")
_PASSWORD_PARAMETER = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)", re.IGNORECASE)
_SQLALCHEMY_SCHEME = re.compile(r"^(postgres(?:ql)?)\+[A-Za-z0-9_]+://", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def redact(url: str) -> str:
    """`url` without its password (postgresql://user:secret@host/db -> postgresql://user:***@host/db)."""
    url = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", url)
    url = _PASSWORD_PARAMETER.sub(lambda m: m.group(1) + MASK, url)
    return _mask(url, url_secrets(url))


def url_secrets(url: str) -> list[str]:
    """The password of `url` (a libpq URL or key=value string, well-formed or not), in each form a
    message may quote it: as written, percent-decoded, percent-encoded; longest first."""
    found: list[str] = []
    userinfo = _USERINFO.match(url)
    if userinfo:
        found.append(userinfo.group(2))
    if "://" in url and "@" in url:  # a malformed URL: whatever stands between the user and the last "@"
        head = url[url.index("://") + 3 : url.rindex("@")]
        if ":" in head:
            found.append(head.split(":", 1)[1])
    for match in _PASSWORD_PARAMETER.finditer(url):
        value = match.group(2)
        found += [value, value.strip("'")]
    forms = {form for secret in found for form in (secret, unquote(secret), quote(secret, safe=""))}
    return sorted((f for f in forms if f and f != MASK), key=len, reverse=True)


def _mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def libpq_url(url: str) -> str:
    """The URL libpq is given: a SQLAlchemy-style `postgresql+driver://` is read as `postgresql://`;
    a URL of another database is a `DatabaseError`."""
    url = url.strip()
    url = _SQLALCHEMY_SCHEME.sub(lambda m: m.group(1) + "://", url)
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in ("postgresql", "postgres"):
        raise DatabaseError(
            f"the database URL {redact(url)} is not a PostgreSQL URL; newsbot keeps its index in PostgreSQL "
            "with pgvector: use postgresql://USER:PASSWORD@HOST:PORT/DB"
        )
    return url


class _PsycopgLogFilter(logging.Filter):
    """psycopg's own log lines: database passwords taken out, and the pool's warnings (one per
    failed reconnection attempt while the database is away) let through at most once a minute."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []
        self._warned_at = float("-inf")

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({*self.secrets, *secrets}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING:
            now = time.monotonic()
            if now - self._warned_at < AWAY_LOG_EVERY_S:
                return False
            self._warned_at = now
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the logging module's to report
            return True
        record.msg, record.args = _mask(message, self.secrets), None
        return True


_PSYCOPG_LOGS = _PsycopgLogFilter()
for _name in ("psycopg", "psycopg.pool"):
    logging.getLogger(_name).addFilter(_PSYCOPG_LOGS)
# When each database was last said to be away (by its display URL: the engine's and the bot's
# connections to one database say it once between them).
_warned_away: dict[str, float] = {}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


class Database:
    """A checked connection pool to the database at `url`; `connection()` lends one."""

    def __init__(self, url: str, max_connections: int = 8) -> None:
        if not url.strip():
            raise DatabaseError("the database URL is empty; set NEWSBOT_DATABASE_URL or --database-url")
        self._secrets = url_secrets(url)
        self.url = libpq_url(url)
        self.display = redact(self.url)
        self._raw = [form for form in {url, url.strip(), self.url} if form]
        _PSYCOPG_LOGS.add(self._secrets)
        self._away_lock = threading.Lock()
        self._away_until = 0.0  # monotonic time before which calls fail at once
        self._away_since: float | None = None
        self._away_reason = ""
        with self._connect() as conn:
            self._check(conn)
        from psycopg_pool import ConnectionPool

        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            configure=_configure,
            check=ConnectionPool.check_connection,  # a connection broken while idle is replaced, not lent
            open=True,
            name="newsbot",
            timeout=POOL_WAIT_S,
        )

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as error:
            raise DatabaseError(
                f"cannot reach the database at {self.display} ({self.clean(str(error))}); check NEWSBOT_DATABASE_URL "
                "and that PostgreSQL is running and accepts this user"
            ) from None
        except psycopg.ProgrammingError as error:  # a malformed URL, which libpq quotes whole
            raise DatabaseError(
                f"the database URL {self.display} is not valid ({self.clean(str(error))}); "
                "use postgresql://USER:PASSWORD@HOST:PORT/DB"
            ) from None

    def clean(self, text: str, limit: int = 300) -> str:
        """The driver's `text` for a message: one line, the URL shown without its password, cut to `limit`."""
        text = " ".join(text.split())
        for raw in sorted(self._raw, key=len, reverse=True):
            text = text.replace(raw, self.display)
        return _mask(text, self._secrets)[:limit]

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
        """A pooled connection (autocommit; open a transaction with `conn.transaction()`).

        `DatabaseUnavailable` when the database cannot be reached (at once, while it is away)."""
        import psycopg
        from psycopg_pool import PoolTimeout

        if time.monotonic() < self._away_until:
            raise DatabaseUnavailable(self._away_reason)
        conn = None
        try:
            with self.pool.connection() as conn:
                yield conn
        except psycopg.errors.UndefinedTable as error:
            raise GenerationGone(str(error)) from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            if isinstance(error, PoolTimeout) or conn is None or conn.broken:
                raise self._away(error) from None
            reason = self.clean(str(error), 200)
            raise DatabaseError(f"the database at {self.display} failed a query ({reason})") from None
        self._back()

    def _away(self, error: BaseException) -> DatabaseUnavailable:
        """Count the database as away for `AWAY_RETRY_S`; say so at most once a minute."""
        reason = self.clean(str(error), 200) or type(error).__name__
        now = time.monotonic()
        with self._away_lock:
            self._away_until = now + AWAY_RETRY_S
            self._away_since = self._away_since or now
            self._away_reason = f"the database at {self.display} cannot be reached ({reason}); try again in a moment"
            warn = now - _warned_away.get(self.display, float("-inf")) >= AWAY_LOG_EVERY_S
            if warn:
                _warned_away[self.display] = now
        if warn:
            log.warning(
                "the database at %s cannot be reached (%s); questions are asked to try again in a moment "
                "(this line comes at most once a minute)",
                self.display,
                reason,
            )
        return DatabaseUnavailable(self._away_reason)

    def _back(self) -> None:
        if self._away_since is None:
            return
        with self._away_lock:
            since, self._away_since = self._away_since, None
            said = _warned_away.pop(self.display, None) is not None  # one "back" line per "away" line
        if since is not None and said:
            log.warning("the database at %s is back after %.0f s", self.display, time.monotonic() - since)

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
