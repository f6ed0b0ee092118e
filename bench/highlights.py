"""How well answer spans put the answer in bold, on SQuAD-style questions: the trained reader's
span (index/pipeline/read.py) against the patterns it replaced (index/highlight.py, at the commit
given by --patterns-from, or the current tree while it has them).

    python bench/highlights.py ../shared/datasets/squad11_dev/questions_dev.jsonl [--limit 1000] [--reader]

For each question of a kind that gets spans (who, when, how many / how long, where), the sentence
of its paragraph that holds the first gold answer is given to `answer_spans` (or, with --reader, to
the reader in its window: the sentence, its neighbours and the title), as if the engine had cited it. Prints, per kind: the questions, the share whose gold answer is (partly) in bold, the
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


def _reader_spans(reader, question: str, sentences: list[str], index: int) -> list[Span]:  # type: ignore[no-untyped-def]
    from newsbot.index.pipeline.read import _sentence_span
    from newsbot.index.reader_window import build_window

    window = build_window("", list(enumerate(sentences)), index)
    ((margin, start, end),) = reader.read(question, [window])
    if margin <= 0 or window.sentence_at(start, end) != index:
        return []
    span = _sentence_span(sentences[index], window, index, start, end)
    return [span] if span else []


def measure(questions: Path, limit: int | None = None, use_reader: bool = False, union: bool = False) -> dict[str, Counter[str]]:
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    counts: dict[str, Counter[str]] = {}
    reader = None
    if use_reader:
        from newsbot.index.pipeline.read import ReaderModel

        reader = ReaderModel()
    lines = questions.read_text(encoding="utf-8").splitlines()[:limit]
    for line in lines:
        record = json.loads(line)
        kind = question_type(record["question"])
        if kind in (AnswerType.OTHER,) or kind.value == "entity":
            continue
        first = record["answer_starts"][0]
        segments = list(segmenter.segment(record["paragraph"]))
        found = [n for n, s in enumerate(segments) if s.start <= first < s.end]
        if not found:
            continue
        sentence, offset = segments[found[0]].sent, segments[found[0]].start
        gold = [(start - offset, start - offset + len(answer))
                for answer, start in zip(record["answers"], record["answer_starts"], strict=True)
                if 0 <= start - offset < len(sentence)]
        spans = []
        if reader is not None:
            spans = _reader_spans(reader, record["question"], [s.sent for s in segments], found[0])
        if reader is None or union:
            spans += [p for p in answer_spans(record["question"], sentence) if all(not _overlap(p, r) for r in spans)]
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
    parser.add_argument("--limit", type=int, default=None, help="the first N questions")
    parser.add_argument("--reader", action="store_true", help="the trained reader's span instead of the patterns")
    parser.add_argument("--union", action="store_true", help="with --reader: the reader's span and the patterns' that don't overlap it")
    args = parser.parse_args()
    print("| kind | questions | answer in bold | any bold | bold spans on the answer |\n|---|---|---|---|---|")
    for kind, c in sorted(measure(args.questions, args.limit, args.reader, args.union).items()):
        print(f"| {kind} | {c['questions']} | {c['answer_bold'] / c['questions']:.0%} | {c['any_bold'] / c['questions']:.0%} | "
              f"{c['spans_on_answer'] / max(c['spans'], 1):.0%} |")


if __name__ == "__main__":
    main()
