"""`newsbot report`: the questions chart as PNG and the question log as CSV, without Telegram.

Reads the feedback database the bot writes (SQLite, or PostgreSQL with a database URL) and
deletes nothing: rows older than NEWSBOT_LOG_DAYS go when the bot prunes them, not here.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from newsbot.cli.errors import CliError

DEFAULT_DAYS = 30
COLUMNS = ("asked_at", "chat_type", "outcome", "latency_ms", "reader", "question")


def run(args: argparse.Namespace) -> int:
    today = datetime.now(UTC).date()
    first = _since(args.since, today)
    store = _open_store(args)
    try:
        from newsbot.bot.feedback import FeedbackUnavailable

        rows = store.questions_since(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    except FeedbackUnavailable as error:
        raise CliError(f"cannot read the question log: {error}") from None
    finally:
        store.close()
        database = getattr(store, "database", None)  # PostgreSQL: the pool opened here
        if database is not None:
            database.close()
    from newsbot.bot.chart import daily, questions_chart

    days = daily(rows, first, today)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = f"questions-{first.isoformat()}-to-{today.isoformat()}"
        chart = args.out / f"{stem}.png"
        chart.write_bytes(questions_chart(days, title=f"Questions, {first:%d %b} to {today:%d %b %Y}: {len(rows)}"))
        table = args.out / f"{stem}.csv"
        write_csv(rows, table)
    except OSError as error:
        raise CliError(f"cannot write in {args.out}: {error.strerror or error}") from None
    print(f"{chart}\n{table}")
    print(f"newsbot report: {len(rows)} question(s) from {first} to {today} (UTC)", file=sys.stderr)
    return 0


def _since(value: str | None, today: date) -> date:
    if not value:
        return today - timedelta(days=DEFAULT_DAYS - 1)
    try:
        found = date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--since must be a date as YYYY-MM-DD, got {value!r}") from None
    if found > today:
        raise CliError(f"--since {value} is after today ({today}, UTC)")
    return found


def _open_store(args: argparse.Namespace) -> Any:
    """The feedback store, read-only in spirit: no pruning (`keep_days=None`)."""
    url = getattr(args, "database_url", None) or os.environ.get("NEWSBOT_DATABASE_URL", "").strip() or None
    if url:
        from newsbot.bot.shared_state import PgFeedbackStore
        from newsbot.index.postgres.database import Database, DatabaseError

        try:
            return PgFeedbackStore(Database(url, max_connections=1), keep_days=None)
        except DatabaseError as error:
            raise CliError(str(error)) from None
    from newsbot.bot.feedback import FeedbackStore
    from newsbot.bot.settings import default_feedback_db

    path = args.feedback_db or (
        Path(os.environ["NEWSBOT_FEEDBACK_DB"]).expanduser()
        if os.environ.get("NEWSBOT_FEEDBACK_DB", "").strip()
        else default_feedback_db()
    )
    if not path.is_file():
        raise CliError(f"no feedback database at {path}; point --feedback-db (or NEWSBOT_FEEDBACK_DB) at the bot's")
    return FeedbackStore(path, keep_days=None)


def write_csv(rows: Any, path: Path) -> None:
    """One line per question: UTC time, chat type, outcome, engine time, the reader's hash, the text
    (a text that begins like a spreadsheet formula gets a leading quote)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            asked = datetime.fromtimestamp(row.asked_at, UTC).isoformat(timespec="seconds")
            writer.writerow(
                (
                    asked,
                    row.chat_type,
                    row.outcome,
                    f"{row.latency_ms:.0f}",
                    row.reader_tag,
                    spreadsheet_safe(row.question),
                )
            )


def spreadsheet_safe(text: str) -> str:
    """A reader's text that a spreadsheet would run as a formula ('=HYPERLINK(…)') starts with a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
