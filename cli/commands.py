"""What each `newsbot` subcommand does; the parser lives in bot.cli."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from newsbot.cli.errors import CliError, quiet_libraries
from newsbot.index.progress import TerminalProgress


def _engine(args: argparse.Namespace, corpus_paths: list[str] | None = None):  # type: ignore[no-untyped-def]
    from newsbot.index.config import ConfigError, EngineConfig
    from newsbot.index.engine import Engine
    from newsbot.index.store import IndexError_

    quiet_libraries()
    try:
        config = EngineConfig.from_env(
            backend=getattr(args, "backend", None), index_dir=args.index_dir, faiss_index=getattr(args, "faiss_index", None),
            database_url=getattr(args, "database_url", None),
        )
        return Engine(corpus_paths=corpus_paths, config=config)
    except (ConfigError, ValueError, FileNotFoundError, IndexError_) as error:
        raise CliError(str(error)) from None


def run_index(args: argparse.Namespace) -> int:
    """Build or update an index and print what was done."""
    from newsbot.index.store import IndexError_

    urls = _urls(args.paths)
    paths = [p for p in args.paths if p not in urls]
    other = [p for p in paths if "://" in p]
    if other:
        raise CliError("only http and https URLs can be indexed, got " + ", ".join(other))
    if urls:
        from newsbot.index.fetch import shorten_url, url_problem

        malformed = [f"{shorten_url(url)} ({problem})" for url in urls if (problem := url_problem(url))]
        if malformed:
            raise CliError("not a URL that can be fetched: " + "; ".join(malformed))
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise CliError("no such file or directory: " + ", ".join(missing))
    if args.index_dir is not None and args.index_dir.exists() and not args.index_dir.is_dir():
        raise CliError(f"--index-dir {args.index_dir} is a file, not a directory")
    if urls:
        paths += _fetch(urls, getattr(args, "feeds_dir", None))
    if not paths:
        raise CliError("nothing to index: no URL gave an article")
    engine = _engine(args, paths)
    progress = TerminalProgress()
    try:
        summary = engine.reindex(progress=progress)
    except IndexError_ as error:
        raise CliError(str(error)) from None
    except OSError as error:  # the index directory cannot be written: permissions, a full disk
        raise CliError(f"cannot write the index in {engine.index_dir}: {error.strerror or error}") from None
    finally:
        progress.close()
    print(f"{summary.describe()}\nindex: {engine.location}", file=sys.stderr)
    return 0


def _urls(arguments: list[str]) -> list[str]:
    """The arguments meant as http(s) URLs. One without a colon is none (`feeds.is_url`), and then
    `newsbot.index.feeds` is not imported: it brings httpx and asyncio, 0.15-0.25 s of every
    `newsbot index` of files on two cores (issue 23)."""
    if not any(":" in argument for argument in arguments):
        return []
    from newsbot.index.feeds import is_url

    return [argument for argument in arguments if is_url(argument)]


def _fetch(urls: list[str], feeds_dir: Path | None) -> list[str]:
    """Fetch feeds and pages into the feeds directory; their articles files, to index with the paths."""
    from newsbot.index.config import EngineConfig
    from newsbot.index.feeds import fetch_into
    from newsbot.index.fetch import FetchPolicy

    config = EngineConfig.from_env(feeds_dir=feeds_dir)
    directory = config.resolved_feeds_dir
    try:
        files, results = fetch_into(directory, urls, FetchPolicy(allow_private=config.feeds_allow_private))
    except OSError as error:
        raise CliError(f"cannot write fetched articles in {directory}: {error.strerror or error}") from None
    for result in results:
        if result.error and not result.new_articles:
            print(f"newsbot: {result.url}: failed: {result.error}", file=sys.stderr)
        else:
            new = "not modified" if result.not_modified else f"{result.new_articles} new article(s)"
            print(f"newsbot: {result.url}: {new}" + (f" ({result.error})" if result.error else ""), file=sys.stderr)
    return [str(f) for f in files]


def _parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    from newsbot.index.dates import parse_date_arg

    try:
        return parse_date_arg(value)
    except ValueError as error:
        raise CliError(f"{flag}: {error}") from None


def run_ask(args: argparse.Namespace) -> int:
    """Answer one question, or each line of stdin."""
    from newsbot.bot.render import render_json, render_text, terminal_bold
    from newsbot.index.store import IndexError_

    since = _parse_date(args.since, "--since")
    until = _parse_date(args.until, "--until")
    k = 4 if args.k is None else args.k
    if k <= 0:
        raise CliError(f"--k must be > 0, got {k}")
    if args.question is not None and not args.question.strip():
        raise CliError("the question is empty; ask something, for example: newsbot ask \"Who attended the talks?\"")
    engine = _engine(args)
    progress = TerminalProgress()
    try:
        # A shared database is built by `newsbot index` only: never rebuilt here from the default corpus.
        if args.index_dir is None and not engine.config.database_url:
            summary = engine.ensure_index(progress)
            if summary is not None:
                print(f"newsbot: {summary.describe()}", file=sys.stderr)
        else:
            engine.load()
        engine.warm_up()
    except IndexError_ as error:
        raise CliError(str(error)) from None
    finally:
        progress.close()

    questions = [args.question] if args.question is not None else _stdin_questions()
    bold = not args.json and terminal_bold(sys.stdout)  # plain when piped
    for number, question in enumerate(questions):
        answer = engine.answer(question, k=k, since=since, until=until)
        if not args.json and number:
            print()
        print(render_json(answer) if args.json else render_text(answer, bold=bold), flush=True)
    return 0


def _stdin_questions():  # type: ignore[no-untyped-def]
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def run_serve(args: argparse.Namespace) -> int:
    """Run the Telegram bot until stopped."""
    from newsbot.bot.app import ServeError, serve

    try:
        return serve(args)
    except ServeError as error:
        raise CliError(str(error)) from None


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate answers against question files."""
    from newsbot.cli.evaluate import run

    return run(args)
