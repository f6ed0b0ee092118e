"""`newsbot eval`: index a corpus (or reuse its index) and measure answers against question files.

Each answerable question is answered once by `Engine.answer` at the engine's normal k (its
`latency_ms` is the latency reported), and its retrieval is scored on the top 20 chunks of the
same hybrid search, mapped to their articles. The question vector is computed once for both.
Metrics come from `index.metrics`, the functions the baselines in bench/ use too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.cli.errors import CliError, quiet_libraries
from newsbot.index.config import EngineConfig

RETRIEVAL_DEPTH = 20


def read_questions(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Questions in the shared format (`question`, `answers`, `doc_id`; `id`, `doc_ids` optional)."""
    rows: list[dict[str, Any]] = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if limit is not None and len(rows) >= limit:
                break
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise CliError(f"{path}:{number}: not JSON ({error})") from None
            if not isinstance(row, dict) or not isinstance(row.get("question"), str):
                raise CliError(f"{path}:{number}: expected an object with a \"question\" string")
            row.setdefault("id", f"{path.stem}:{number}")
            rows.append(row)
    if not rows:
        raise CliError(f"{path} has no questions")
    return rows


def gold_doc_ids(row: dict[str, Any]) -> tuple[str, ...]:
    ids = row.get("doc_ids") or ([row["doc_id"]] if row.get("doc_id") else [])
    return tuple(str(i) for i in ids)


def eval_index_dir(corpus_paths: Sequence[Path], config: EngineConfig) -> Path:
    """The cached index of this corpus and backend: `<cache>/eval/<hash>`."""
    key = "\n".join(sorted(str(p.resolve()) for p in corpus_paths)) + "\nbackend=" + config.backend
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return config.cache_root / "eval" / digest


def ranked_doc_ids(engine: Any, question: str, k: int = RETRIEVAL_DEPTH) -> tuple[str, ...]:
    """The articles of the engine's top `k` chunks for `question`, best first, without repeats."""
    from newsbot.index.metrics import dedupe

    data = engine.data
    hits = engine.search(question, k)
    return tuple(dedupe(data.document(data.chunk(h.chunk_id).doc_index).doc_id for h in hits))


def _remembering_embedder(config: EngineConfig) -> Any:
    """An Embedder that returns the previous vectors when asked for the same texts again.

    `Engine.answer` embeds the question (timed, as in real use); the retrieval metrics then reuse
    that vector instead of embedding the question a second time.
    """
    from newsbot.index.embed import Embedder

    class RememberingEmbedder(Embedder):
        _last: tuple[tuple[str, ...], np.ndarray] | None = None

        def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
            key = tuple(texts)
            if self._last is not None and self._last[0] == key:
                return self._last[1]
            vectors = super().encode_queries(texts)
            self._last = (key, vectors)
            return vectors

    return RememberingEmbedder(backend=config.backend, cache_dir=config.cache_dir)


def run(args: argparse.Namespace) -> int:
    """Run `newsbot eval` with parsed arguments; print a table, or one JSON object with --json."""
    from newsbot.index.engine import DEFAULT_K, Engine
    from newsbot.index.metrics import Outcome, read_qrels, summarise
    from newsbot.index.progress import TerminalProgress
    from newsbot.index.store import IndexError_

    if args.limit is not None and args.limit <= 0:
        raise CliError(f"--limit must be > 0, got {args.limit}")
    missing = [str(p) for p in [*args.corpus, args.questions, *(args.unanswerable or []), *([args.qrels] if args.qrels else [])] if not p.exists()]
    if missing:
        raise CliError("no such file or directory: " + ", ".join(missing))
    questions = read_questions(args.questions, args.limit)
    unanswerable = {path.name: read_questions(path, args.limit) for path in args.unanswerable or []}
    try:
        qrels = read_qrels(args.qrels) if args.qrels else None
    except ValueError as error:
        raise CliError(str(error)) from None

    quiet_libraries()
    from newsbot.index.config import ConfigError

    try:
        config = EngineConfig.from_env(backend=args.backend, database_url=getattr(args, "database_url", None))
        index_dir = args.index_dir or eval_index_dir(args.corpus, config)
        engine = Engine(index_dir=index_dir, corpus_paths=args.corpus, embedder=_remembering_embedder(config), config=config)
    except (ConfigError, ValueError, FileNotFoundError, IndexError_) as error:
        raise CliError(str(error)) from None
    progress = TerminalProgress()
    started = time.perf_counter()
    try:
        summary = engine.ensure_index(progress)
        engine.warm_up()
    except IndexError_ as error:
        raise CliError(str(error)) from None
    finally:
        progress.close()
    if summary is not None:
        print(f"newsbot eval: {summary.describe()}", file=sys.stderr)

    work = [(row, True, "") for row in questions] + [(row, False, name) for name, rows in unanswerable.items() for row in rows]
    outcomes = []
    for row, answerable, group in _progress(work):
        answer = engine.answer(row["question"], k=DEFAULT_K)
        ranked = ranked_doc_ids(engine, row["question"]) if answerable else ()
        outcomes.append(
            Outcome(
                question_id=str(row["id"]),
                answerable=answerable,
                ranked_doc_ids=ranked,
                gold_doc_ids=gold_doc_ids(row),
                answers=tuple(str(a) for a in row.get("answers") or ()),
                answered=answer.answered,
                cited_texts=tuple(s.text for s in answer.sentences),
                cited_doc_ids=tuple(s.doc_id for s in answer.sentences),
                latency_ms=answer.latency_ms,
                group=group,
                style=str(row.get("style") or ""),
                kind=str(row.get("kind") or ""),
            )
        )
    report = summarise(outcomes, qrels)
    context = {
        "corpus": [str(p) for p in args.corpus],
        "questions_file": str(args.questions),
        "unanswerable_files": [str(p) for p in args.unanswerable or []],
        "qrels_file": str(args.qrels) if args.qrels else None,
        "index_dir": engine.location,
        "backend": config.backend,
        "k": DEFAULT_K,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if args.json:
        print(json.dumps({**context, **_rounded(report.as_dict())}))
    else:
        print(render_table(report.as_dict(), context))
    return 0


def _progress(work: list[Any]) -> Any:
    from tqdm import tqdm

    enabled = sys.stderr.isatty()
    if not enabled:
        print(f"newsbot eval: answering {len(work)} questions…", file=sys.stderr, flush=True)
    return tqdm(work, desc="questions", unit="q", file=sys.stderr, leave=False, dynamic_ncols=True, disable=not enabled)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


_ROWS = (
    ("retrieval", "recall_at_1", "recall@1"),
    ("retrieval", "recall_at_5", "recall@5"),
    ("retrieval", "recall_at_20", "recall@20"),
    ("retrieval", "mrr_at_10", "MRR@10"),
    ("retrieval", "ndcg_at_10", "nDCG@10"),
    ("citations", "hit_rate", "hit rate (gold answer in cited sentences)"),
    ("citations", "hit_rate_answered", "hit rate among answered"),
    ("citations", "gold_doc_citation_rate", "gold document cited"),
    ("citations", "mean_cited_sentences", "cited sentences per answer"),
    ("abstention", "answered_share", "answered (of answerable)"),
    ("abstention", "declined_share", "declined (of unanswerable)"),
    ("latency", "latency_p50_ms", "p50 ms per question"),
    ("latency", "latency_p95_ms", "p95 ms per question"),
)


def render_table(metrics: dict[str, Any], context: dict[str, Any]) -> str:
    """The metrics as an aligned plain-text table; '-' where a metric does not apply."""

    def show(value: Any, unit: str = "") -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if isinstance(value, float):
            return f"{value:.2f}" if unit == "ms" else f"{value:.3f}"
        return str(value)

    lines = [
        f"{metrics['questions']} questions from {context['questions_file']}"
        + (f", {metrics['unanswerable']} to decline" if metrics["unanswerable"] else ""),
        f"index {context['index_dir']} · backend {context['backend']} · k {context['k']} · {context['seconds']:.0f}s",
        "",
    ]
    rows: list[tuple[str, str, str]] = []
    for section, key, label in _ROWS:
        rows.append((section, label, show(metrics[key], "ms" if key.endswith("_ms") else "")))
        if key == "declined_share" and len(metrics["declined_by_group"]) > 1:
            rows.extend(("", f"  {name}", show(share)) for name, share in metrics["declined_by_group"].items())
        if key == "declined_share":
            rows.extend(("", f"  kind: {name}", show(share)) for name, share in metrics.get("declined_by_kind", {}).items())
        if key == "hit_rate":
            rows.extend(("", f"  style: {name}", show(share)) for name, share in metrics.get("hit_rate_by_style", {}).items())
    width = max(len(label) for _, label, _ in rows)
    previous = ""
    for section, label, value in rows:
        lines.append(f"{section if section != previous else '':<11} {label:<{width}}  {value:>7}")
        previous = section or previous
    return "\n".join(lines)
