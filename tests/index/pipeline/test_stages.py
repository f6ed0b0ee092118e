"""SentenceCandidates, SentenceScorer, Decider, SentenceChooser and Citer on the tiny index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsbot.index.answer_types import AnswerType
from newsbot.index.pipeline import AnswerPipeline, PipelineConfig
from newsbot.index.pipeline.candidates import SentenceCandidates
from newsbot.index.pipeline.check import AnswerCheck
from newsbot.index.pipeline.choose import ChoiceParams, SentenceChooser
from newsbot.index.pipeline.cite import Citer
from newsbot.index.pipeline.decide import FEATURES, Decider, DecisionModel, DecisionModelError
from newsbot.index.pipeline.normalise import QuestionNormaliser
from newsbot.index.pipeline.question import make_question
from newsbot.index.pipeline.records import Check, Choice, FusedHit
from newsbot.index.pipeline.score import ScoreWeights, SentenceScorer


def _hit(chunk_id: int, score: float = 1.0) -> FusedHit:
    return FusedHit(chunk_id, score, 0.5, 1.0)


def _trace(data, embedder, text):  # type: ignore[no-untyped-def]
    question = QuestionNormaliser().run(data, text)
    return AnswerPipeline().trace(data, question, embedder.encode_queries([question.text])[0])


class TestSentenceCandidates:
    def test_every_sentence_of_the_top_chunks_once_with_its_best_rank(self, data):  # type: ignore[no-untyped-def]
        hits = [_hit(i, 3.0 - i) for i in range(len(data.chunks))]
        found = SentenceCandidates(chunks=2).run(data, hits)
        expected = [sid for h in hits[:2] for sid in data.chunk(h.chunk_id).sentence_range]
        assert [c.sentence_id for c in found] == list(dict.fromkeys(expected))
        assert all(c.text == data.sentence(c.sentence_id).text for c in found)
        assert {c.rank for c in found} <= {0, 1}

    def test_the_sentence_on_each_side_of_a_chunk_in_its_article(self, corpus_dir, tmp_path, fake_embedder):  # type: ignore[no-untyped-def]
        from newsbot.index import store
        from newsbot.index.build import build_index
        from newsbot.index.chunking import ChunkSpec

        build_index([corpus_dir], tmp_path / "index", fake_embedder, spec=ChunkSpec(max_words=1))  # a sentence a chunk
        data = store.load(tmp_path / "index")
        bounds = data.doc_first_sentence
        for chunk_id in range(len(data.chunks)):
            chunk = data.chunk(chunk_id)
            (sentence,) = chunk.sentence_range
            found = [c.sentence_id for c in SentenceCandidates(chunks=1).run(data, [_hit(chunk_id)])]
            article = range(int(bounds[chunk.doc_index]), int(bounds[chunk.doc_index + 1]))
            assert found == [sentence] + [s for s in (sentence - 1, sentence + 1) if s in article]
            assert [c.sentence_id for c in SentenceCandidates(chunks=1, edges=0).run(data, [_hit(chunk_id)])] == [sentence]

    @pytest.mark.parametrize(("kwargs", "message"), [({"chunks": 0}, "chunks must be > 0, got 0"), ({"edges": -1}, "edges must be >= 0, got -1")])
    def test_bad_arguments_name_the_value(self, kwargs, message):  # type: ignore[no-untyped-def]
        with pytest.raises(ValueError, match=message):
            SentenceCandidates(**kwargs)


class TestSentenceScorer:
    def test_the_sentence_with_the_answer_scores_best(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        trace = _trace(data, fake_embedder, "Which conductor has led the choir for eleven years?")
        assert "Lena Ostrova" in trace.scored[0].candidate.text
        assert [s.score for s in trace.scored] == sorted((s.score for s in trace.scored), reverse=True)

    def test_idf_prior_must_not_be_negative(self):
        with pytest.raises(ValueError, match="idf_prior_chunks"):
            ScoreWeights(idf_prior_chunks=-1)

    def test_no_candidates_no_scores(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        question = make_question("anything")
        assert SentenceScorer().run(data, question, fake_embedder.encode_queries(["x"])[0], ()) == ()


class TestDecisionModel:
    def test_shipped_model_names_every_feature(self):
        model = DecisionModel.load()
        assert tuple(name for name, _ in model.weights) == FEATURES

    def test_features_out_of_order_are_refused(self, tmp_path: Path):
        path = tmp_path / "m.json"
        path.write_text(json.dumps({"features": list(reversed(FEATURES)), "weights": dict.fromkeys(FEATURES, 1.0), "bias": 0}))
        with pytest.raises(DecisionModelError, match="do not match"):
            DecisionModel.load(path)

    def test_a_missing_weight_is_a_clear_error(self, tmp_path: Path):
        path = tmp_path / "m.json"
        path.write_text(json.dumps({"features": list(FEATURES), "weights": {}, "bias": 0}))
        with pytest.raises(DecisionModelError, match="cannot read the decision model"):
            DecisionModel.load(path)

    def test_save_then_load_round_trips(self, tmp_path: Path):
        model = DecisionModel(tuple((n, float(i)) for i, n in enumerate(FEATURES)), -1.5)
        model.save(tmp_path / "m.json")
        assert DecisionModel.load(tmp_path / "m.json") == model


class TestDecider:
    def test_a_name_the_article_never_mentions_declines_and_is_named(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        trace = _trace(data, fake_embedder, "What did Zorblatt Quinby say about the Kelso footbridge?")
        assert trace.decision is not None and not trace.decision.answer
        assert "Zorblatt" in trace.decision.reason

    def test_an_always_yes_model_answers(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        yes = DecisionModel(tuple((n, 0.0) for n in FEATURES), 1.0)
        question = make_question("Who conducts the choir?")
        vector = fake_embedder.encode_queries([question.text])[0]
        trace = AnswerPipeline(decider=Decider(yes)).trace(data, question, vector)
        assert trace.decision is not None and trace.decision.answer
        assert dict(trace.decision.features).keys() == set(FEATURES)

    def test_nothing_scored_declines(self, data):  # type: ignore[no-untyped-def]
        decision = Decider().run(data, make_question("x"), {}, (), (), Check(False, 0.0))
        assert not decision.answer and decision.reason == "no matching articles"


class TestAnswerCheck:
    def test_the_asked_type_and_the_constraints_in_the_window(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        trace = _trace(data, fake_embedder, "Which conductor has led the choir for eleven years?")
        assert trace.check is not None and trace.check.constraints == 1.0

    def test_a_year_the_window_lacks_is_a_missing_constraint(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        trace = _trace(data, fake_embedder, "How many tonnes of apples did Teme valley growers pick in 1987?")
        assert trace.check is not None and "1987" in trace.check.missing and trace.check.constraints < 1.0

    @pytest.mark.parametrize(
        ("question", "sentence", "found"),
        [
            ("How many late frosts did Ivo Brandt count?", "Ivo Brandt, credited", False),  # no number, last of its article
            ("How many years has Lena Ostrova led the choir?", "The Ashby Singers won", True),  # "eleven" in the next sentence
        ],
    )
    def test_how_many_looks_in_the_best_sentence_and_the_next(self, data, question, sentence, found):  # type: ignore[no-untyped-def]
        from newsbot.index.pipeline.records import Candidate, Scored

        sentence_id = next(i for i in range(data.sentence_count) if sentence in data.sentence(i).text)
        candidate = Candidate(sentence_id, data.document_of(sentence_id), data.sentence(sentence_id).text, 0, 1.0, 0.5)
        scored = (Scored(candidate, 0.5, 0.5, 0.5, 0.5, False, 1.0),)
        check = AnswerCheck(window=0).run(data, make_question(question), {"frost": 1.0}, scored)
        assert check.type_found is found

    @pytest.mark.parametrize(
        ("question", "missing"),
        [
            ("How many tonnes of apples did Teme valley growers pick?", False),  # "9,000 tonnes"
            ("How many orchards did Teme valley growers pick apples from?", True),  # a number, but of tonnes
            ("How many apple growers are there in the Teme valley?", True),
            ("What did Teme valley growers pick?", False),  # asks no count
            ("How many people picked apples in the Teme valley?", False),  # any count counts people
            ("how many ppl picked apples in the teme valley", False),  # read as typed out: "people"
        ],
    )
    def test_a_count_question_needs_a_count_of_what_it_asks(self, data, question, missing):  # type: ignore[no-untyped-def]
        from newsbot.index.pipeline.records import Candidate, Scored

        sentence_id = next(i for i in range(data.sentence_count) if "9,000 tonnes" in data.sentence(i).text)
        candidate = Candidate(sentence_id, data.document_of(sentence_id), data.sentence(sentence_id).text, 0, 1.0, 0.5)
        scored = (Scored(candidate, 0.5, 0.5, 0.5, 0.5, True, 1.0),)
        check = AnswerCheck(window=0).run(data, QuestionNormaliser().run(data, question), {"appl": 1.0}, scored)
        assert check.count_missing is missing

    def test_the_questions_own_words_missing_from_the_window_are_counted(self, data):  # type: ignore[no-untyped-def]
        from newsbot.index.pipeline.records import Candidate, Scored

        sentence_id = next(i for i in range(data.sentence_count) if "9,000 tonnes" in data.sentence(i).text)
        candidate = Candidate(sentence_id, data.document_of(sentence_id), data.sentence(sentence_id).text, 0, 1.0, 0.5)
        scored = (Scored(candidate, 0.5, 0.5, 0.5, 0.5, True, 1.0),)

        def missing(text: str) -> int:
            question = QuestionNormaliser().run(data, text)
            return AnswerCheck(window=0).run(data, question, {t: 1.0 for t in question.terms}, scored).words_missing

        assert missing("How many tonnes of apples did Teme valley growers pick?") == 0
        # the names are there; "export" and "sell" are what the article never says
        assert missing("How many tonnes of apples did Teme valley growers export and sell?") == 2

    def test_a_missing_count_is_the_reason_given(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        no = DecisionModel(tuple((n, 0.0) for n in FEATURES), -1.0)
        question = QuestionNormaliser().run(data, "How many orchards did Teme valley growers pick apples from?")
        trace = AnswerPipeline(decision_model=no).trace(data, question, fake_embedder.encode_queries([question.text])[0])
        assert trace.decision is not None and not trace.decision.answer
        assert trace.decision.reason == "the closest passage gives no count of orchards"

    def test_window_must_not_be_negative(self):
        with pytest.raises(ValueError, match="window must be >= 0"):
            AnswerCheck(window=-1)


class TestSentenceChooser:
    def test_reading_order_and_scores_align(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        trace = _trace(data, fake_embedder, "Who conducts the Ashby Singers choir?")
        choice = SentenceChooser().run(data, trace.question, trace.scored)
        assert choice.sentence_ids and len(choice.sentence_ids) == len(choice.scores)
        by_doc: dict[int, list[int]] = {}
        for sid in choice.sentence_ids:
            by_doc.setdefault(data.document_of(sid), []).append(sid)
        assert all(ids == sorted(ids) for ids in by_doc.values())

    def test_at_most_max_sentences(self, data, fake_embedder):  # type: ignore[no-untyped-def]
        trace = _trace(data, fake_embedder, "apples bridge choir")
        choice = SentenceChooser(ChoiceParams(max_sentences=1, margin=10.0, follow_continuation=False)).run(data, trace.question, trace.scored)
        assert len(choice.sentence_ids) == 1

    def test_the_nearest_sentence_with_the_asked_type_is_cited_when_the_best_has_none(self, data):  # type: ignore[no-untyped-def]
        from newsbot.index.pipeline.records import Candidate, Scored

        def scored(text: str, score: float, typed: bool) -> Scored:
            sid = next(i for i in range(data.sentence_count) if text in data.sentence(i).text)
            candidate = Candidate(sid, data.document_of(sid), data.sentence(sid).text, 0, 1.0, 0.5)
            return Scored(candidate, 0.5, 0.5, 0.5, 0.5, typed, score)

        restates = scored("The Ashby Singers won", 2.0, False)  # the question's premise, no person in it
        answers = scored("Their conductor, Lena Ostrova", 1.0, True)  # far below the margin
        params = ChoiceParams(follow_continuation=False)
        question = make_question("Who conducts the Ashby Singers?")
        chosen = SentenceChooser(params).run(data, question, (restates, answers)).sentence_ids
        assert chosen == (restates.candidate.sentence_id, answers.candidate.sentence_id)
        off = ChoiceParams(follow_continuation=False, typed_neighbour=False)
        assert SentenceChooser(off).run(data, question, (restates, answers)).sentence_ids == (restates.candidate.sentence_id,)
        # when the best sentence holds a person itself, nothing is added
        typed_best = scored("The Ashby Singers won", 2.0, True)
        assert SentenceChooser(params).run(data, question, (typed_best, answers)).sentence_ids == (typed_best.candidate.sentence_id,)

    def test_params_are_checked(self):
        with pytest.raises(ValueError, match="max_sentences"):
            ChoiceParams(max_sentences=0)


class TestCiter:
    def test_one_source_number_per_article_verbatim_text(self, data):  # type: ignore[no-untyped-def]
        last = data.sentence_count - 1
        cited, sources = Citer().run(data, Choice((0, 1, last), (1.0, 0.9, 0.8)))
        assert [s.text for s in cited] == [data.sentence(i).text for i in (0, 1, last)]
        assert [s.number for s in sources] == list(range(1, len(sources) + 1))
        assert cited[0].source_number == cited[1].source_number == 1
        document = data.document(data.document_of(0))
        assert document.text[cited[0].start : cited[0].end] == cited[0].text


class TestQuestion:
    def test_type_list_and_terms(self):
        question = make_question("  Who   attended the talks? ")
        assert question.raw == "Who attended the talks?"
        assert question.wanted is AnswerType.PERSON and question.many
        assert question.terms == ("attend", "talk")


def test_pipeline_config_checks_k():
    with pytest.raises(ValueError, match="k must be > 0, got 0"):
        PipelineConfig(k=0)
