"""What each `newsbot` subcommand does; the parser lives in bot.cli."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

from newsbot.bot.progress import TerminalProgress
from newsbot.cli.main import CliError


def _engine(args: argparse.Namespace, corpus_paths: list[str] | None = None):  # type: ignore[no-untyped-def]
    from newsbot.index.embed import Embedder
    from newsbot.index.engine import Engine

    _quiet_libraries()
    from newsbot.index.embed import backend_from_env

    backend = getattr(args, "backend", None) or backend_from_env()
    kwargs = {}
    if getattr(args, "faiss_index", None):
        kwargs["faiss_kind"] = args.faiss_index
    try:
        embedder = Embedder(backend=backend)
    except (ValueError, FileNotFoundError) as error:
        raise CliError(str(error)) from None
    return Engine(index_dir=args.index_dir, corpus_paths=corpus_paths, embedder=embedder, **kwargs)


def _quiet_libraries() -> None:
    import logging
    import warnings

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in ("transformers", "sentence_transformers", "bm25s", "trafilatura", "htmldate"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="transformers")
    # Read by transformers when (and only if) the torch backend imports it: importing it here just
    # to quiet it cost about a second of every ONNX start.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()


def run_index(args: argparse.Namespace) -> int:
    """Build or update an index and print what was done."""
    from newsbot.index.store import IndexError_

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise CliError("no such file or directory: " + ", ".join(missing))
    if args.index_dir is not None and args.index_dir.exists() and not args.index_dir.is_dir():
        raise CliError(f"--index-dir {args.index_dir} is a file, not a directory")
    engine = _engine(args, [str(p) for p in args.paths])
    progress = TerminalProgress()
    try:
        summary = engine.reindex(progress=progress)
    except IndexError_ as error:
        raise CliError(str(error)) from None
    except OSError as error:  # the index directory cannot be written: permissions, a full disk
        raise CliError(f"cannot write the index in {engine.index_dir}: {error.strerror or error}") from None
    finally:
        progress.close()
    print(f"{summary.describe()}\nindex: {engine.index_dir}", file=sys.stderr)
    return 0


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
    from newsbot.bot.render import render_json, render_text
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
        if args.index_dir is None:
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
    render = render_json if args.json else render_text
    for number, question in enumerate(questions):
        answer = engine.answer(question, k=k, since=since, until=until)
        if not args.json and number:
            print()
        print(render(answer), flush=True)
    return 0


def _stdin_questions():  # type: ignore[no-untyped-def]
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def run_serve(args: argparse.Namespace) -> int:
    """Run the Telegram bot until stopped."""
    from newsbot.bot.app import serve

    return serve(args)


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate answers against question files."""
    from newsbot.cli.evaluate import run

    return run(args)
