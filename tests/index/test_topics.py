"""Followed topics: an article matches when the topic's words stand together, not on a passing mention."""

from __future__ import annotations

import pytest

from newsbot.index.topics import Topic, TopicError, TopicMatcher, match_article, topic_answer
from newsbot.index.types import Document, Sentence


def document(title: str, *sentences: str, doc_id: str = "a1") -> tuple[Document, list[Sentence]]:
    text, spans = "", []
    for sentence in sentences:
        start = len(text)
        text += sentence + " "
        spans.append(Sentence(sentence, start, start + len(sentence)))
    return Document(doc_id, title, text.strip(), "City Gazette", "https://example.com/a1", "2025-03-03"), spans


TUNNEL = document(
    "Council picks a builder",
    "The council chose Marlow & Sons on Monday to dig the new tunnel under the harbour.",
    "Work starts in May and should take three years.",
)
FERRY = document(
    "Ferry fares rise in Portbury",
    "Ferry fares across the harbour will rise by ten percent in April.",
    "Commuters said the price of a return ticket was already too high.",
    "The railway tunnel north of the town reopened last week after repairs.",
)


class TestTopicMatcher:
    def test_the_words_together_match_and_are_cited_with_their_spans(self):
        doc, sentences = TUNNEL
        match = TopicMatcher().run(Topic.parse("harbour tunnel"), doc, sentences)
        assert match is not None and not match.in_title
        assert [h.sentence.text for h in match.cited] == [sentences[0].text]
        marked = [sentences[0].text[a:b] for a, b in match.cited[0].spans]
        assert marked == ["tunnel", "harbour"]

    def test_an_article_that_only_mentions_the_words_apart_is_no_match(self):
        doc, sentences = FERRY  # "harbour" in one sentence, "tunnel" in another: ferry fares, not the tunnel
        assert TopicMatcher().run(Topic.parse("harbour tunnel"), doc, sentences) is None

    def test_words_far_apart_in_one_sentence_are_no_match(self):
        doc, sentences = document(
            "Town news",
            "The harbour master, who has served the town for thirty years and "
            "sailed every coast, once walked through a tunnel.",
        )
        assert TopicMatcher().run(Topic.parse("harbour tunnel"), doc, sentences) is None

    def test_one_word_needs_two_mentions_or_the_title(self):
        matcher = TopicMatcher()
        doc, sentences = document("Markets", "Shares rose.", "Ferry operators gained most.", "Banks fell.")
        assert matcher.run(Topic.parse("ferry"), doc, sentences) is None  # one passing mention
        doc, sentences = document("Markets", "The ferry left late.", "Shares rose.", "Ferries were full all day.")
        assert matcher.run(Topic.parse("ferry"), doc, sentences) is not None  # twice, plural by stem
        doc, sentences = document("Ferry strike ends", "Crews returned to work on Friday.", "Services resume today.")
        match = matcher.run(Topic.parse("ferry"), doc, sentences)
        assert (
            match is not None and match.in_title and match.cited[0].sentence.text == "Crews returned to work on Friday."
        )

    def test_a_topic_needs_words(self):
        with pytest.raises(TopicError, match="no words to follow"):
            Topic.parse("the of ??")
        assert Topic.parse("  Harbour   Tunnels ").terms == ("harbour", "tunnel")

    def test_the_constructor_names_a_bad_value(self):
        with pytest.raises(ValueError, match="slack must be >= 0, got -1"):
            TopicMatcher(slack=-1)

    def test_the_answer_cites_the_article_as_its_only_source(self):
        doc, sentences = TUNNEL
        topic = Topic.parse("harbour tunnel")
        answer = topic_answer(topic, doc, TopicMatcher().run(topic, doc, sentences))
        assert answer.answered and answer.sources[0].title == "Council picks a builder"
        assert answer.sentences[0].source_number == 1 and answer.sentences[0].highlights
        assert not topic_answer(topic, *FERRY[:1], None).answered
        doc, sentences = document("Tunnel news", "Work on the harbour tunnel began.")
        (held,) = TopicMatcher().run(topic, doc, sentences).cited  # type: ignore[union-attr]
        assert [sentences[0].text[a:b] for a, b in held.spans] == ["harbour tunnel"]  # one phrase, one bold span


class TestMatchArticle:
    def test_reads_the_article_from_a_loaded_index(self, tmp_path):
        from newsbot.index import store

        doc, sentences = TUNNEL
        other, other_sentences = FERRY[0], FERRY[1]
        other = Document("b2", other.title, other.text, other.source, other.url, other.date)
        import numpy as np

        rows = [(0, s.start, s.end) for s in sentences] + [(1, s.start, s.end) for s in other_sentences]
        data = store.IndexData(
            manifest=None,  # type: ignore[arg-type]
            documents=[doc, other],
            doc_hashes=["", ""],
            sentences=np.array(rows, dtype=np.int64),
            doc_first_sentence=store.first_sentences(2, np.array(rows, dtype=np.int64)),
            chunks=np.zeros((0, 3), dtype=np.int64),
            chunk_vectors=np.zeros((0, 4)),
            sentence_vectors=np.zeros((0, 4)),
            faiss=None,
            lexical=None,  # type: ignore[arg-type]
        )
        assert match_article(data, "harbour tunnel", "a1").answered
        assert not match_article(data, "harbour tunnel", "b2").answered
        assert match_article(data, "harbour tunnel", "missing").reason == "the article is not in the index"


class TestTheEngine:
    def test_matches_a_topic_in_an_indexed_article_and_embeds_texts(self, corpus_dir, fake_embedder, tmp_path):
        import numpy as np

        from newsbot.index.config import EngineConfig
        from newsbot.index.engine import Engine

        engine = Engine(
            embedder=fake_embedder, config=EngineConfig(index_dir=tmp_path / "index", corpus_paths=(corpus_dir,))
        )
        engine.reindex()
        found = engine.match_topic("Kelso footbridge", "bridge.txt")
        assert found.answered and found.sources[0].title == "Kelso bridge opens"
        assert found.sentences[0].text.startswith("The new Kelso footbridge opened")
        assert not engine.match_topic("Kelso footbridge", "harvest.txt").answered
        with pytest.raises(TopicError):
            engine.match_topic("the", "bridge.txt")
        vectors = engine.embed(["Who won?", "Where is Kelso?"])
        assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert engine.embed([]).shape == (0, 384)
