"""How well answer spans (index/highlight.py) put the answer in bold, on SQuAD-style questions.

    python bench/highlights.py ../shared/datasets/squad11_dev/questions_dev.jsonl

For each question of a kind that gets spans (who, when, how many / how long, where), the sentence
of its paragraph that holds the first gold answer is given to `answer_spans`, as if the engine had
cited it. Prints, per kind: the questions, the share whose gold answer is (partly) in bold, the
share with any bold at all, and the share of bold spans that are (part of) a gold answer.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import pysbd
from newsbot.index.answer_types import AnswerType, question_type
from newsbot.index.highlight import answer_spans

Span = tuple[int, int]


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def measure(questions: Path) -> dict[str, Counter[str]]:
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    counts: dict[str, Counter[str]] = {}
    for line in questions.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        kind = question_type(record["question"])
        if kind in (AnswerType.OTHER,) or kind.value == "entity":
            continue
        first = record["answer_starts"][0]
        found = [s for s in segmenter.segment(record["paragraph"]) if s.start <= first < s.end]
        if not found:
            continue
        sentence, offset = found[0].sent, found[0].start
        gold = [(start - offset, start - offset + len(answer))
                for answer, start in zip(record["answers"], record["answer_starts"], strict=True)
                if 0 <= start - offset < len(sentence)]
        spans = answer_spans(record["question"], sentence)
        count = counts.setdefault(kind.value, Counter())
        count["questions"] += 1
        count["answer_bold"] += any(_overlap(s, g) for s in spans for g in gold)
        count["any_bold"] += bool(spans)
        count["spans"] += len(spans)
        count["spans_on_answer"] += sum(any(_overlap(s, g) for g in gold) for s in spans)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, help="a SQuAD-style questions .jsonl (question, answers, answer_starts, paragraph)")
    args = parser.parse_args()
    print("| kind | questions | answer in bold | any bold | bold spans on the answer |\n|---|---|---|---|---|")
    for kind, c in sorted(measure(args.questions).items()):
        print(f"| {kind} | {c['questions']} | {c['answer_bold'] / c['questions']:.0%} | {c['any_bold'] / c['questions']:.0%} | "
              f"{c['spans_on_answer'] / max(c['spans'], 1):.0%} |")


if __name__ == "__main__":
    main()
