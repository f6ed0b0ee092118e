"""Issue 20's hostile inputs, measured: sentence splitting of paragraphs no safe point cuts, and how
long a 5 MB feed's parse holds the event loop (in the loop, in a thread, in a process of its own).

    python bench/hostile_inputs.py [--repeats 3]

Splitting: seconds of `split_sentences` on each input (the fastest of `--repeats`). The loop: a
ticker awaits 5 ms sleeps while the feed is parsed; its worst overshoot is the longest an answer
would have waited (median of `--repeats` runs; each run is a fresh process, so the garbage
collector starts alike).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INPUTS = {
    "unclosed quotation mark, 300 KB": lambda: (
        '"'
        + " ".join(f"The council of town {i} met on Monday and approved a new budget for roads." for i in range(4000))
    ),
    '"Mr. Dr. U.S. " x 8,000 (104 KB)': lambda: "Mr. Dr. U.S. " * 8000,
    '"Mr. Dr. U.S. " x 200,000 (2.6 MB)': lambda: "Mr. Dr. U.S. " * 200_000,
}


def split_seconds(repeats: int) -> dict[str, float]:
    from newsbot.index.sentences import split_sentences

    split_sentences("Warm up. The segmenter loads once.")
    found = {}
    for name, make in INPUTS.items():
        text = make()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            split_sentences(text)
            times.append(time.perf_counter() - started)
        found[name] = min(times)
    return found


def big_feed() -> bytes:
    sys.path.insert(0, str(REPO / "tests"))
    from feed_server import rss

    items = [
        (
            f"Harbour council story number {n} on the new breakwater and the fishing fleet's return",
            f"http://127.0.0.1:9/gone/{n}.html",
            f"guid-{n}",
        )
        for n in range(19_500)
    ]
    return rss("Big Times", items).encode()


async def _stall(mode: str) -> dict[str, float]:
    from newsbot.index.feeds import parse_feed, parse_feed_apart
    from newsbot.index.fetch import Page

    page = Page("http://127.0.0.1:9/big.xml", 200, "application/rss+xml", big_feed())
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - started - 0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    if mode == "loop":
        parse_feed(page)
    elif mode == "thread":
        await asyncio.to_thread(parse_feed, page)
    else:
        await parse_feed_apart(page)
    took = time.perf_counter() - started
    done = True
    await task
    return {"parse_s": took, "worst_stall_ms": worst * 1000, "mb": len(page.body) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stall", choices=("loop", "thread", "process"), help=argparse.SUPPRESS)  # one child run
    args = parser.parse_args()
    if args.stall:
        print(json.dumps(asyncio.run(_stall(args.stall))))
        return
    for name, seconds in split_seconds(args.repeats).items():
        print(f"split  {name:38} {seconds:6.2f} s")
    for mode in ("loop", "thread", "process"):
        runs = [
            json.loads(
                subprocess.run(
                    [sys.executable, __file__, "--stall", mode], capture_output=True, text=True, check=True
                ).stdout
            )
            for _ in range(args.repeats)
        ]
        stall = statistics.median(r["worst_stall_ms"] for r in runs)
        parse = statistics.median(r["parse_s"] for r in runs)
        each = ", ".join(f"{r['worst_stall_ms']:.0f}" for r in runs)
        print(
            f"feed   {runs[0]['mb']:.1f} MB parsed in the {mode:7}  parse {parse:5.1f} s   "
            f"worst loop stall {stall:7.0f} ms (runs: {each})"
        )


if __name__ == "__main__":
    main()
