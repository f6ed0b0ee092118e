"""Dense and lexical search at scale: pgvector (HNSW) beside FAISS (flat, HNSW, IVF), one machine.

    python bench/pg_scale.py --index-dir DIR --database-url URL \
        --questions ../shared/datasets/squad11_dev/questions_dev.jsonl --limit 300 --sizes 200000

DIR is an index directory (the SQuAD `newsbot eval` cache); its chunk vectors are duplicated with
variation up to each size (bench/latency.py `synthesise`, the same seed), and real questions,
embedded once, are the queries. For each size:

- FAISS flat, HNSW and IVF as `index/vector_index.py` builds them: build time, p50/p95 search for
  the engine's 100 dense candidates (one thread), recall@10/@100 against flat (exact).
- pgvector: the table and HNSW index newsbot writes (vector_cosine_ops; m 16, ef_construction 64
  by default, others with --hnsw), COPY and index build times, the query the store runs (100 rows,
  at each --ef-search; newsbot uses 200), same recalls; table and index sizes.
- BM25 in PostgreSQL: each chunk's BM25 weights as sparsevec and its term ids under GIN (the
  chunks' terms duplicated, a random tenth dropped from each copy); the store's query timed.

Prints one JSON object per size.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.latency import ms_stats, overlap, synthesise, synthesise_terms, time_search  # noqa: E402


def pg_dense(conn: Any, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, ef_searches: list[int], m: int,
             ef_construction: int) -> dict[str, Any]:
    from pgvector import Vector

    conn.execute("DROP TABLE IF EXISTS bench_chunks")
    conn.execute(f"CREATE TABLE bench_chunks (id integer PRIMARY KEY, embedding vector({vectors.shape[1]}) NOT NULL)")
    started = time.perf_counter()
    with conn.cursor().copy("COPY bench_chunks FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "vector"])
        for i, vector in enumerate(vectors):
            copy.write_row((i, vector))
    copy_s = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute(f"CREATE INDEX ON bench_chunks USING hnsw (embedding vector_cosine_ops) WITH (m = {m}, ef_construction = {ef_construction})")
    build_s = time.perf_counter() - started
    conn.execute("VACUUM ANALYZE bench_chunks")
    sizes = conn.execute(
        "SELECT pg_table_size('bench_chunks'), pg_indexes_size('bench_chunks')"
    ).fetchone()
    result: dict[str, Any] = {"m": m, "ef_construction": ef_construction, "copy_s": copy_s, "build_s": build_s,
                              "table_mb": sizes[0] / 2**20, "index_mb": sizes[1] / 2**20}
    query = "SELECT id FROM bench_chunks ORDER BY embedding <=> %s LIMIT 100"
    for ef_search in ef_searches:
        conn.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef_search),))
        for q in queries[:10]:
            conn.execute(query, (Vector(q),)).fetchall()
        times, found = [], []
        for q in queries:
            started = time.perf_counter()
            rows = conn.execute(query, (Vector(q),)).fetchall()
            times.append((time.perf_counter() - started) * 1000)
            found.append([r[0] for r in rows] + [-1] * (100 - len(rows)))
        found_arr = np.array(found)
        result[f"ef_search_{ef_search}"] = {**ms_stats(times), "recall_at_10": overlap(found_arr, truth, 10),
                                            "recall_at_100": overlap(found_arr, truth, 100)}
    return result


def pg_lexical(conn: Any, data: Any, size: int, query_terms: list[list[str]], rng: np.random.Generator) -> dict[str, Any]:
    """newsbot's BM25 store (sparsevec weights, GIN over term ids) over `size` synthesised chunks."""
    import bm25s
    from pgvector import SparseVector

    from newsbot.index.lexical import LexicalIndex

    corpus = synthesise_terms(data, size, rng)
    started = time.perf_counter()
    retriever = bm25s.BM25(k1=0.9, b=0.4)  # as LexicalIndex.build, on terms already made
    retriever.index(corpus, show_progress=False)
    vocabulary, weights = LexicalIndex(retriever, {}, size).chunk_weights()
    bm25_s = time.perf_counter() - started
    dims = max(1, weights.shape[1])
    conn.execute("DROP TABLE IF EXISTS bench_lexical")
    conn.execute(f"CREATE TABLE bench_lexical (id integer PRIMARY KEY, lexical sparsevec({dims}) NOT NULL, term_ids integer[] NOT NULL)")
    started = time.perf_counter()
    with conn.cursor().copy("COPY bench_lexical FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "sparsevec", "int4[]"])
        for i in range(size):
            cols = weights.indices[weights.indptr[i] : weights.indptr[i + 1]].tolist()
            values = weights.data[weights.indptr[i] : weights.indptr[i + 1]].tolist()
            copy.write_row((i, SparseVector(dict(zip(cols, values, strict=True)), dims), cols))
    conn.execute("CREATE INDEX ON bench_lexical USING gin (term_ids)")
    conn.execute("VACUUM ANALYZE bench_lexical")
    write_s = time.perf_counter() - started
    times, matched, top_times = [], [], []
    for q in query_terms:
        ids = sorted({vocabulary[t] for t in q if t in vocabulary})
        if not ids:
            continue
        vector = SparseVector({i: 1.0 for i in ids}, dims)
        started = time.perf_counter()
        rows = conn.execute("SELECT id, -(lexical <#> %s) FROM bench_lexical WHERE term_ids && %s::integer[]", (vector, ids)).fetchall()
        scores = np.zeros(size, dtype=np.float32)
        if rows:
            found = np.array(rows, dtype=np.float64)
            scores[found[:, 0].astype(np.int64)] = found[:, 1]
        n = min(100, len(rows))
        if n:
            np.argpartition(-scores, n - 1)[:n]
        times.append((time.perf_counter() - started) * 1000)
        matched.append(len(rows))
        # What a top-k lexical step would cost: the 100 best in SQL, nothing else sent back.
        started = time.perf_counter()
        conn.execute("SELECT id, -(lexical <#> %s) FROM bench_lexical WHERE term_ids && %s::integer[] "
                     "ORDER BY lexical <#> %s LIMIT 100", (vector, ids, vector)).fetchall()
        top_times.append((time.perf_counter() - started) * 1000)
    top = ms_stats(top_times)
    return {"top_100_in_sql_p50_ms": top["p50_ms"], "top_100_in_sql_p95_ms": top["p95_ms"], "bm25_weights_s": bm25_s, "copy_and_gin_s": write_s, "table_mb": conn.execute(
        "SELECT pg_total_relation_size('bench_lexical')").fetchone()[0] / 2**20, **ms_stats(times),
        "mean_matching_chunks": float(np.mean(matched))}


def main(argv: list[str] | None = None) -> int:
    import faiss
    import psycopg
    from pgvector.psycopg import register_vector

    from newsbot.cli.errors import quiet_libraries
    from newsbot.cli.evaluate import read_questions
    from newsbot.index.embed import Embedder
    from newsbot.index.lexical import terms
    from newsbot.index.store import load
    from newsbot.index.vector_index import make_faiss

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--sizes", default="200000")
    parser.add_argument("--kinds", default="flat,hnsw,ivf")
    parser.add_argument("--ef-search", default="200", help="comma-separated hnsw.ef_search values to time (newsbot: 200)")
    parser.add_argument("--hnsw", default="16:64", help="comma-separated m:ef_construction builds (pgvector's default, newsbot's: 16:64)")
    parser.add_argument("--maintenance-work-mem", default="2GB", help="for the HNSW build (the graph should fit)")
    parser.add_argument("--no-lexical", action="store_true")
    parser.add_argument("--only-lexical", action="store_true", help="BM25 in PostgreSQL only")
    args = parser.parse_args(argv)

    quiet_libraries()
    data = load(args.index_dir)
    base = np.ascontiguousarray(data.chunk_vectors, dtype=np.float32)
    rows = read_questions(args.questions, args.limit)
    queries = Embedder(backend="onnx-int8").encode_queries([r["question"] for r in rows]).astype(np.float32)
    query_terms = [terms(r["question"]) for r in rows]
    conn = psycopg.connect(args.database_url, autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    register_vector(conn)
    conn.execute("SELECT set_config('maintenance_work_mem', %s, false)", (args.maintenance_work_mem,))
    rng = np.random.default_rng(0)
    for size in (int(s) for s in args.sizes.split(",")):
        vectors = synthesise(base, size, rng)
        result: dict[str, Any] = {"chunks": size, "questions": len(rows)}
        truth = None
        for kind in [] if args.only_lexical else args.kinds.split(","):
            faiss.omp_set_num_threads(2)
            started = time.perf_counter()
            index = make_faiss(vectors, kind)
            build = time.perf_counter() - started
            faiss.omp_set_num_threads(1)
            time_search(index, queries[:10], 100)
            times, found = time_search(index, queries, 100)
            if kind == "flat":
                truth = found
            result[f"faiss_{kind}"] = {"build_s": build, **ms_stats(times)}
            if truth is not None:
                result[f"faiss_{kind}"].update(recall_at_10=overlap(found, truth, 10), recall_at_100=overlap(found, truth, 100))
            print(f"{size} faiss {kind}: {result[f'faiss_{kind}']}", file=sys.stderr, flush=True)
            del index
        assert truth is not None or args.only_lexical, "--kinds must include flat (the exact ranking recall is measured against)"
        for build in [] if args.only_lexical else args.hnsw.split(","):
            m, ef_construction = (int(x) for x in build.split(":"))
            key = f"pgvector_hnsw_m{m}_efc{ef_construction}"
            result[key] = pg_dense(conn, vectors, queries, truth, [int(e) for e in args.ef_search.split(",")], m, ef_construction)
            print(f"{size} {key}: {result[key]}", file=sys.stderr, flush=True)
        conn.execute("DROP TABLE IF EXISTS bench_chunks")
        if not args.no_lexical:
            result["pg_bm25_sparsevec"] = pg_lexical(conn, data, size, query_terms, rng)
            print(f"{size} pg bm25: {result['pg_bm25_sparsevec']}", file=sys.stderr, flush=True)
        print(json.dumps(result), flush=True)
        del vectors
    conn.execute("DROP TABLE IF EXISTS bench_chunks, bench_lexical")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
