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
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbot.index.answer import SelectionParams, select  # noqa: E402
from newsbot.index.embed import Embedder  # noqa: E402
from newsbot.index.lexical import terms  # noqa: E402
from newsbot.index.retrieve import FusionWeights, search  # noqa: E402
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
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="fix a parameter (float)")
    args = parser.parse_args()

    data = load(args.index_dir)
    embedder = Embedder()
    answerable = read(args.questions, args.limit)
    others = {p.name: read(p, args.limit) for p in args.unanswerable}
    started = time.time()
    vectors = embedder.encode_queries([q["question"] for q in answerable])
    other_vectors = {name: embedder.encode_queries([q["question"] for q in rows]) for name, rows in others.items()}
    print(f"encoded in {time.time() - started:.1f}s", file=sys.stderr)
    doc_of_chunk = data.chunks[:, 0]

    def run(params: SelectionParams, fusion: FusionWeights) -> dict[str, float]:
        hits_at5 = answered = hit = cited = 0
        for q, v in zip(answerable, vectors, strict=True):
            hits = search(data, v, terms(q["question"]), 20, None, fusion)
            docs = list(dict.fromkeys(data.documents[int(doc_of_chunk[h.chunk_id])].doc_id for h in hits))
            hits_at5 += q["doc_id"] in docs[:5]
            sel = select(data, q["question"], v, hits[: params.chunks], params)
            if sel.answered:
                answered += 1
                cited += len(sel.sentences)
                joined = normalise(" ".join(s.text for s in sel.sentences))
                hit += any(normalise(a) in joined for a in q["answers"])
        n = len(answerable)
        out = {"R@5": hits_at5 / n, "hit|answered": hit / max(answered, 1), "hit": hit / n, "answered": answered / n, "mean_cited": cited / max(answered, 1)}
        for name, rows in others.items():
            declined = 0
            for q, v in zip(rows, other_vectors[name], strict=True):
                hits = search(data, v, terms(q["question"]), params.chunks, None, fusion)
                declined += not select(data, q["question"], v, hits, params).answered
            out[f"declined:{name}"] = declined / len(rows)
        return out

    base = replace(SelectionParams(), decline_weights=(0.0,) * 7, decline_bias=1.0)
    for assignment in args.set:
        name, value = assignment.split("=")
        base = replace(base, **{name: type(getattr(base, name))(value)})
    grids = {
        "default": [{}],
        "fusion": [{"_lex": w} for w in (0.3, 0.4, 0.5, 0.6)],
        "weights": [
            {"w_coverage": c, "w_context": x, "w_type": t}
            for c, x, t in itertools.product((0.5, 0.8, 1.2), (0.0, 0.25, 0.5), (0.0, 0.12, 0.25))
        ],
        "focus": [{"w_focus": f, "w_coverage": c} for f, c in itertools.product((0.0, 0.3, 0.6, 1.0), (0.3, 0.5, 0.8))],
        "follow": [{"follow_continuation": f} for f in (False, True)],
        "margin": [{"margin": m, "max_sentences": s} for m, s in itertools.product((0.1, 0.2, 0.3, 0.4), (2, 3))],
        "decline": [{"min_score": t, "specific_idf": s} for t, s in itertools.product((0.2, 0.3, 0.4, 0.5, 0.6), (3.0, 4.0, 5.0, 99.0))],
    }
    for setting in grids[args.grid]:
        lex = setting.pop("_lex", 0.4) if "_lex" in setting else 0.4
        params = replace(base, **setting)
        result = run(params, FusionWeights(lexical=lex, dense=1 - lex))
        label = ", ".join(f"{k}={v}" for k, v in {**setting, "lex": lex}.items())
        print(label.ljust(60), "  ".join(f"{k}={v:.3f}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
