"""Dev questions rewritten the way people type in a chat, for measuring what typing costs.

    python bench/typed_questions.py ../shared/datasets/squad11_dev/questions_dev.jsonl \\
        --limit 1000 --out /tmp/squad_dev_typed.jsonl
    newsbot eval --corpus ../shared/datasets/squad11_dev/corpus.jsonl --questions /tmp/squad_dev_typed.jsonl

Each question is rewritten by bench/reader_data.py's `rewrite` (initials for a name, digits for
number words and back, lowercase, no punctuation, one typo, chat filler; each with its own
probability), seed 7; the other fields are kept, so `newsbot eval` scores the answers as usual.
With `--orig FILE` the same questions unchanged are written too, for a side-by-side run. Dev
splits only: the typed forms are a diagnostic, never tuned on beyond dev.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reader_data import rewrite  # noqa: E402

SEED = 7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--orig", type=Path, help="also write the same questions unchanged here")
    parser.add_argument("--limit", type=int, default=0, help="the first N questions")
    args = parser.parse_args()
    if "test" in args.questions.name:
        sys.exit("typed_questions: test splits are for reporting only")
    rng = random.Random(SEED)
    with open(args.questions, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    with open(args.out, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({**row, "question": rewrite(row["question"], rng)}) + "\n")
    if args.orig:
        with open(args.orig, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(row) + "\n" for row in rows)
    print(f"wrote {len(rows)} questions to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
