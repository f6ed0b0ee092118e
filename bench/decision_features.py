"""How well each decision feature tells answerable questions from those to decline (dev splits).

    python bench/decision_features.py --index-dir NEWS_INDEX \
        --answerable ../shared/datasets/user_questions/questions_dev.jsonl \
        --unanswerable ../shared/datasets/user_questions/unanswerable_dev.jsonl [--limit 300]

For every question the pipeline runs up to its decision (`AnswerPipeline.trace`); the script prints
each feature's ROC AUC (the chance that an answerable question scores higher than one to decline;
below 0.5 the feature points the other way) and the AUC of the shipped decision's margin.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from newsbot.index.config import EngineConfig
from newsbot.index.engine import Engine
from newsbot.index.pipeline.decide import FEATURES


def auc(positive: list[float], negative: list[float]) -> float:
    pos, neg = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--answerable", type=Path, required=True)
    parser.add_argument("--unanswerable", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=300)
    args = parser.parse_args()
    engine = Engine(index_dir=args.index_dir, config=EngineConfig.from_env()).load()
    values: dict[int, list[dict[str, float]]] = {1: [], 0: []}
    for label, path in ((1, args.answerable), (0, args.unanswerable)):
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()][: args.limit]
        for row in rows:
            question = engine.pipeline.normalise(engine.data, row["question"])
            trace = engine.pipeline.trace(engine.data, question, engine._encode(question.text))
            assert trace.decision is not None
            values[label].append({**dict(trace.decision.features), "decision margin": trace.decision.confidence})
    print(f"{len(values[1])} answerable, {len(values[0])} to decline")
    for name in (*FEATURES, "decision margin"):
        print(f"  {name:22s} AUC {auc([v[name] for v in values[1]], [v[name] for v in values[0]]):.3f}")


if __name__ == "__main__":
    main()
