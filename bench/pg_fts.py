"""PostgreSQL full-text search (ts_rank) in place of newsbot's sparsevec BM25: the same eval.

    python bench/pg_fts.py --database-url URL -- --corpus ../shared/datasets/news_wikinews/corpus.jsonl \
        --questions ../shared/datasets/user_questions/questions_dev.jsonl \
        --unanswerable ../shared/datasets/user_questions/unanswerable_dev.jsonl --json

URL is a database `newsbot eval --database-url URL` already built for that corpus. Its current
generation's chunks get a `tsvector` (english configuration, over the title and the chunk: the
text BM25 indexes) under GIN; `PgLexicalStore.scores` is replaced by `ts_rank` of the question's
terms OR-ed; then `newsbot eval` runs in this process. The column is dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    import psycopg
    from psycopg import sql

    from newsbot.cli import main as cli
    from newsbot.index.postgres import stores
    from newsbot.index.postgres.stores import PgLexicalStore, table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rank", choices=("ts_rank", "ts_rank_cd"), default="ts_rank")
    parser.add_argument("eval_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        generation = int(conn.execute("SELECT value FROM newsbot_meta WHERE key = 'current_generation'").fetchone()[0])
        chunks, documents, sentences = (table(generation, k) for k in ("chunks", "documents", "sentences"))
        conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS fts tsvector").format(chunks))
        conn.execute(sql.SQL(
            "UPDATE {c} c SET fts = to_tsvector('english', d.title || ' ' || substr(d.text, s1.start_char + 1, s2.end_char - s1.start_char)) "
            "FROM {d} d, {s} s1, {s} s2 WHERE d.id = c.doc AND s1.id = c.first_sentence AND s2.id = c.last_sentence"
        ).format(c=chunks, d=documents, s=sentences))
        conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin (fts)").format(sql.Identifier(f"fts_{generation}"), chunks))

    rank = sql.SQL(args.rank)

    def fts_scores(self: PgLexicalStore, query_terms: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        known = sorted({t for t in query_terms if t.isalnum()})
        if not known:
            return out
        # The terms are Snowball English stems already, as PostgreSQL's english configuration makes them.
        query = " | ".join(known)
        with self.database.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT id, {}(fts, to_tsquery('simple', %s)) FROM {} WHERE fts @@ to_tsquery('simple', %s)").format(
                    rank, table(self.generation, "chunks")),
                (query, query),
            ).fetchall()
        if rows:
            found = np.array(rows, dtype=np.float64)
            out[found[:, 0].astype(np.int64)] = found[:, 1]
        return out

    stores.PgLexicalStore.scores = fts_scores  # type: ignore[method-assign]
    try:
        extra = [a for a in args.eval_args if a != "--"]
        return cli.main(["eval", "--database-url", args.database_url, *extra])
    finally:
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS fts").format(chunks))


if __name__ == "__main__":
    sys.exit(main())
