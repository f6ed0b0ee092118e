"""Training pairs for a reader (a cross-encoder over question and sentence), from dev splits only.

An experiment of issue 10, measured and not shipped: docs/BENCHMARKS.md section 8, "A trained
reader". bench/train_reader.py trains on what this writes.

    python bench/reader_data.py --out .reader/pairs.jsonl.gz \\
        --set SQUAD_INDEX:../shared/datasets/squad11_dev/questions_dev.jsonl:squad \\
        --set SQUAD_INDEX:../shared/datasets/squad11_dev/unanswerable_dev.jsonl:squad2 ...

Each --set is INDEX_DIR:QUESTIONS:NAME. For every question the answer pipeline runs up to scoring
and its `--top` best candidate sentences become pairs (question, passage) exactly as the reader
sees them at answer time. A pair is positive when the question is answerable, the sentence is in
the gold article and it holds one of the gold answers (or is part of the gold evidence); the gold
sentence is added when retrieval missed it. Unanswerable and off-corpus questions give negatives
only. Each question also gets, with probability `--rewrite`, a copy rewritten the way people type
in a chat (lowercase, no punctuation, digits for number words and back, initials for a name, one
typo), with a fixed seed. Questions fall in two folds by article (`fold`), so that the reader's
scores on the questions it was not trained on can fit the decision model (bench/train_decline.py).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import json
import random
import re
import sys
from pathlib import Path

from newsbot.index.config import EngineConfig
from newsbot.index.engine import Engine
from newsbot.index.pipeline import AnswerPipeline
from newsbot.index.pipeline.decide import FEATURES, DecisionModel
from newsbot.index.store import IndexData

SEED = 13
MAX_PASSAGE_CHARS = 900  # a pathological "sentence" is cut, keeping its end
_SMALL = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "hundred": "100",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
}
_DIGITS = {v: k for k, v in _SMALL.items() if v.isdigit()}
_NAME_RUN = re.compile(r"\b(?:[A-Z][a-z]+\s+){1,3}[A-Z][a-z]+\b")
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def passage(data: IndexData, sentence_id: int) -> str:
    """What the reader sees of a candidate: its article's title, the sentence before it (pronouns
    name their subject there), the sentence."""
    doc = data.document_of(sentence_id)
    title = data.document(doc).title.strip()
    text = data.sentence(sentence_id).text.strip()
    previous = ""
    if sentence_id > 0 and data.document_of(sentence_id - 1) == doc:
        previous = data.sentence(sentence_id - 1).text.strip()
    body = f"{previous} {text}".strip()[-MAX_PASSAGE_CHARS:]
    return f"{title}. {body}" if title else body


def _label(data: IndexData, gold: int, answers: list[str], evidence: str, sentence_id: int) -> int:
    """1 when the sentence is in the gold article and holds a gold answer or is gold evidence."""
    if not answers or data.document_of(sentence_id) != gold:
        return 0
    sentence = _norm(data.sentence(sentence_id).text)
    return int(any(a in sentence for a in answers) or (len(sentence) > 20 and sentence in evidence))


def fold_of(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def rewrite(question: str, rng: random.Random) -> str:
    """The question as a chat user might type it: each change with its own probability."""
    text = question
    if rng.random() < 0.3:
        runs = [m.group() for m in _NAME_RUN.finditer(text) if m.start() > 0]
        if runs:
            run = rng.choice(runs)
            text = text.replace(run, "".join(w[0] for w in run.split()).upper(), 1)
    if rng.random() < 0.4:
        words = text.split()
        for i, word in enumerate(words):
            bare = word.strip("?,.!").lower()
            if bare in _SMALL and rng.random() < 0.7:
                words[i] = word.lower().replace(bare, _SMALL[bare])
            elif bare in _DIGITS and rng.random() < 0.7:
                words[i] = word.replace(bare, _DIGITS[bare])
        text = " ".join(words)
    if rng.random() < 0.6:
        text = text.lower()
    if rng.random() < 0.5:
        text = re.sub(r"[?!.,;:\"]", "", text)
    if rng.random() < 0.4:
        words = text.split()
        long = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
        if long:
            i = rng.choice(long)
            w = words[i]
            j = rng.randrange(1, len(w) - 1)
            kind = rng.randrange(4)
            if kind == 0:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            elif kind == 1:
                w = w[:j] + w[j + 1 :]
            elif kind == 2:
                w = w[:j] + w[j] + w[j:]
            else:
                w = w[:j] + rng.choice(_KEYBOARD) + w[j + 1 :]
            words[i] = w
            text = " ".join(words)
    if rng.random() < 0.15:
        text = rng.choice(["hey ", "pls ", "so ", "quick q: "]) + text + rng.choice(["", " ??", " thx", " 🙏"])
    return text if text.strip() else question


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", required=True, metavar="INDEX_DIR:QUESTIONS:NAME")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--top", type=int, default=8, help="candidate sentences per question")
    parser.add_argument("--rewrite", type=float, default=0.5, help="share of questions also given a chat-style copy")
    args = parser.parse_args()
    if any("_test" in spec or "test.jsonl" in spec for spec in args.set):
        sys.exit("reader_data: test splits are for reporting only")

    rng = random.Random(SEED)
    yes = DecisionModel(tuple((name, 0.0) for name in FEATURES), 1.0)
    config = EngineConfig.from_env()
    engines: dict[str, Engine] = {}
    passages: dict[str, int] = {}
    rows: list[dict[str, object]] = []
    for spec in args.set:
        index_dir, questions_file, name = spec.rsplit(":", 2)
        if index_dir not in engines:
            engines[index_dir] = Engine(
                index_dir=index_dir, config=config, pipeline=AnswerPipeline(config.pipeline, decision_model=yes)
            ).load()
        engine = engines[index_dir]
        data, pipeline = engine.data, engine.pipeline
        by_id = {d.doc_id: i for i, d in enumerate(data.documents)}
        with open(questions_file, encoding="utf-8") as handle:
            items = [json.loads(line) for line in handle if line.strip()]
        positives = 0
        for item in items:
            text = item["question"]
            answers = [_norm(a) for a in item.get("answers") or [] if a.strip()]
            evidence = _norm(item.get("evidence") or "")
            gold = by_id.get(item.get("doc_id") or "", -1)
            question = pipeline.normalise(data, text)
            trace = pipeline.trace(data, question, engine._encode(question.text))
            chosen = [s.candidate.sentence_id for s in trace.scored[: args.top]]

            label = functools.partial(_label, data, gold, answers, evidence)
            if answers and gold >= 0 and not any(label(s) for s in chosen):
                first, last = int(data.doc_first_sentence[gold]), int(data.doc_first_sentence[gold + 1])
                found = [s for s in range(first, last) if label(s)]
                chosen += found[:1]
            # By article, whatever the set: a near miss on an article whose answerable questions were
            # trained on would be scored on passages the reader has seen labelled.
            key = item.get("article_id") or item.get("doc_id") or item["id"]
            texts = [text] + ([rewrite(text, rng)] if rng.random() < args.rewrite else [])
            for version, asked in enumerate(texts):
                for rank, sentence_id in enumerate(chosen):
                    body = passage(data, sentence_id)
                    number = passages.setdefault(body, len(passages))
                    y = label(sentence_id)
                    positives += y * (version == 0)
                    rows.append(
                        {
                            "q": asked,
                            "p": number,
                            "y": y,
                            "fold": fold_of(str(key)),
                            "set": name,
                            "id": item["id"],
                            "sid": sentence_id,
                            "rank": rank,
                            "rewritten": version,
                        }
                    )
        print(f"{spec}: {len(items)} questions, {positives} positive pairs", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as out:
        json.dump({"passages": list(passages), "pairs": rows, "seed": SEED, "top": args.top}, out)
    print(f"wrote {len(rows)} pairs over {len(passages)} passages to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
