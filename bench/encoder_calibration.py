"""Writes the fixed text sample that the openvino-int8 encoder is calibrated on (shipped with newsbot).

    python bench/encoder_calibration.py ../shared/datasets/squad11_train

The sample is training text, never a benchmark set: SQuAD v1.1 *train* (Wikipedia, CC BY-SA 4.0;
its articles are disjoint from SQuAD dev, and it holds no news, SciFact or user question). One
paragraph from each of the first 240 articles (the paragraph chosen by the article's number, so that
first paragraphs do not dominate) and one question from each of the next 60: the encoder sees
passages when indexing and questions when answering, and int8 ranges are set from both. Written to
`index/encoder_calibration.jsonl`, one `{"text"}` a line; changing it changes the cached model's name,
so every user's cache quantizes again.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path

PASSAGE_ARTICLES, QUESTION_ARTICLES = 240, 60
OUT = Path(__file__).resolve().parents[1] / "index" / "encoder_calibration.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad_train", type=Path, help="the squad11_train dataset folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    paragraphs: dict[str, list[str]] = defaultdict(list)
    with gzip.open(args.squad_train / "corpus.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            paragraphs[row["article_id"]].append(row["text"])
    articles = sorted(paragraphs)
    texts = [paragraphs[a][(7 * n) % len(paragraphs[a])] for n, a in enumerate(articles[:PASSAGE_ARTICLES])]
    wanted = articles[PASSAGE_ARTICLES : PASSAGE_ARTICLES + QUESTION_ARTICLES]
    questions: dict[str, str] = {}
    with gzip.open(args.squad_train / "questions.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["article_id"] in wanted and row["article_id"] not in questions:
                questions[row["article_id"]] = row["question"]
    texts += [questions[a] for a in wanted]
    with args.out.open("w", encoding="utf-8") as out:
        for text in texts:
            out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    print(f"{len(texts)} texts -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
