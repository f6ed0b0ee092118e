"""Question latency with the model loaded: newsbot and the baselines, then search at 100k and 1M chunks.

    python bench/latency.py questions --corpus ../shared/datasets/squad11_dev/corpus.jsonl \
        --questions ../shared/datasets/squad11_dev/questions_dev.jsonl --limit 500
    python bench/latency.py scale --index-dir DIR --questions FILE --sizes 100000,1000000

`questions`: every pipeline answers the same questions one at a time, after a warm-up; p50 and
p95 of the time per question (newsbot: `Answer.latency_ms`, the figure `newsbot ask --json`
reports). newsbot runs on one index (the `newsbot eval` cache of the corpus) with each backend
encoding the questions.

`scale`: there is no 1M-chunk news corpus here, so the chunk vectors of a real index are
duplicated with variation (each copy = the original + Gaussian noise, renormalised; cosine to
the original about 0.9) up to each size, and real questions are the queries. For each FAISS type
(flat, HNSW, IVF as index.vector_index builds them) it reports build time, p50/p95 search time
for the engine's 100 dense candidates, and recall@10 / recall@100 against flat. BM25 is timed on
the index's chunk terms duplicated the same way (each copy drops a random tenth of its terms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def ms_stats(values: list[float]) -> dict[str, float]:
    from newsbot.index.metrics import percentile

    return {"p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95), "mean_ms": statistics.fmean(values)}


# -- questions ---------------------------------------------------------------------------------


def questions_table(args: argparse.Namespace) -> dict[str, Any]:
    from bench.pipelines import BM25Baseline, NewsbotPipeline, TutorialBaseline
    from newsbot.cli.errors import quiet_libraries
    from newsbot.cli.evaluate import eval_index_dir, read_questions
    from newsbot.index.config import EngineConfig
    from newsbot.index.embed import Embedder
    from newsbot.index.engine import Engine
    from newsbot.index.loaders import load_corpus
    from newsbot.index.pipeline import AnswerPipeline
    from newsbot.index.pipeline.question import PlainQuestion
    from newsbot.index.progress import TerminalProgress

    quiet_libraries()
    rows = read_questions(args.questions, args.limit)
    documents = load_corpus(args.corpus).documents
    config = EngineConfig.from_env(backend="onnx")
    index_dir = args.index_dir or eval_index_dir(args.corpus, config)
    Engine(index_dir=index_dir, corpus_paths=args.corpus, config=config).ensure_index(TerminalProgress())
    cache = args.cache_dir or config.cache_root / "bench"
    pipelines: dict[str, Any] = {}
    if args.baselines:
        pipelines.update({"bm25 (a)": BM25Baseline(), "tutorial (b)": TutorialBaseline(cache_dir=cache)})
    for backend in args.backends.split(","):
        engine = Engine(index_dir=index_dir, corpus_paths=args.corpus, embedder=Embedder(backend=backend, cache_dir=config.cache_dir), config=config)
        engine.load()
        engine.warm_up()
        pipelines[f"newsbot {backend}"] = NewsbotPipeline(engine)
        if args.reader_off_too:
            # The same engine without the trained reader: what reading costs.
            unread = Engine(index_dir=index_dir, corpus_paths=args.corpus, embedder=engine.embedder, config=config,
                            pipeline=AnswerPipeline(config.pipeline))
            unread._data = engine.data
            pipelines[f"newsbot {backend}, reader off"] = NewsbotPipeline(unread)
        if args.plain_question:
            # The same engine with the question taken as typed: what normalisation costs.
            plain = Engine(index_dir=index_dir, corpus_paths=args.corpus, embedder=engine.embedder, config=config,
                           pipeline=AnswerPipeline(config.pipeline, normaliser=PlainQuestion().run))
            plain._data = engine.data
            pipelines[f"newsbot {backend}, question as typed"] = NewsbotPipeline(plain)
    for pipeline in pipelines.values():
        pipeline.build(documents)
        for row in rows[:20]:  # warm caches and lazy imports
            pipeline.ask(row, False, "")
    latencies: dict[str, list[float]] = {name: [] for name in pipelines}
    for row in rows:  # interleaved: every pipeline sees the same moment of a shared machine
        for name, pipeline in pipelines.items():
            latencies[name].append(pipeline.ask(row, False, "").latency_ms)
    results = {name: ms_stats(values) for name, values in latencies.items()}
    for name, r in results.items():
        print(f"{name}: p50 {r['p50_ms']:.2f} ms", file=sys.stderr, flush=True)
    return {"questions": len(rows), "chunks": _chunk_count(index_dir), "results": results}


def _user_cache() -> str:
    from platformdirs import user_cache_dir

    return user_cache_dir("newsbot")


def _chunk_count(index_dir: Path) -> int:
    from newsbot.index.store import read_manifest

    return read_manifest(index_dir).chunks


def render_questions(table: dict[str, Any]) -> str:
    base = table["results"].get("tutorial (b)") or next(iter(table["results"].values()))
    lines = [f"{table['questions']} questions, newsbot index of {table['chunks']} chunks", "",
             "| pipeline | p50 ms | p95 ms | p50 ratio | p95 ratio |", "|---|---|---|---|---|"]
    for name, r in table["results"].items():
        ratio50 = f"{r['p50_ms'] / base['p50_ms']:.2f}×" if base else "–"
        ratio95 = f"{r['p95_ms'] / base['p95_ms']:.2f}×" if base else "–"
        lines.append(f"| {name} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {ratio50} | {ratio95} |")
    return "\n".join(lines)


# -- scale -------------------------------------------------------------------------------------


def synthesise(base: np.ndarray, size: int, rng: np.random.Generator, noise: float = 0.025) -> np.ndarray:
    """`size` unit vectors: the rows of `base`, then noisy copies of them (cosine ~0.9 to the source)."""
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    out[: min(size, len(base))] = base[:size]
    for start in range(len(base), size, len(base)):
        end = min(size, start + len(base))
        block = base[: end - start] + rng.normal(0, noise, (end - start, base.shape[1])).astype(np.float32)
        out[start:end] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def time_search(index: Any, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for q in queries:
        started = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - started) * 1000)
        found.append(ids[0])
    return times, np.array(found)


def overlap(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth, strict=True)]))


def scale_table(args: argparse.Namespace) -> dict[str, Any]:
    import faiss

    from newsbot.cli.errors import quiet_libraries
    from newsbot.cli.evaluate import read_questions
    from newsbot.index.embed import Embedder
    from newsbot.index.lexical import terms
    from newsbot.index.store import load
    from newsbot.index.vector_index import make_faiss

    quiet_libraries()
    data = load(args.index_dir)
    base = np.ascontiguousarray(data.chunk_vectors, dtype=np.float32)
    rows = read_questions(args.questions, args.limit)
    queries = Embedder(backend="onnx").encode_queries([r["question"] for r in rows])
    query_terms = [terms(r["question"]) for r in rows]
    rng = np.random.default_rng(0)
    results: dict[str, Any] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        vectors = synthesise(base, size, rng)
        print(f"{size}: vectors ready (mean cosine of a copy to its source: "
              f"{float(np.mean(np.sum(vectors[len(base):len(base) + 1000] * base[:1000], axis=1))) if size > len(base) else 1.0:.3f})",
              file=sys.stderr, flush=True)
        per_kind: dict[str, Any] = {}
        truth = None
        for kind in args.kinds.split(","):
            faiss.omp_set_num_threads(os.cpu_count() or 1)  # build on every core
            started = time.perf_counter()
            index = make_faiss(vectors, kind)
            build = time.perf_counter() - started
            faiss.omp_set_num_threads(args.threads)
            time_search(index, queries[:10], 100)
            times, found = time_search(index, queries, 100)
            if kind == "flat":
                truth = found
            per_kind[kind] = {"build_s": build, **ms_stats(times)}
            if truth is not None:
                per_kind[kind]["recall_at_10"] = overlap(found, truth, 10)
                per_kind[kind]["recall_at_100"] = overlap(found, truth, 100)
            print(f"{size} {kind}: build {build:.0f}s, p95 {per_kind[kind]['p95_ms']:.2f} ms", file=sys.stderr, flush=True)
            del index
        if size <= args.bm25_max:
            per_kind["bm25"] = bm25_scale(data, size, query_terms, rng)
        results[str(size)] = per_kind
        del vectors
    return {"questions": len(rows), "source_chunks": len(base), "threads": args.threads, "results": results}


def synthesise_terms(data: Any, size: int, rng: np.random.Generator) -> list[list[str]]:
    """The terms of `size` chunks grown from the index's real ones: each repeat drops a random 10%."""
    from newsbot.index.build import passage
    from newsbot.index.lexical import terms

    source = [terms(passage(data.documents, data.sentences, row)[0]) or ["\x00empty"] for row in data.chunks]
    corpus = []
    for i in range(size):
        doc = source[i % len(source)]
        if i >= len(source):
            keep = rng.random(len(doc)) > 0.1
            doc = [t for t, k in zip(doc, keep, strict=True) if k] or doc
        corpus.append(doc)
    return corpus


def bm25_scale(data: Any, size: int, query_terms: list[list[str]], rng: np.random.Generator) -> dict[str, float]:
    """Time newsbot's BM25 step (scores for every chunk + top 100) over `size` synthesised chunks."""
    import bm25s

    corpus = synthesise_terms(data, size, rng)
    started = time.perf_counter()
    retriever = bm25s.BM25(k1=0.9, b=0.4)
    retriever.index(corpus, show_progress=False)
    build = time.perf_counter() - started
    vocab = retriever.vocab_dict
    times = []
    for q in query_terms:
        known = [t for t in q if t in vocab]
        started = time.perf_counter()
        if known:
            scores = retriever.get_scores(retriever.get_tokens_ids(known))
            np.argpartition(-scores, 99)[:100]
        times.append((time.perf_counter() - started) * 1000)
    return {"build_s": build, **ms_stats(times)}


def render_scale(table: dict[str, Any]) -> str:
    lines = [f"{table['questions']} questions as queries; vectors grown from {table['source_chunks']} real chunk vectors; "
             f"FAISS threads {table['threads']}", "",
             "| chunks | index | build s | p50 ms | p95 ms | p95 vs flat | recall@10 vs flat | recall@100 vs flat |",
             "|---|---|---|---|---|---|---|---|"]
    for size, kinds in table["results"].items():
        flat = kinds.get("flat")
        for kind, r in kinds.items():
            ratio = f"{r['p95_ms'] / flat['p95_ms']:.2f}×" if flat and kind != "bm25" else "–"
            r10 = f"{r['recall_at_10']:.3f}" if "recall_at_10" in r else "–"
            r100 = f"{r['recall_at_100']:.3f}" if "recall_at_100" in r else "–"
            label = "BM25 (bm25s, all scores + top 100)" if kind == "bm25" else kind
            lines.append(f"| {int(size):,} | {label} | {r['build_s']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {ratio} | {r10} | {r100} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="table", required=True)
    q = sub.add_parser("questions", help="p50/p95 per question, model loaded, newsbot vs baselines")
    q.add_argument("--corpus", type=Path, nargs="+", required=True, metavar="PATH")
    q.add_argument("--questions", type=Path, required=True, metavar="FILE")
    q.add_argument("--limit", type=int, default=500)
    q.add_argument("--backends", default="torch,onnx,onnx-int8")
    q.add_argument("--no-baselines", dest="baselines", action="store_false", help="time newsbot only (not bm25 and the tutorial)")
    q.add_argument("--plain-question", action="store_true", help="also time newsbot with the question taken as typed (no normalisation)")
    q.add_argument("--reader-off-too", action="store_true", help="also time newsbot without the trained reader")
    q.add_argument("--index-dir", type=Path, default=None, help="newsbot index (default: the `newsbot eval` cache, onnx)")
    q.add_argument("--cache-dir", type=Path, default=None, help="where bench/quality.py cached the tutorial's chunk vectors (default: the user cache)")
    s = sub.add_parser("scale", help="FAISS flat / HNSW / IVF and BM25 at 100k and 1M chunks")
    s.add_argument("--index-dir", type=Path, required=True, help="a built newsbot index whose vectors seed the synthetic ones")
    s.add_argument("--questions", type=Path, required=True, metavar="FILE")
    s.add_argument("--limit", type=int, default=300)
    s.add_argument("--sizes", default="100000,1000000")
    s.add_argument("--kinds", default="flat,hnsw,ivf")
    s.add_argument("--bm25-max", type=int, default=100_000, help="time BM25 only up to this many chunks (default 100000)")
    s.add_argument("--threads", type=int, default=1, help="FAISS threads per query (default 1, as a bot answering concurrently)")
    for p in (q, s):
        p.add_argument("--json-out", type=Path, default=None, metavar="FILE", help="append the results as one JSON line")
    args = parser.parse_args(argv)
    if args.table == "questions":
        table = questions_table(args)
        print(render_questions(table))
    else:
        table = scale_table(args)
        print(render_scale(table))
    if args.json_out:
        with args.json_out.open("a") as handle:
            handle.write(json.dumps({"table": args.table, **table}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
