"""Tune fusion weights and sentence-selection parameters on dev questions (never on test splits).

    python bench/tune_selection.py --index-dir DIR --questions DEV.jsonl \
        --unanswerable bench/data/offcorpus_dev.jsonl [--unanswerable UNANS_DEV.jsonl] --limit 1500

Query vectors are computed once; each setting then re-runs retrieval and selection on them and
prints retrieval recall@5, citation hit rate, mean cited sentences and the answered / declined
shares, so that settings can be compared side by side.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import string
import sys
import time
from pathlib import Path

from newsbot.index.config import EngineConfig  # noqa: E402
from newsbot.index.embed import Embedder  # noqa: E402
from newsbot.index.pipeline import AnswerPipeline, ChoiceParams, FusionWeights, PipelineConfig, ScoreWeights  # noqa: E402
from newsbot.index.pipeline.decide import FEATURES, DecisionModel  # noqa: E402
from newsbot.index.pipeline.question import PlainQuestion  # noqa: E402
from newsbot.index.store import load  # noqa: E402


def normalise(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def read(path: Path, limit: int | None) -> list[dict]:
    rows = [json.loads(line) for line in path.open() if line.strip()]
    return rows[:limit] if limit else rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--unanswerable", type=Path, action="append", default=[])
    parser.add_argument("--limit", type=int, default=1500)
    parser.add_argument("--grid", default="default", help="which grid of settings to try")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="fix a parameter of ScoreWeights or ChoiceParams, or lexical")
    parser.add_argument("--with-decision", action="store_true", help="decline with the shipped decision model (default: answer all)")
    parser.add_argument("--normalised", action="store_true", help="normalise questions as the engine does (default: as typed)")
    args = parser.parse_args()

    data = load(args.index_dir)
    config = EngineConfig.from_env()
    embedder = Embedder(backend=config.backend, cache_dir=config.cache_dir)
    answerable = read(args.questions, args.limit)
    others = {p.name: read(p, args.limit) for p in args.unanswerable}
    started = time.time()
    normalise_question = AnswerPipeline(config.pipeline).normalise if args.normalised else PlainQuestion().run
    asked = [normalise_question(data, q["question"]) for q in answerable]
    other_asked = {name: [normalise_question(data, q["question"]) for q in rows] for name, rows in others.items()}
    vectors = embedder.encode_queries([q.text for q in asked])
    other_vectors = {name: embedder.encode_queries([q.text for q in rows]) for name, rows in other_asked.items()}
    print(f"encoded in {time.time() - started:.1f}s", file=sys.stderr)

    def run(pipeline: AnswerPipeline) -> dict[str, float]:
        hits_at5 = answered = hit = cited = 0
        for row, q, v in zip(answerable, asked, vectors, strict=True):
            hits = pipeline.retrieve(data, q, v, 20, None)
            docs = list(dict.fromkeys(data.document(data.chunk(h.chunk_id).doc_index).doc_id for h in hits))
            hits_at5 += row["doc_id"] in docs[:5]
            trace = pipeline.trace(data, q, v)
            if trace.decision is not None and trace.decision.answer:
                choice = pipeline.chooser.run(data, q, trace.scored)
                answered += 1
                cited += len(choice.sentence_ids)
                joined = normalise(" ".join(data.sentence(i).text for i in choice.sentence_ids))
                hit += any(normalise(a) in joined for a in row["answers"])
        n = len(answerable)
        out = {"R@5": hits_at5 / n, "hit|answered": hit / max(answered, 1), "hit": hit / n, "answered": answered / n, "mean_cited": cited / max(answered, 1)}
        for name, rows in other_asked.items():
            declined = 0
            for q, v in zip(rows, other_vectors[name], strict=True):
                trace = pipeline.trace(data, q, v)
                declined += not (trace.decision is not None and trace.decision.answer)
            out[f"declined:{name}"] = declined / len(rows)
        return out

    model = DecisionModel.load() if args.with_decision else DecisionModel(tuple((n, 0.0) for n in FEATURES), 1.0)
    fixed: dict[str, float] = {}
    for assignment in args.set:
        name, value = assignment.split("=")
        fixed[name] = float(value)
    grids = {
        "default": [{}],
        "fusion": [{"lexical": w} for w in (0.3, 0.4, 0.5, 0.6)],
        "weights": [
            {"coverage": c, "context": x, "type": t}
            for c, x, t in itertools.product((0.5, 0.8, 1.2), (0.0, 0.25, 0.5), (0.0, 0.12, 0.25))
        ],
        "focus": [{"focus": f, "coverage": c} for f, c in itertools.product((0.0, 0.3, 0.6, 1.0), (0.3, 0.5, 0.8))],
        "type": [{"type": t} for t in (0.12, 0.2, 0.3, 0.45)],
        "noun": [{"noun": n} for n in (0.0, 0.1, 0.2, 0.3)],
        "main": [{"main": m} for m in (0.0, 0.2, 0.4)],
        "chunk": [{"rank": r, "chunk": c} for r, c in itertools.product((0.0, 0.04, 0.1), (0.05, 0.2, 0.5))],
        "follow": [{"follow_continuation": f} for f in (False, True)],
        "margin": [{"margin": m, "max_sentences": s} for m, s in itertools.product((0.1, 0.2, 0.3, 0.4), (2, 3))],
    }
    for setting in grids[args.grid]:
        values = {**fixed, **setting}
        lexical = float(values.get("lexical", 0.4))
        pipeline_config = PipelineConfig(
            fusion=FusionWeights(lexical=lexical, dense=1 - lexical),
            scoring=ScoreWeights(**_fields(ScoreWeights(), values)),
            choice=ChoiceParams(**_fields(ChoiceParams(), values)),
        )
        result = run(AnswerPipeline(pipeline_config, decision_model=model))
        label = ", ".join(f"{k}={v}" for k, v in values.items()) or "current"
        print(label.ljust(60), "  ".join(f"{k}={v:.3f}" for k, v in result.items()), flush=True)


def _fields(defaults: object, values: dict[str, float]) -> dict[str, object]:
    """The entries of `values` that are fields of `defaults`, cast to the field's type."""
    return {k: type(getattr(defaults, k))(v) for k, v in values.items() if hasattr(defaults, k)}


if __name__ == "__main__":
    main()
