"""Fit how the reader's answer joins the pipeline, on dev halves only: the weight its margin adds to a
sentence's selection score, and the answer/decline model (index/pipeline/decision.json).

    python bench/fit_reader.py \\
        --set .reader/idx_news:../shared/datasets/user_questions/questions_dev.jsonl:1:uq \\
        --set .reader/idx_news:../shared/datasets/user_questions/unanswerable_dev.jsonl:0:uq-decline \\
        --set .reader/idx_news:../shared/datasets/chat_questions/questions_dev.jsonl:1:cq \\
        --set .reader/idx_news:../shared/datasets/chat_questions/unanswerable_dev.jsonl:0:cq-decline \\
        --set .reader/idx_news:bench/data/news_dev.jsonl:1:news \\
        --set .reader/idx_news:bench/data/offcorpus_dev.jsonl:0:offcorpus \\
        --set .reader/idx_squad:../shared/datasets/squad11_dev/questions_dev.jsonl:1:squad \\
        --set .reader/idx_squad:../shared/datasets/squad11_dev/unanswerable_dev.jsonl:0:squad2 \\
        --limit 600 [--weights 0,0.5,1,2] [--keep 0.95] [--write]

Each --set is INDEX_DIR:QUESTIONS:LABEL:NAME (1 answerable, 0 to decline); build each index first
with `newsbot index CORPUS --index-dir DIR`. Every question runs once through the stages up to the
reader (cached in `--cache`); each weight then re-orders the candidates, runs the check, the
decision features and the choice of sentences, and fits the decision (bench/train_decline.py's
class-balanced logistic regression, its bias moved so that `--keep` of every answerable set is
answered). The figures printed are cross-fitted: each question is decided by a model fitted on the
other half of the articles, so they are not the fit's own training figures. `--write` saves the
model fitted on all of them for the chosen weight (`--weight`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_decline import fit  # noqa: E402

from newsbot.index.config import EngineConfig  # noqa: E402
from newsbot.index.engine import Engine  # noqa: E402
from newsbot.index.metrics import contains_answer  # noqa: E402
from newsbot.index.pipeline import AnswerPipeline  # noqa: E402
from newsbot.index.pipeline.decide import DEFAULT_MODEL, FEATURES, DecisionModel  # noqa: E402
from newsbot.index.pipeline.read import AnswerReader, ReadParams, load_reader  # noqa: E402
from newsbot.index.pipeline.records import Reading  # noqa: E402

SEED = 0


def _fold(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2


def collect(specs: list[str], limit: int, cache: Path) -> list[dict]:
    """Each question through the pipeline's stages up to the reader, once, saved to `cache` (run
    with --fresh after changing the reader). The reader reads with weight 0, so the candidates keep
    the scorer's order and scores, and each weight is applied afterwards (`evaluate`)."""
    config = EngineConfig.from_env()
    yes = DecisionModel(tuple((name, 0.0) for name in FEATURES), 1.0)
    unweighted = replace(config.pipeline, reading=replace(config.pipeline.reading, weight=0.0))
    engines: dict[str, Engine] = {}
    rows: list[dict] = []
    rng = np.random.default_rng(SEED)
    for spec in specs:
        index_dir, questions_file, label, name = spec.rsplit(":", 3)
        if index_dir not in engines:
            pipeline = AnswerPipeline(unweighted, decision_model=yes, reader=load_reader(config.reader))
            engines[index_dir] = Engine(index_dir=index_dir, config=config, pipeline=pipeline).load()
        engine = engines[index_dir]
        assert engine.pipeline.reader is not None, "the reader is off (NEWSBOT_READER)"
        with open(questions_file, encoding="utf-8") as handle:
            items = [json.loads(line) for line in handle if line.strip()]
        items = [items[i] for i in rng.permutation(len(items))][:limit]
        for item in items:
            question = engine.pipeline.normalise(engine.data, item["question"])
            trace = engine.pipeline.trace(engine.data, question, engine._encode(question.text))
            key = str(item.get("article_id") or item.get("doc_id") or item["id"])
            rows.append(
                {
                    "set": name, "label": int(label), "index": index_dir, "question": question, "hits": trace.hits,
                    "idf": trace.idf, "scored": trace.scored, "reading": trace.reading,
                    "answers": tuple(item.get("answers") or ()), "fold": _fold(key), "kind": item.get("kind", ""),
                }
            )  # fmt: skip
        print(f"{spec}: {len(items)} questions", file=sys.stderr)
    with open(cache, "wb") as handle:
        pickle.dump(rows, handle)
    return rows


def evaluate(rows: list[dict], engines: dict[str, Engine], params: ReadParams) -> tuple[np.ndarray, np.ndarray]:
    """Decision features and whether the cited sentences hold a gold answer, per question."""
    x, hit = [], []
    for row in rows:
        engine = engines[row["index"]]
        pipeline, data = engine.pipeline, engine.data
        reader = AnswerReader(pipeline.reader.model, params) if pipeline.reader else None
        reading: Reading = row["reading"]
        scored = reader.rescore(row["scored"], reading) if reader else row["scored"]
        check = pipeline.checker.run(data, row["question"], row["idf"], scored)
        if scored:
            values, _ = pipeline.decider.features(data, row["question"], row["idf"], scored[0], row["hits"], check)
            x.append([values[name] for name in FEATURES])
            choice = pipeline.chooser.run(data, row["question"], scored)
            cited = " ".join(data.sentence(s).text for s in choice.sentence_ids)
            hit.append(bool(row["answers"]) and contains_answer(cited, row["answers"]))
        else:
            x.append([0.0] * len(FEATURES))
            hit.append(False)
    return np.array(x), np.array(hit)


def fitted(x: np.ndarray, y: np.ndarray, sets: np.ndarray, keep: float) -> tuple[np.ndarray, float]:
    codes = {name: n for n, name in enumerate(sorted(set(sets)))}
    groups = np.array([codes[s] for s in sets])
    w, b = fit(x, y, groups)
    b -= min(float(np.quantile(x[sets == s] @ w + b, 1 - keep)) for s in codes if y[sets == s][0] == 1)
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", required=True, metavar="INDEX_DIR:QUESTIONS:LABEL:NAME")
    parser.add_argument("--limit", type=int, default=600)
    parser.add_argument("--keep", type=float, default=0.95, help="share of every answerable set to answer")
    parser.add_argument("--weights", default="0,0.5,1,2", help="reader weights to compare")
    parser.add_argument("--weight", type=float, default=None, help="the weight to fit and --write with")
    parser.add_argument("--drop", default="", help="features to leave out, each measured alone (a+b: together), e.g. type_found,typed")
    parser.add_argument("--cache", type=Path, default=Path(".reader/fit_cache.pkl"))
    parser.add_argument("--fresh", action="store_true", help="run the questions again (a new reader)")
    parser.add_argument("--write", action="store_true", help=f"save the decision model to {DEFAULT_MODEL}")
    args = parser.parse_args()
    if any("_test" in spec or "test.jsonl" in spec for spec in args.set):
        sys.exit("fit_reader: test halves are for reporting only")

    if args.cache.exists() and not args.fresh:
        with open(args.cache, "rb") as handle:
            rows = pickle.load(handle)
    else:
        rows = collect(args.set, args.limit, args.cache)
    config = EngineConfig.from_env()
    yes = DecisionModel(tuple((name, 0.0) for name in FEATURES), 1.0)
    engines = {
        index: Engine(
            index_dir=index, config=config, pipeline=AnswerPipeline(config.pipeline, decision_model=yes, reader=load_reader(config.reader))
        ).load()
        for index in {r["index"] for r in rows}
    }
    sets = np.array([r["set"] for r in rows])
    y = np.array([r["label"] for r in rows])
    folds = np.array([r["fold"] for r in rows])
    names = list(dict.fromkeys(sets))
    weights = [float(w) for w in args.weights.split(",")] if args.weight is None else [args.weight]
    print("weight  " + "  ".join(f"{n:>12}" for n in names) + "   (answerable: hit/answered; to decline: declined)")
    best = None
    drops = [""] + [d for d in args.drop.split(",") if d]
    for weight in weights:
        params = replace(ReadParams(), weight=weight)
        x, hit = evaluate(rows, engines, params)
        for drop in drops:
            # A feature dropped: what the decision loses without it (the rule behind it could go).
            kept = x.copy()
            for name in drop.split("+") if drop else ():
                kept[:, FEATURES.index(name)] = 0.0
            answered = np.zeros(len(rows), dtype=bool)
            for fold in (0, 1):
                w, b = fitted(kept[folds != fold], y[folds != fold], sets[folds != fold], args.keep)
                answered[folds == fold] = (kept[folds == fold] @ w + b) >= 0
            cells = []
            for n in names:
                m = sets == n
                if y[m][0] == 1:
                    cells.append(f"{(hit[m] & answered[m]).mean():.3f}/{answered[m].mean():.2f}")
                else:
                    cells.append(f"{1 - answered[m].mean():>12.3f}")
            label = f"{weight:6.2f}" + (f" -{drop}" if drop else "")
            print(f"{label:<8}  " + "  ".join(f"{c:>12}" for c in cells))
        if args.weight is not None:
            best = (x, params)
    if args.write and best is not None:
        x, params = best
        w, b = fitted(x, y, sets, args.keep)
        current = DecisionModel.load()
        model = DecisionModel(
            tuple((n, round(float(v), 4)) for n, v in zip(FEATURES, w, strict=True)),
            round(b, 4),
            retrieval_depth=current.retrieval_depth,
        )
        model.save(
            DEFAULT_MODEL,
            trained_by="python bench/fit_reader.py " + " ".join(sys.argv[1:]),
            reader_weight=params.weight,
        )
        print(json.dumps({"weights": dict(model.weights), "bias": model.bias}, indent=1))
        print(f"wrote {DEFAULT_MODEL}", file=sys.stderr)


if __name__ == "__main__":
    main()
