"""Fit the answer/decline model (index/pipeline/decision.json) on dev questions, never on test splits.

    python bench/train_decline.py \\
        --set /tmp/idx_squad:../shared/datasets/squad11_dev/questions_dev.jsonl:1 \\
        --set /tmp/idx_squad:../shared/datasets/squad11_dev/unanswerable_dev.jsonl:0 \\
        --set /tmp/idx_news:bench/data/offcorpus_dev.jsonl:0 ... [--limit 800] [--keep 0.96] [--write]

Each --set is INDEX_DIR:QUESTIONS:LABEL (1 answerable, 0 should be declined); build each index
first with `newsbot index CORPUS --index-dir INDEX_DIR`. The script runs the answer pipeline's
stages up to the decision, takes the evidence features of each question's best sentence (by name,
newsbot.index.pipeline.decide.FEATURES), fits a class-balanced L2 logistic regression, then moves
the bias so that a share `--keep` of the answerable questions is answered. It prints the answered /
declined share of each set, and with --write saves the model to index/pipeline/decision.json.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from newsbot.index.config import EngineConfig
from newsbot.index.engine import Engine
from newsbot.index.pipeline import AnswerPipeline
from newsbot.index.pipeline.decide import DEFAULT_MODEL, FEATURES, DecisionModel

SEED = 0


def features_of(engine: Engine, questions: list[str]) -> np.ndarray:
    """The decision features of each question, by name, in FEATURES order."""
    pipeline = engine.pipeline
    rows = []
    for text in questions:
        question = pipeline.normalise(engine.data, text)
        trace = pipeline.trace(engine.data, question, engine._encode(question.text))
        values = dict(trace.decision.features) if trace.decision and trace.decision.features else {}
        rows.append([values.get(name, 0.0) for name in FEATURES])
    return np.array(rows, dtype=np.float64)


def fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray, l2: float = 1e-2, steps: int = 4000, lr: float = 0.5) -> tuple[np.ndarray, float]:
    """L2 logistic regression by gradient descent on standardised features, each set of questions
    (`groups`) weighing the same within its class, so 800 SQuAD questions don't drown 25 near misses."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    w = np.zeros(x.shape[1])
    b = 0.0
    weight = np.zeros(len(y))
    for label in (0, 1):
        sets = np.unique(groups[y == label])
        for group in sets:
            members = (groups == group) & (y == label)
            weight[members] = len(y) * 0.5 / (len(sets) * members.sum())
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * weight
        w -= lr * (z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    return w / std, b - float((mean / std) @ w)  # back to raw feature units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", required=True, metavar="INDEX_DIR:QUESTIONS:LABEL")
    parser.add_argument("--limit", type=int, default=800, help="questions per set (the first N, after a seeded shuffle)")
    parser.add_argument("--keep", type=float, default=0.96, help="share of answerable questions to answer")
    parser.add_argument("--write", action="store_true", help=f"save the model to {DEFAULT_MODEL}")
    parser.add_argument("--curve", action="store_true", help="print the answered share of each set at several --keep values")
    args = parser.parse_args()

    current = DecisionModel.load()
    yes = DecisionModel(tuple((name, 0.0) for name in FEATURES), 1.0, retrieval_depth=current.retrieval_depth)
    config = EngineConfig.from_env()
    engines: dict[str, Engine] = {}
    blocks = []
    rng = np.random.default_rng(SEED)
    for spec in args.set:
        index_dir, questions_file, label = spec.rsplit(":", 2)
        if index_dir not in engines:
            engines[index_dir] = Engine(index_dir=index_dir, config=config, pipeline=AnswerPipeline(config.pipeline, decision_model=yes)).load()
        with open(questions_file, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        rows = [rows[i] for i in rng.permutation(len(rows))][: args.limit]
        x = features_of(engines[index_dir], [r["question"] for r in rows])
        blocks.append((spec, x, np.full(len(x), int(label))))
        print(f"{spec}: {len(x)} questions", file=sys.stderr)
    x = np.vstack([b[1] for b in blocks])
    y = np.concatenate([b[2] for b in blocks])
    groups = np.concatenate([np.full(len(block[1]), number) for number, block in enumerate(blocks)])
    w, b = fit(x, y, groups)
    # The bias answers at least `keep` of every answerable set.
    b -= min(float(np.quantile(xs @ w + b, 1 - args.keep)) for _, xs, ys in blocks if ys[0] == 1)
    if args.curve:
        print("keep  " + "  ".join(spec.rsplit("/", 1)[-1][:28] for spec, _, _ in blocks))
        for keep in (0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.92, 0.90, 0.85):
            shift = min(float(np.quantile(xs @ w + b, 1 - keep)) for _, xs, ys in blocks if ys[0] == 1)
            print(f"{keep:.2f}  " + "  ".join(f"{float(((xs @ w + b - shift) >= 0).mean()):28.3f}" for _, xs, _ in blocks))
    model = DecisionModel(tuple((n, round(float(v), 4)) for n, v in zip(FEATURES, w, strict=True)), round(b, 4), retrieval_depth=current.retrieval_depth)
    print(json.dumps({"weights": dict(model.weights), "bias": model.bias}, indent=1))
    for spec, xs, ys in blocks:
        answered = float(((xs @ w + b) >= 0).mean())
        print(f"  {spec}: answered {answered:.3f}" + ("" if ys[0] == 1 else f"  declined {1 - answered:.3f}"))
    if args.write:
        model.save(DEFAULT_MODEL, trained_by="python bench/train_decline.py " + " ".join(sys.argv[1:]))
        print(f"wrote {DEFAULT_MODEL}", file=sys.stderr)


if __name__ == "__main__":
    main()
