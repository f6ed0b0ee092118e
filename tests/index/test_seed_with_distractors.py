"""The seed questions still cite the seed article with Wikinews articles indexed beside it.

Uses ../shared/datasets/news_wikinews when present (skipped otherwise). To keep the suite fast on
two cores, the distractors are the Wikinews articles nearest the seed's topics (Korea, nuclear
talks, diplomacy) plus a fixed random sample: the hardest ones, not all 437.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from newsbot.index.config import shipped_corpus_paths as default_corpus_paths
from newsbot.index.embed import Embedder
from newsbot.index.engine import Engine

WIKINEWS = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "news_wikinews" / "corpus.jsonl"
pytestmark = [
    pytest.mark.model,
    pytest.mark.shared,
    pytest.mark.skipif(not WIKINEWS.is_file(), reason="../shared/datasets/news_wikinews is not present"),
]
TOPICAL = ("Korea", "nuclear", "Malaysia", "talks", "ambassador", "missile", "Pyongyang", "United Nations")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    with WIKINEWS.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    rows = [r for r in rows if len(r["text"]) < 20_000]
    topical = [r for r in rows if any(word in r["text"] for word in TOPICAL)]
    others = [r for r in rows if r not in topical]
    chosen = topical[:60] + random.Random(3).sample(others, 30)
    corpus = tmp_path_factory.mktemp("distractors")
    (corpus / "wikinews.jsonl").write_text("".join(json.dumps(r) + "\n" for r in chosen), encoding="utf-8")
    engine = Engine(
        index_dir=tmp_path_factory.mktemp("index"),
        corpus_paths=[*default_corpus_paths(), corpus],
        embedder=Embedder(),
    )
    engine.reindex()
    return engine


SEED_ID = "000_c6ef9f310a582ef5.txt"


def test_who_attended_still_cites_the_seed(engine: Engine):
    answer = engine.answer("Who attended the Kuala Lumpur talks?")
    assert answer.answered
    assert {s.doc_id for s in answer.sentences} == {SEED_ID}
    cited = " ".join(s.text for s in answer.sentences)
    names = ("Han Song-ryol", "Jang Il-hun", "Robert Gallucci", "Joseph DeTrani", "Leon Sigal")
    assert all(name in cited for name in names), cited
    assert len(answer.sentences) <= 5


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did the North Korean team demand?", "peace treaty"),
        ("Who is Koh Yoo-hwan?", "Dongguk University"),
        ("Which policy of the Obama administration closed dialogue with Pyongyang?", "Strategic Patience"),
    ],
)
def test_seed_facts_cite_the_seed(engine: Engine, question: str, expected: str):
    answer = engine.answer(question)
    assert answer.answered
    assert answer.sentences[0].doc_id == SEED_ID
    assert expected in answer.text


def test_off_corpus_question_is_declined_among_distractors(engine: Engine):
    assert not engine.answer("What is the capital of Australia?").answered
