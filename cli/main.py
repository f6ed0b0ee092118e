"""The `newsbot` command: index, ask, serve, eval, report. Heavy imports happen inside each command."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from newsbot.cli.errors import CliError

EXIT_USAGE = 2
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
EXIT_FAILED = 1


def _add_index_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="index directory (default: the per-user cache for the default corpus)",
    )


def _add_database_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help="keep the index in PostgreSQL + pgvector at this libpq URL, e.g. postgresql://newsbot:secret@db:5432/newsbot "
        "(default: $NEWSBOT_DATABASE_URL; unset: the index directory)",
    )


def _add_backend(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("torch", "onnx", "onnx-int8", "openvino-int8"),
        default=None,
        help="where the embedding model runs (default: $NEWSBOT_BACKEND, else openvino-int8 where the fast extra "
        "is installed, the fastest, else onnx-int8)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Answer questions about news articles with the exact sentences that answer them, cited.",
        epilog="Start with: newsbot ask \"Who attended the Kuala Lumpur talks?\"",
    )
    parser.add_argument("--log-level", default="WARNING", choices=LOG_LEVELS, help="log verbosity (default: WARNING)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    index = commands.add_parser(
        "index",
        help="build or update an index from article files, feeds and pages",
        description="Build or update the index of the given files and directories (.txt, .md, .html, .jsonl) "
        "and http(s) URLs: an RSS or Atom feed (each item's page is fetched) or a single article page. "
        "Only articles that changed since the last build are embedded again; a feed's items already "
        "fetched are not fetched again.",
    )
    index.add_argument("paths", nargs="+", metavar="PATH|URL", help="article files or directories, feed or page URLs")
    index.add_argument("--feeds-dir", type=Path, default=None, metavar="DIR",
                       help="where fetched articles and feed state are kept (default: $NEWSBOT_FEEDS_DIR or a per-user data directory)")
    _add_index_dir(index)
    _add_database_url(index)
    _add_backend(index)
    index.add_argument("--faiss-index", choices=("auto", "flat", "hnsw", "ivf"), default="auto", help="FAISS index type (default: by size)")

    ask = commands.add_parser(
        "ask",
        help="answer a question (or one per line from stdin)",
        description="Answer QUESTION with cited sentences from the articles. Without QUESTION, read questions "
        "one per line from stdin and answer each, loading the model once. A trained reader marks the words that "
        "answer and the sentence that states them (NEWSBOT_READER: the path of another reader model, or off).",
    )
    ask.add_argument("question", nargs="?", metavar="QUESTION", help="the question; omit to read questions from stdin")
    _add_index_dir(ask)
    _add_database_url(ask)
    _add_backend(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--k", type=int, default=None, metavar="N", help="number of top chunks to draw sentences from (default: 4)")
    ask.add_argument("--since", metavar="DATE", help="only articles dated on or after DATE (YYYY-MM-DD)")
    ask.add_argument("--until", metavar="DATE", help="only articles dated on or before DATE (YYYY-MM-DD)")

    serve = commands.add_parser(
        "serve",
        help="run the Telegram bot",
        description="Run the Telegram bot. Configuration comes from the environment: TELEGRAM_BOT_TOKEN (required), "
        "TELEGRAM_BASE_URL, NEWSBOT_ADMINS (comma-separated user ids), NEWSBOT_INDEX_DIR, NEWSBOT_CORPUS (paths "
        "separated by ':'), and optionally NEWSBOT_UPLOAD_DIR, NEWSBOT_FEEDBACK_DB, NEWSBOT_WEBHOOK_URL, "
        "NEWSBOT_WEBHOOK_SECRET, NEWSBOT_DATABASE_URL, NEWSBOT_WORKERS, NEWSBOT_COOLDOWN, NEWSBOT_MAX_UPLOAD_MB, NEWSBOT_LOG_QUESTIONS "
        "(1: put each question's text in its log line), NEWSBOT_FEEDS (feed URLs separated by spaces or commas), "
        "NEWSBOT_FEED_INTERVAL (minutes between polls, default 15), NEWSBOT_FEEDS_DIR, NEWSBOT_FEEDS_ALLOW_PRIVATE, "
        "NEWSBOT_READER (the reader model's path, or off). "
        "Flags override them.",
    )
    _add_index_dir(serve)
    _add_database_url(serve)
    serve.add_argument("--corpus", type=Path, action="append", default=None, metavar="PATH", help="corpus path read by /reindex (repeatable)")
    serve.add_argument("--webhook-url", default=None, metavar="URL", help="serve a webhook at URL instead of long polling")
    serve.add_argument(
        "--listen",
        default=None,
        metavar="ADDRESS",
        help="webhook listen address (default: 127.0.0.1, for a reverse proxy on this machine; "
        "0.0.0.0 accepts connections from anywhere, e.g. a proxy in another container)",
    )
    serve.add_argument("--port", type=int, default=8443, help="webhook port (default: 8443)")
    # Also after `serve`, where operators put it; `newsbot --log-level INFO serve` works too.
    serve.add_argument("--log-level", default=argparse.SUPPRESS, choices=LOG_LEVELS,
                       help="log verbosity; INFO logs one line per question (default: WARNING)")

    evaluate = commands.add_parser(
        "eval",
        help="measure retrieval, citations, abstention and latency",
        description="Index the corpus (or reuse the index) and measure answers against questions in the shared "
        "format (question, answers, doc_id).",
    )
    evaluate.add_argument("--corpus", type=Path, nargs="+", required=True, metavar="PATH", help="corpus files or directories")
    evaluate.add_argument("--questions", type=Path, required=True, metavar="FILE", help="answerable questions (.jsonl)")
    evaluate.add_argument("--unanswerable", type=Path, action="append", default=None, metavar="FILE", help="questions that should be declined (.jsonl; repeatable)")
    evaluate.add_argument("--qrels", type=Path, default=None, metavar="FILE", help="BEIR qrels (.tsv) for nDCG@10")
    evaluate.add_argument("--limit", type=int, default=None, metavar="N", help="use only the first N questions of each file")
    _add_index_dir(evaluate)
    _add_database_url(evaluate)
    _add_backend(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print the metrics as one JSON object")

    report = commands.add_parser(
        "report",
        help="write the questions chart (PNG) and the question log (CSV)",
        description="Write what /stats shows as a chart (questions per day, answered, declined and chat only, with "
        "the median answer time) as a PNG, and the question log as CSV, from the bot's feedback database "
        "($NEWSBOT_FEEDBACK_DB, or PostgreSQL with --database-url / $NEWSBOT_DATABASE_URL).",
    )
    report.add_argument("--since", metavar="DATE", help="first day (YYYY-MM-DD, UTC; default: 29 days before today)")
    report.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="where to write the files (default: .)")
    report.add_argument("--feedback-db", type=Path, default=None, metavar="FILE",
                        help="the SQLite feedback database (default: $NEWSBOT_FEEDBACK_DB or the per-user data directory)")
    _add_database_url(report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from newsbot.cli import commands, report

    handler = {"index": commands.run_index, "ask": commands.run_ask, "serve": commands.run_serve, "eval": commands.run_eval,
               "report": report.run}[args.command]
    try:
        return handler(args)
    except CliError as error:
        print(f"newsbot {args.command}: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`newsbot ask ... | head -1`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
