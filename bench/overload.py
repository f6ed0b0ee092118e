"""Overload benchmark: many chats asking at once, through the fake Bot API, to newsbot with the real engine.

    python bench/overload.py --corpus ../shared/datasets/news_wikinews/corpus.jsonl \
        --questions bench/data/news_dev.jsonl --questions bench/data/offcorpus_dev.jsonl

The real application (handlers, worker pool, rate limiter, feedback database) polls the fake
Bot API server of the tests (tests/fake_telegram/) on 127.0.0.1, in this process, and answers
from the real `Engine` (the index is built first, or reused from --index-dir). Each simulated
chat is a private chat whose user asks a question, waits for the answer (the message with the
feedback buttons), waits --think seconds, and asks the next; all chats start at once.

Reported: answers per second over the run, p50 / p95 latency from the question reaching the fake
server to the answer being sent to it (what a user waits, less Telegram's own delivery), the
engine's p50 / p95 (`Answer.latency_ms`), the longest the event loop was late (a 10 ms timer),
the most questions waiting for the worker pool, and peak RSS (the model and index included).

Telegram's flood limits (30 messages a second overall) are off by default here: they would cap
the figure at Telegram's rate, not the bot's. --rate-limit 30 puts them back.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dtm
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/overload.py",
        description="Overload newsbot (real engine) through the fake Bot API: N chats x M questions each.",
        epilog="example: python bench/overload.py --corpus ../shared/datasets/news_wikinews/corpus.jsonl "
               "--questions bench/data/news_dev.jsonl --questions bench/data/offcorpus_dev.jsonl",
    )
    parser.add_argument("--corpus", type=Path, action="append", default=None, metavar="PATH",
                        help="corpus files or directories (repeatable; default: the article shipped with newsbot)")
    parser.add_argument("--questions", type=Path, action="append", default=None, metavar="FILE",
                        help="questions (.jsonl with a 'question' field; repeatable; default: bench/data/seed_questions.jsonl)")
    parser.add_argument("--chats", type=int, default=200, metavar="N", help="simulated chats (default: 200)")
    parser.add_argument("--per-chat", type=int, default=5, metavar="M", help="questions per chat (default: 5)")
    parser.add_argument("--think", type=float, default=0.0, metavar="S",
                        help="seconds a user waits after an answer before the next question (default: 0)")
    parser.add_argument("--workers", type=int, default=4, metavar="N", help="engine worker threads (default: 4)")
    parser.add_argument("--rate-limit", type=float, default=0.0, metavar="PER_S",
                        help="messages per second to Telegram, as AIORateLimiter enforces it (default: 0, off)")
    parser.add_argument("--backend", choices=("torch", "onnx", "onnx-int8"), default=None,
                        help="embedding backend (default: $NEWSBOT_BACKEND or onnx-int8)")
    parser.add_argument("--index-dir", type=Path, default=None, metavar="DIR",
                        help="index to reuse or build (default: a temporary directory)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args(argv)
    for name in ("chats", "per_chat", "workers"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")
    if args.think < 0 or args.rate_limit < 0:
        parser.error("--think and --rate-limit must be >= 0")
    return args


def read_questions(paths: list[Path]) -> list[str]:
    questions = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            questions += [json.loads(line)["question"] for line in handle if line.strip()]
    if not questions:
        raise SystemExit(f"no questions in {', '.join(map(str, paths))}")
    return questions


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Load:
    """The simulated chats, answers matched through the fake server's call listener."""

    def __init__(self, telegram: Any, questions: list[str], think: float) -> None:
        self.telegram, self.questions, self.think = telegram, questions, think
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self.latencies: list[float] = []
        telegram.listeners.append(self._on_call)

    def _on_call(self, call: Any) -> None:
        if call.method != "sendMessage" or not call.ok:
            return
        markup = call.params.get("reply_markup") or {}
        if any(str(b.get("callback_data", "")).startswith("fb:") for row in markup.get("inline_keyboard", []) for b in row):
            future = self.waiting.get(int(call.params["chat_id"]))
            if future is not None and not future.done():
                future.set_result(time.monotonic())

    async def chat(self, user_id: int, count: int) -> None:
        user = self.telegram.user(user_id, f"U{user_id}")
        chat = self.telegram.private_chat(user)
        for number in range(count):
            self.waiting[user_id] = asyncio.get_running_loop().create_future()
            asked = time.monotonic()
            self.telegram.send_text(chat, user, self.questions[(user_id * 7 + number) % len(self.questions)])
            self.latencies.append(await asyncio.wait_for(self.waiting[user_id], 300) - asked)
            if self.think:
                await asyncio.sleep(self.think)


async def watch_loop(lags: list[float], pending: list[int], services: Any) -> None:
    loop = asyncio.get_running_loop()
    while True:
        expected = loop.time() + 0.01
        await asyncio.sleep(0.01)
        lags.append(loop.time() - expected)
        pending.append(services.pending)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from fake_telegram import TOKEN, FakeTelegram

    from newsbot.bot.app import ALLOWED_UPDATES, build_application, build_engine
    from newsbot.bot.settings import Settings

    questions = read_questions(args.questions or [REPO / "bench" / "data" / "seed_questions.jsonl"])
    scratch = Path(tempfile.mkdtemp(prefix="newsbot-overload-"))
    if args.backend:
        import os

        os.environ["NEWSBOT_BACKEND"] = args.backend
    async with FakeTelegram() as telegram:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": telegram.base_url, "NEWSBOT_COOLDOWN": "0",
               "NEWSBOT_FEEDBACK_DB": str(scratch / "feedback.sqlite3"), "NEWSBOT_WORKERS": str(args.workers),
               "NEWSBOT_INDEX_DIR": str(args.index_dir or scratch / "index")}
        settings = Settings.from_env(env, corpus_paths=tuple(args.corpus) if args.corpus else None,
                                     rate_limit_per_second=args.rate_limit, group_rate_per_minute=0)
        engine = build_engine(settings)
        application = build_application(settings, engine)
        await application.initialize()
        started = time.perf_counter()
        assert application.post_init is not None and application.updater is not None
        await application.post_init(application)  # builds or loads the index, warms the model up
        ready_s = time.perf_counter() - started
        await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=2), allowed_updates=ALLOWED_UPDATES)
        await application.start()
        services = application.bot_data.services
        lags: list[float] = []
        pending: list[int] = []
        watcher = asyncio.create_task(watch_loop(lags, pending, services))
        load = Load(telegram, questions, args.think)
        try:
            started = time.perf_counter()
            await asyncio.gather(*(load.chat(100_000 + n, args.per_chat) for n in range(args.chats)))
            elapsed = time.perf_counter() - started
        finally:
            watcher.cancel()
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            assert application.post_shutdown is not None
            await application.post_shutdown(application)
    engine_ms = [float(row[0]) for row in _engine_latencies(scratch / "feedback.sqlite3")]
    answers = len(load.latencies)
    return {
        "chats": args.chats, "per_chat": args.per_chat, "think_s": args.think, "workers": args.workers,
        "rate_limit": args.rate_limit, "questions_pool": len(questions), "documents": engine.stats().documents,
        "chunks": engine.stats().chunks, "backend": getattr(engine.embedder, "backend", "?"), "ready_s": round(ready_s, 1),
        "answers": answers, "elapsed_s": round(elapsed, 2), "answers_per_s": round(answers / elapsed, 1),
        "latency_p50_ms": round(percentile(load.latencies, 50) * 1000), "latency_p95_ms": round(percentile(load.latencies, 95) * 1000),
        "engine_p50_ms": round(percentile(engine_ms, 50), 1), "engine_p95_ms": round(percentile(engine_ms, 95), 1),
        "engine_mean_ms": round(statistics.fmean(engine_ms), 1),
        "loop_lag_max_ms": round(max(lags, default=0) * 1000), "pool_backlog_max": max(pending, default=0),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _engine_latencies(database: Path) -> list[tuple[float]]:
    import sqlite3

    with sqlite3.connect(database) as db:
        return db.execute("SELECT latency_ms FROM questions").fetchall()


def render(result: dict[str, Any]) -> str:
    return "\n".join([
        f"{result['chats']} chats x {result['per_chat']} questions (think {result['think_s']} s), {result['workers']} workers, "
        f"rate limit {result['rate_limit'] or 'off'}; {result['documents']} articles, {result['chunks']} chunks, "
        f"backend {result['backend']} (index ready in {result['ready_s']} s)",
        f"answers: {result['answers']} in {result['elapsed_s']} s = {result['answers_per_s']} answers/s",
        f"latency (question in, answer out): p50 {result['latency_p50_ms']} ms, p95 {result['latency_p95_ms']} ms",
        f"engine: p50 {result['engine_p50_ms']} ms, p95 {result['engine_p95_ms']} ms",
        f"event loop late by at most {result['loop_lag_max_ms']} ms; up to {result['pool_backlog_max']} questions "
        f"waiting for or in the pool",
        f"peak RSS: {result['peak_rss_mb']} MB",
    ])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from newsbot.cli.errors import quiet_libraries

    quiet_libraries()
    result = asyncio.run(run(args))
    print(json.dumps(result) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
