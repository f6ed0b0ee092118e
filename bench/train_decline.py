"""Fit the answer/decline model of index/answer.py on dev questions (never on test splits).

    python bench/train_decline.py \
        --set /tmp/idx_squad:../shared/datasets/squad11_dev/questions_dev.jsonl:1 \
        --set /tmp/idx_news:bench/data/offcorpus_dev.jsonl:0 ... [--limit 800] [--keep 0.96]

Each --set is INDEX_DIR:QUESTIONS:LABEL (1 answerable, 0 should be declined). The script computes
the evidence features of each question's best sentence, fits a class-balanced L2 logistic
regression, then moves the bias so that a share `--keep` of the answerable questions is answered,
and prints the weights to paste into SelectionParams with the answered / declined share of each set.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbot.index.answer import FEATURES, SelectionParams  # noqa: E402
from newsbot.index.embed import Embedder  # noqa: E402
from newsbot.index.engine import Engine  # noqa: E402


def features_of(engine: Engine, questions: list[str]) -> np.ndarray:
    rows = []
    for question in questions:
        answer = engine.answer(question)
        rows.append(answer.evidence or (0.0,) * len(FEATURES))
    return np.array(rows, dtype=np.float64)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 4000, lr: float = 0.5) -> tuple[np.ndarray, float]:
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    w = np.zeros(x.shape[1])
    b = 0.0
    weight = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * weight
        w -= lr * (z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    # back to raw feature units
    raw_w = w / std
    raw_b = b - float((mean / std) @ w)
    return raw_w, raw_b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", required=True, metavar="INDEX_DIR:QUESTIONS:LABEL")
    parser.add_argument("--limit", type=int, default=800)
    parser.add_argument("--keep", type=float, default=0.96, help="share of answerable questions to answer")
    args = parser.parse_args()

    embedder = Embedder()
    params = replace(SelectionParams(), decline_weights=(0.0,) * len(FEATURES), decline_bias=1.0)
    engines: dict[str, Engine] = {}
    blocks = []
    for spec in args.set:
        index_dir, questions_file, label = spec.rsplit(":", 2)
        engine = engines.setdefault(index_dir, Engine(index_dir=index_dir, embedder=embedder, params=params).load())
        with open(questions_file, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()][: args.limit]
        x = features_of(engine, [r["question"] for r in rows])
        blocks.append((spec, x, np.full(len(x), int(label))))
        print(f"{spec}: {len(x)} questions", file=sys.stderr)
    x = np.vstack([b[1] for b in blocks])
    y = np.concatenate([b[2] for b in blocks])
    w, b = fit(x, y)
    positives = x[y == 1] @ w + b
    b -= float(np.quantile(positives, 1 - args.keep))
    print("decline_weights =", tuple(round(float(v), 3) for v in w))
    print("decline_bias =", round(b, 3))
    for spec, xs, ys in blocks:
        answered = float(((xs @ w + b) >= 0).mean())
        print(f"  {spec}: answered {answered:.3f}" + ("" if ys[0] == 1 else f"  declined {1 - answered:.3f}"))


if __name__ == "__main__":
    main()
