"""The engine end to end with the real model, on tiny inline corpora and on the shipped seed article."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from newsbot.index.config import shipped_corpus_paths as default_corpus_paths
from newsbot.index.embed import Embedder
from newsbot.index.engine import Engine
from newsbot.index.followup import resolve, start_thread

pytestmark = pytest.mark.model

SEED_ATTENDEES = ("Han Song-ryol", "Jang Il-hun", "Robert Gallucci", "Joseph DeTrani", "Leon Sigal")


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="module")
def seed_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Engine:
    return _built(tmp_path_factory, default_corpus_paths(), embedder)


def _built(tmp_path_factory: pytest.TempPathFactory, corpus_paths: list[Path], embedder: Embedder) -> Engine:
    """An engine over `corpus_paths` with its index built in a fresh temporary directory."""
    engine = Engine(index_dir=tmp_path_factory.mktemp("index"), corpus_paths=corpus_paths, embedder=embedder)
    engine.reindex()
    return engine


class TestSeedArticle:
    def test_who_attended_names_all_five_in_at_most_five_sentences(self, seed_engine: Engine):
        answer = seed_engine.answer("Who attended the Kuala Lumpur talks?")
        assert answer.answered
        cited = " ".join(s.text for s in answer.sentences)
        assert all(name in cited for name in SEED_ATTENDEES), cited
        assert len(answer.sentences) <= 5
        assert [s.title for s in answer.sources] == ["North Korean and U.S. officials hold two-day meeting"]
        assert answer.sources[0].source == "Korea JoongAng Daily"

    def test_cited_sentences_are_verbatim_and_in_reading_order(self, seed_engine: Engine):
        answer = seed_engine.answer("Who attended the Kuala Lumpur talks?")
        text = seed_engine.data.documents[0].text
        for sentence in answer.sentences:
            assert text[sentence.start : sentence.end] == sentence.text
        starts = [s.start for s in answer.sentences]
        assert starts == sorted(starts)

    @pytest.mark.parametrize(
        "question",
        [
            "What is the capital of Australia?",
            "How many legs does a spider have?",
            "Who won the 2012 United States presidential election?",
        ],
    )
    def test_off_corpus_questions_are_declined(self, seed_engine: Engine, question: str):
        answer = seed_engine.answer(question)
        assert not answer.answered
        assert answer.sentences == ()
        assert answer.reason

    def test_single_fact_is_answered_briefly(self, seed_engine: Engine):
        answer = seed_engine.answer("What did the North Korean team demand?")
        assert answer.answered
        assert "peace treaty" in answer.text
        assert len(answer.sentences) <= 3

    def test_follow_ups_in_the_thread_are_answered_from_the_cited_article(self, seed_engine: Engine):
        first = seed_engine.answer("Who attended the Kuala Lumpur talks?")
        thread = start_thread(first.question)
        cited = [s.doc_id for s in first.sources]
        for follow_up, bold in (("how long did they last?", "two-day"), ("and where was it held?", "Malaysia")):
            answer = seed_engine.answer(resolve(follow_up, thread).question, within=cited)
            assert answer.answered, answer.reason
            assert [s.doc_id for s in answer.sources] == cited
            assert bold in [s.text[a:b] for s in answer.sentences for a, b in s.highlights], answer.text

    def test_furniture_is_never_cited(self, seed_engine: Engine):
        answer = seed_engine.answer("How do I log in to write comments?")
        assert all("log in" not in s.text.lower() for s in answer.sentences)


@pytest.fixture(scope="module")
def tiny_engine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Engine:
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "bridge.txt").write_text(
        "---\ntitle: Kelso bridge opens\nsource: Border Times\ndate: 2021-03-04\nurl: https://example.org/bridge\n---\n"
        "The new Kelso footbridge opened to walkers on Tuesday after two years of work.\n\n"
        "Engineer Mara Quill said the span cost 4 million pounds and used recycled steel.\n"
    )
    (corpus / "harvest.jsonl").write_text(
        json.dumps(
            {
                "id": "harvest-1",
                "title": "Orchard harvest breaks record",
                "source": "Valley News",
                "url": "https://example.org/harvest",
                "date": "2019-10-02",
                "text": "Growers in the Teme valley picked 9,000 tonnes of apples this autumn, a record.\n\n"
                "The cooperative's chair, Ivo Brandt, credited a warm spring and few late frosts.",
            }
        )
        + "\n"
    )
    return _built(tmp_path_factory, [corpus], embedder)


class TestTinyCorpus:
    def test_answer_cites_the_right_article(self, tiny_engine: Engine):
        answer = tiny_engine.answer("How much did the Kelso footbridge cost?")
        assert answer.answered
        assert "4 million pounds" in answer.text
        assert answer.sources[0].doc_id == "bridge.txt"
        assert answer.sources[0].url == "https://example.org/bridge"
        assert answer.sources[0].date == "2021-03-04"

    def test_jsonl_id_is_the_doc_id(self, tiny_engine: Engine):
        answer = tiny_engine.answer("How many tonnes of apples did the Teme valley growers pick?")
        assert answer.answered
        assert answer.sentences[0].doc_id == "harvest-1"
        assert "9,000 tonnes" in answer.text

    def test_date_filters(self, tiny_engine: Engine):
        question = "How much did the Kelso footbridge cost?"
        assert tiny_engine.answer(question, since=date(2021, 1, 1)).answered
        filtered = tiny_engine.answer(question, until=date(2020, 12, 31))
        assert all(s.doc_id != "bridge.txt" for s in filtered.sentences)

    def test_reindex_embeds_only_changed_articles(self, tiny_engine: Engine, tmp_path: Path):
        corpus = tiny_engine.corpus_paths[0]
        unchanged = tiny_engine.reindex()
        assert unchanged.embedded_chunks == 0
        (corpus / "choir.txt").write_text(
            "Choir wins prize\n\nThe Ashby Singers won the national amateur choir prize on Saturday.\n"
        )
        try:
            summary = tiny_engine.reindex()
            assert 0 < summary.embedded_chunks < summary.chunks
            assert tiny_engine.answer("Which choir won the national amateur prize?").sources[0].doc_id == "choir.txt"
        finally:
            (corpus / "choir.txt").unlink()
            tiny_engine.reindex()


def _newsbot(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsbot.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


class TestAskCommand:
    def test_json_contract_and_stdin_questions(self, tmp_path: Path):
        index_dir = tmp_path / "index"
        built = _newsbot("index", str(default_corpus_paths()[0]), "--index-dir", str(index_dir))
        assert built.returncode == 0, built.stderr
        result = _newsbot(
            "ask",
            "--json",
            "--index-dir",
            str(index_dir),
            stdin="Who attended the Kuala Lumpur talks?\n\nWhat is the capital of Australia?\n",
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.strip().splitlines()
        assert len(lines) == 2
        first, second = (json.loads(line) for line in lines)
        # The contract's fields, and the reader's: the closest sentence of a decline on topic, the model's fingerprint.
        assert set(first) == {"question", "answered", "answer", "sentences", "sources", "latency_ms", "closest", "reader"}
        assert len(first["reader"]) == 12 and first["closest"] == []
        assert first["answered"] is True and second["answered"] is False
        assert set(first["sentences"][0]) == {"text", "doc_id", "title", "source", "url", "date", "score", "highlights"}
        bold = [s["text"][start:end] for s in first["sentences"] for start, end in s["highlights"]]
        assert set(SEED_ATTENDEES) <= set(bold), bold  # the answer's names, as offsets into each text
        assert first["sentences"][0]["title"] == "North Korean and U.S. officials hold two-day meeting"
        assert isinstance(first["latency_ms"], float) and first["latency_ms"] > 0
        assert second["sentences"] == [] and second["answer"] == ""

    def test_plain_output_has_markers_and_sources(self, tmp_path: Path):
        env = {"NEWSBOT_CACHE_DIR": str(tmp_path / "cache")}
        result = _newsbot("ask", "Who attended the Kuala Lumpur talks?", env=env)
        assert result.returncode == 0, result.stderr
        assert "[1]" in result.stdout and "Sources:" in result.stdout
        assert "Korea JoongAng Daily" in result.stdout
        assert "\033[" not in result.stdout  # piped: no terminal bold
        again = _newsbot("ask", "Who is Koh Yoo-hwan?", env=env)
        assert again.returncode == 0
        assert "indexed" not in again.stderr  # the second ask reuses the index
