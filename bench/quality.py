"""Quality of newsbot against the baselines, in one run, on one question set.

    python bench/quality.py --corpus ../shared/datasets/squad11_dev/corpus.jsonl \
        --questions ../shared/datasets/squad11_dev/questions_dev.jsonl \
        --unanswerable bench/data/offcorpus_dev.jsonl \
        --unanswerable ../shared/datasets/squad11_dev/unanswerable_dev.jsonl --limit 1000

Pipelines (bench/pipelines.py): bm25 (a), tutorial (b), dense-select (c) and newsbot. Each
builds its index from the same articles (newsbot's is the `newsbot eval` cache, reused when
current; the tutorial's chunk vectors are cached too, so a second run on a corpus is quick), then
answers every question; the metrics are those of `newsbot eval` (index.metrics). Prints a
Markdown table, newsbot's figure beside the tutorial's as a ratio; --json-out writes all figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipelines import BM25Baseline, NewsbotPipeline, TutorialBaseline  # noqa: E402

PIPELINES = ("bm25", "tutorial", "dense-select", "newsbot")
METRICS = (
    ("recall_at_1", "recall@1"),
    ("recall_at_5", "recall@5"),
    ("recall_at_20", "recall@20"),
    ("mrr_at_10", "MRR@10"),
    ("ndcg_at_10", "nDCG@10"),
    ("hit_rate", "hit rate"),
    ("hit_rate_answered", "hit rate, answered"),
    ("gold_doc_citation_rate", "gold doc cited"),
    ("mean_cited_sentences", "cited sentences"),
    ("answered_share", "answered"),
    ("declined_share", "declined (all unanswerable)"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="+", required=True, metavar="PATH")
    parser.add_argument("--questions", type=Path, required=True, metavar="FILE")
    parser.add_argument("--unanswerable", type=Path, action="append", default=[], metavar="FILE")
    parser.add_argument("--qrels", type=Path, default=None, metavar="FILE", help="BEIR qrels for nDCG@10")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="first N questions of each file")
    parser.add_argument("--pipelines", default=",".join(PIPELINES), help=f"comma-separated subset of {','.join(PIPELINES)}")
    parser.add_argument("--backend", default="onnx", choices=("torch", "onnx", "onnx-int8"), help="newsbot's backend (default onnx: same vectors as torch, faster)")
    parser.add_argument("--index-dir", type=Path, default=None, help="newsbot index (default: the `newsbot eval` cache)")
    parser.add_argument("--label", default="", help="name of this question set in the output")
    parser.add_argument("--json-out", type=Path, default=None, metavar="FILE", help="append the figures as one JSON line")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from tqdm import tqdm

    from newsbot.cli.errors import quiet_libraries
    from newsbot.cli.evaluate import _remembering_embedder, eval_index_dir, read_questions
    from newsbot.index.engine import Engine
    from newsbot.index.loaders import load_corpus
    from newsbot.index.metrics import read_qrels, summarise
    from newsbot.index.progress import TerminalProgress

    quiet_libraries()
    wanted = [p.strip() for p in args.pipelines.split(",") if p.strip()]
    unknown = set(wanted) - set(PIPELINES)
    if unknown:
        raise SystemExit(f"unknown pipelines: {', '.join(sorted(unknown))}")
    questions = read_questions(args.questions, args.limit)
    others = [(p.name, read_questions(p, args.limit)) for p in args.unanswerable]
    qrels = read_qrels(args.qrels) if args.qrels else None
    work = [(row, True, "") for row in questions] + [(row, False, name) for name, rows in others for row in rows]
    documents = load_corpus(args.corpus).documents

    engine = None
    if {"dense-select", "newsbot"} & set(wanted):
        index_dir = args.index_dir or eval_index_dir(args.corpus, args.backend)
        engine = Engine(index_dir=index_dir, corpus_paths=args.corpus, embedder=_remembering_embedder(args.backend))
        progress = TerminalProgress()
        engine.ensure_index(progress)
        progress.close()
        engine.warm_up()
    cache = Path(os.environ.get("NEWSBOT_CACHE_DIR") or _user_cache()) / "bench"
    builders = {
        "bm25": lambda: BM25Baseline(),
        "tutorial": lambda: TutorialBaseline(cache_dir=cache),
        "dense-select": lambda: NewsbotPipeline(engine, dense_only=True),
        "newsbot": lambda: NewsbotPipeline(engine),
    }
    results: dict[str, dict[str, object]] = {}
    for name in wanted:
        pipeline = builders[name]()
        started = time.perf_counter()
        pipeline.build(documents)
        if name == "tutorial":
            pipeline.rank("warm up")  # load the model before timing questions
        build_s = time.perf_counter() - started
        outcomes = [pipeline.ask(row, answerable, group) for row, answerable, group in tqdm(work, desc=name, file=sys.stderr, leave=False)]
        report = summarise(outcomes, qrels).as_dict()
        report["build_s"] = round(build_s, 1)
        results[name] = report
        print(f"{name}: done in {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)

    label = args.label or args.questions.name
    print(render(label, len(questions), sum(len(r) for _, r in others), results))
    if args.json_out:
        with args.json_out.open("a") as handle:
            handle.write(json.dumps({"label": label, "questions": str(args.questions), "limit": args.limit, "results": results}) + "\n")
    return 0


def _user_cache() -> str:
    from platformdirs import user_cache_dir

    return user_cache_dir("newsbot")


def render(label: str, answerable: int, unanswerable: int, results: dict[str, dict[str, object]]) -> str:
    """A Markdown table: one row per metric, one column per pipeline, newsbot / tutorial last."""
    names = list(results)
    ratio = "newsbot" in results and "tutorial" in results
    head = ["metric", *names] + (["newsbot ÷ tutorial"] if ratio else [])
    lines = [f"**{label}**: {answerable} answerable, {unanswerable} to decline", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]

    def cell(value: object, key: str) -> str:
        if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"

    for key, title in METRICS:
        values = [results[n].get(key) for n in names]
        if all(v is None for v in values):
            continue
        row = [title, *(cell(v, key) for v in values)]
        if ratio:
            ours, theirs = results["newsbot"].get(key), results["tutorial"].get(key)
            row.append(f"{ours / theirs:.2f}×" if isinstance(ours, float) and isinstance(theirs, float) and theirs else "–")
        lines.append("| " + " | ".join(row) + " |")
    groups: dict[str, list[str]] = {}
    for n in names:
        for group, share in dict(results[n].get("declined_by_group") or {}).items():  # type: ignore[call-overload]
            groups.setdefault(group, []).append(f"{share:.3f}")
    for group, shares in groups.items():
        if len(groups) > 1:
            lines.append("| declined: " + group + " | " + " | ".join(shares) + (" | |" if ratio else " |"))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
