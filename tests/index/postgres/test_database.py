"""Database URLs in messages and log lines: never the password, whatever the URL's form or the
driver's text (issue 20), and always one line. No server is needed: each URL fails before one."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from newsbot.index.postgres.database import Database, DatabaseError, libpq_url, redact, url_secrets

SECRET = "S3cret"
BAD_URLS = [
    (
        "postgresql+psycopg://newsbot:S3cret@127.0.0.1:1/newsbot",
        "cannot reach the database at postgresql://newsbot:***@",
    ),
    ("postgres+asyncpg://newsbot:S3cret@127.0.0.1:1/newsbot", "cannot reach the database at postgres://newsbot:***@"),
    ("mysql://root:S3cret@localhost/x", "mysql://root:***@localhost/x is not a PostgreSQL URL"),
    ("sqlite:///news.db", "sqlite:///news.db is not a PostgreSQL URL"),
    ("postgresql://newsbot:S3cret@[::1/x", "the database URL postgresql://newsbot:***@[::1/x is not valid"),
    ("postgresql://newsbot:pa/S3cret@127.0.0.1:1/x", "cannot reach"),
    ("postgresql://newsbot:S3cret@127.0.0.1:99999/x", "invalid port number"),
    ("postgresql://newsbot:p%40S3cret@127.0.0.1:1/x", "cannot reach"),
    ("postgresql://newsbot:S3cret@127.0.0.1:1/x?sslmode=bogus", "invalid sslmode value"),
    ("host=127.0.0.1 password='S3cret here' port=x", "password=*** port=x"),
    ("host=127.0.0.1 password=S3cret port=1", "cannot reach the database at host=127.0.0.1 password=*** port=1"),
]


class TestDatabaseErrors:
    @pytest.mark.parametrize(("url", "expected"), BAD_URLS)
    def test_one_line_without_the_password(self, url: str, expected: str):
        with pytest.raises(DatabaseError) as raised:
            Database(url)
        message = str(raised.value)
        assert expected in message
        assert SECRET not in message and "S3cret here" not in message and "\n" not in message

    def test_a_sqlalchemy_url_is_read_as_the_libpq_url(self):
        assert libpq_url("postgresql+psycopg://u:p@db:5432/news") == "postgresql://u:p@db:5432/news"
        assert libpq_url("host=/run/pg dbname=news") == "host=/run/pg dbname=news"

    def test_every_form_of_the_password_is_known(self):
        assert {"p@ss", "p%40ss"} <= set(url_secrets("postgresql://u:p%40ss@h/x"))
        assert (
            "p@ss" in url_secrets("postgresql://u:p@ss@h/x")
            and redact("postgresql://u:p@ss@h/x") == "postgresql://u:***@h/x"
        )
        assert "two words" in url_secrets("host=h password='two words'")
        assert url_secrets("postgresql://postgres@/postgres?host=/run/pg") == []


class TestDatabaseLogLines:
    def test_psycopg_log_lines_lose_the_password(self, caplog: pytest.LogCaptureFixture):
        with pytest.raises(DatabaseError):
            Database("postgresql://newsbot:S3cret@127.0.0.1:1/newsbot")
        with caplog.at_level(logging.WARNING):
            logging.getLogger("psycopg.pool").error("error connecting: %s", "password S3cret rejected")
        assert "S3cret" not in caplog.text and "password *** rejected" in caplog.text

    def test_the_pools_warnings_come_at_most_once_a_minute(
        self, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ):
        from newsbot.index.postgres import database

        monkeypatch.setattr(database._PSYCOPG_LOGS, "_warned_at", float("-inf"))
        with caplog.at_level(logging.WARNING):
            for attempt in range(5):
                logging.getLogger("psycopg.pool").warning("error connecting in 'newsbot': attempt %d", attempt)
        assert [r.getMessage() for r in caplog.records] == ["error connecting in 'newsbot': attempt 0"]


class TestCommandLine:
    @pytest.mark.parametrize(
        "url", ["postgresql+psycopg://newsbot:S3cret@127.0.0.1:1/newsbot", "mysql://root:S3cret@localhost/x"]
    )
    @pytest.mark.parametrize("command", ["ask", "serve"])
    def test_ask_and_serve_print_one_line_without_the_password(self, url: str, command: str):
        import os

        env = {**os.environ, "NEWSBOT_DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35}
        args = ["ask", "Who?"] if command == "ask" else ["serve"]
        result = subprocess.run(
            [sys.executable, "-m", "newsbot.cli.main", *args], capture_output=True, text=True, timeout=120, env=env
        )
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"newsbot {command}: "), result.stderr
        assert SECRET not in result.stderr + result.stdout
