"""Indexing throughput: newsbot (torch, onnx, onnx-int8, openvino-int8) against the tutorial pipeline, one run.

    python bench/indexing_speed.py \
        --corpus wikinews=../shared/datasets/news_wikinews/corpus.jsonl@60 \
        --corpus squad=../shared/datasets/squad11_dev/articles.jsonl@3 --repeats 3

For each corpus the first N articles (`NAME=FILE@N`, else `--articles`: a subsample, to keep a
run to minutes on two cores) are indexed from scratch `--repeats` times by each pipeline, in interleaved order, and
the median is reported (`--best`: the fastest run, fairer on a machine shared with other work):
- newsbot: `index.build.build_index` into a fresh directory (load, sentences, chunks, one
  transformer pass per chunk giving chunk and sentence vectors, FAISS, BM25, atomic write);
- tutorial: read the jsonl, fixed 200-word chunks, SentenceTransformer.encode on torch, flat FAISS.
Throughput is given per wall-clock second (end to end, and embedding only) and per CPU second
(less disturbed by other processes on a shared machine), in chunks, tokens (non-padding, as the
model sees them: truncated at 256) and articles. FLOPs are counted from the token counts: per
sequence of T tokens, 6 layers x (2 T (4 d^2 + 2 d f) + 4 T^2 d), d = 384, f = 1536.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LAYERS, HIDDEN, FFN = 6, 384, 1536
NEWSBOT_BACKENDS = ("torch", "onnx", "onnx-int8", "openvino-int8")


def flops(tokens: int) -> float:
    """Forward-pass FLOPs of MiniLM-L6 on one sequence of `tokens` tokens (matmuls only)."""
    dense = 2 * tokens * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN)
    attention = 4 * tokens * tokens * HIDDEN
    return LAYERS * (dense + attention)


def token_counts(texts: Sequence[str]) -> list[int]:
    from newsbot.index.embed import Embedder

    tokenizer = Embedder(backend="torch").tokenizer  # truncates at 256, as both pipelines' models do
    return [len(e.ids) for e in tokenizer.encode_batch(list(texts))]


def peak_gflops(cores: int, ghz: float) -> float:
    """fp32 peak: Zen 4 retires two 256-bit FMAs a cycle (AVX-512 is double-pumped) = 32 FLOP/cycle."""
    return cores * ghz * 32


class Run:
    def __init__(self, wall: float, cpu: float, embed_wall: float, chunks: int, tokens: int, flop: float,
                 stages: dict[str, float] | None = None) -> None:
        self.wall, self.cpu, self.embed_wall = wall, cpu, embed_wall
        self.chunks, self.tokens, self.flop = chunks, tokens, flop
        self.stages = stages or {}  # newsbot: seconds per build stage (from its progress reports)


def run_newsbot(backend: str, subset: Path, embedders: dict[str, Any]) -> Run:
    from newsbot.index.build import build_index, passage
    from newsbot.index.store import load

    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter())

    directory = Path(tempfile.mkdtemp(prefix="newsbot-speed-"))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        build_index([subset], directory / "index", embedders[backend], progress)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        data = load(directory / "index")
        texts = [passage(data.documents, data.sentences, row)[0] for row in data.chunks]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    embed = stages.get("building search indexes", 0.0) - stages.get("embedding chunks", 0.0)
    names = list(stages)
    durations = {a: stages[b] - stages[a] for a, b in zip(names, names[1:], strict=False)}
    counts = token_counts(texts)
    return Run(wall, cpu, embed, len(texts), sum(counts), sum(flops(t) for t in counts), durations)


def run_tutorial(subset: Path, tutorial: Any) -> Run:
    import faiss

    from bench.pipelines import word_chunks
    from newsbot.index.types import Document

    wall, cpu = time.perf_counter(), time.process_time()
    with subset.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    documents = [Document(str(r["id"]), r.get("title") or "", r["text"]) for r in rows]
    texts, _ = word_chunks(documents)
    embed = time.perf_counter()
    vectors = tutorial.encode_chunks(texts)
    embed = time.perf_counter() - embed
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    counts = token_counts(texts)
    return Run(wall, cpu, embed, len(texts), sum(counts), sum(flops(t) for t in counts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", required=True, metavar="NAME=FILE.jsonl[@N]", help="a corpus to index, its first N articles (repeatable)")
    parser.add_argument("--articles", type=int, default=40, help="index the first N articles of each corpus (default 40)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per pipeline; the median is reported (default 3)")
    parser.add_argument("--best", action="store_true", help="report the fastest run of each pipeline, not the median")
    parser.add_argument("--backends", default=",".join(NEWSBOT_BACKENDS), help="newsbot backends to run")
    parser.add_argument("--ghz", type=float, default=2.6, help="core clock for the peak-FLOPs figure (default 2.6, the TSC rate)")
    parser.add_argument("--json-out", type=Path, default=None, metavar="FILE", help="append the results as one JSON line")
    parser.add_argument("--render", type=Path, default=None, metavar="FILE", help="only print the table of the last line of a --json-out file")
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text().splitlines()[-1])
        for pipelines in saved["results"].values():
            for r in pipelines.values():
                r.setdefault("gflop_per_cpu_s", r["mflop_per_chunk"] * r["chunks"] / r["cpu_s"] / 1e3)
        print(render(saved["results"], saved["repeats"], saved["peak_gflops"], saved.get("threads", os.cpu_count() or 1)))
        return 0

    from bench.pipelines import TutorialBaseline
    from newsbot.cli.errors import quiet_libraries
    from newsbot.index.embed import Embedder

    quiet_libraries()
    backends = [b for b in args.backends.split(",") if b]
    threads = os.cpu_count() or 1
    embedders = {b: Embedder(backend=b, threads=threads) for b in backends}
    for embedder in embedders.values():
        embedder.encode_queries(["warm up: load the model and export it when needed"])
    tutorial = TutorialBaseline(threads=threads)
    tutorial.encode_chunks(["warm up"])

    results: dict[str, dict[str, dict[str, float]]] = {}
    for spec in args.corpus:
        name, _, file = spec.partition("=")
        file, _, count = file.partition("@")
        articles = int(count) if count else args.articles
        source = Path(file)
        workdir = Path(tempfile.mkdtemp(prefix="newsbot-speed-corpus-"))
        subset = workdir / f"{name}.jsonl"
        with source.open(encoding="utf-8") as handle, subset.open("w", encoding="utf-8") as out:
            for number, line in enumerate(handle):
                if number >= articles:
                    break
                out.write(line)
        runs: dict[str, list[Run]] = {}
        for repeat in range(args.repeats):
            for pipeline in ["tutorial", *backends] if repeat % 2 == 0 else [*backends, "tutorial"]:
                run = run_tutorial(subset, tutorial) if pipeline == "tutorial" else run_newsbot(pipeline, subset, embedders)
                runs.setdefault(pipeline, []).append(run)
                stages = ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in run.stages.items() if seconds >= 0.05)
                print(f"{name} {pipeline} #{repeat + 1}: {run.wall:.1f}s ({run.chunks} chunks){'; ' + stages if stages else ''}",
                      file=sys.stderr, flush=True)
        shutil.rmtree(workdir, ignore_errors=True)
        results[name] = {p: {**summarise(rs, articles, args.best), "articles": articles} for p, rs in runs.items()}

    peak = peak_gflops(threads, args.ghz)
    print(render(results, args.repeats, peak, threads, args.best))
    if args.json_out:
        with args.json_out.open("a") as handle:
            handle.write(json.dumps({"repeats": args.repeats, "peak_gflops": peak, "threads": threads, "results": results}) + "\n")
    return 0


def summarise(runs: list[Run], articles: int, best: bool = False) -> dict[str, float]:
    if best:  # the fastest run, whole: its numbers belong together
        runs = [min(runs, key=lambda r: r.wall)]
    median = statistics.median
    first = runs[0]
    return {
        "chunks": first.chunks,
        "tokens": first.tokens,
        "tokens_per_chunk": first.tokens / max(first.chunks, 1),
        "mflop_per_chunk": first.flop / max(first.chunks, 1) / 1e6,
        "wall_s": median(r.wall for r in runs),
        "embed_s": median(r.embed_wall for r in runs),
        "cpu_s": median(r.cpu for r in runs),
        "chunks_per_s": median(r.chunks / r.wall for r in runs),
        "tokens_per_s": median(r.tokens / r.wall for r in runs),
        "articles_per_s": median(articles / r.wall for r in runs),
        "tokens_per_cpu_s": median(r.tokens / r.cpu for r in runs),
        "embed_tokens_per_s": median(r.tokens / r.embed_wall for r in runs if r.embed_wall > 0) if any(r.embed_wall > 0 for r in runs) else 0.0,
        "gflop_per_cpu_s": median(r.flop / r.cpu / 1e9 for r in runs),
        "embed_gflops": median(r.flop / r.embed_wall / 1e9 for r in runs if r.embed_wall > 0) if any(r.embed_wall > 0 for r in runs) else 0.0,
    }


def render(results: dict[str, dict[str, dict[str, float]]], repeats: int, peak: float, threads: int, best: bool = False) -> str:
    core = peak / threads
    lines = [f"{'best' if best else 'median'} of {repeats} runs, {threads} threads; fp32 peak {peak:.0f} GFLOP/s ({core:.0f} per core)", ""]
    head = ["corpus (articles)", "pipeline", "chunks", "tokens/chunk", "MFLOP/chunk", "s", "end to end vs tutorial", "articles/s", "chunks/s", "tokens/s",
            "tokens/s vs tutorial", "tokens/CPU-s vs tutorial", "embed GFLOP/s", "GFLOP/CPU-s", "% of a core's fp32 peak"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for corpus, pipelines in results.items():
        base = pipelines.get("tutorial")
        for name, r in pipelines.items():
            ratio = f"{r['tokens_per_s'] / base['tokens_per_s']:.2f}×" if base else "–"
            cpu_ratio = f"{r['tokens_per_cpu_s'] / base['tokens_per_cpu_s']:.2f}×" if base else "–"
            speedup = f"{base['wall_s'] / r['wall_s']:.2f}×" if base else "–"
            label = "tutorial (b)" if name == "tutorial" else f"newsbot {name}"
            lines.append(
                f"| {corpus} ({r['articles']:.0f}) | {label} | {r['chunks']:.0f} | {r['tokens_per_chunk']:.0f} | {r['mflop_per_chunk']:.0f} | {r['wall_s']:.1f} | {speedup} | "
                f"{r['articles_per_s']:.2f} | {r['chunks_per_s']:.1f} | {r['tokens_per_s']:.0f} | {ratio} | {cpu_ratio} | "
                f"{r['embed_gflops']:.1f} | {r['gflop_per_cpu_s']:.1f} | {100 * r['gflop_per_cpu_s'] / core:.0f}% |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
