"""The read stage: windows, spans mapped back to sentences, the reader's model file, and the shipped
reader itself on a tiny article (marked `model`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from newsbot.index.pipeline.question import make_question
from newsbot.index.pipeline.read import (
    DEFAULT_READER,
    AnswerReader,
    ReaderError,
    ReaderModel,
    ReadParams,
    _sentence_span,
    _spans,
    load_reader,
)
from newsbot.index.pipeline.records import Candidate, Reading, Scored
from newsbot.index.reader_window import MAX_TOKENS, NEIGHBOUR_CHARS, build_window


class TestWindow:
    def test_title_neighbours_and_parts_that_map_back(self) -> None:
        sentences = [
            (7, "Leon van Biljon was killed by his lions on Tuesday."),
            (8, "Van Biljon was  seventy years old."),
            (9, "Police are investigating."),
        ]
        window = build_window("Lion Man killed", sentences, 1)
        assert (
            window.text
            == "Lion Man killed. Leon van Biljon was killed by his lions on Tuesday. Van Biljon was seventy years old. Police are investigating."
        )
        assert window.centre == 8
        assert [p[0] for p in window.parts] == [7, 8, 9]
        at = window.text.index("seventy")
        assert window.sentence_at(at, at + len("seventy years old")) == 8
        assert window.sentence_at(0, 4) is None  # the title is no sentence

    def test_first_and_last_sentences_have_one_neighbour(self) -> None:
        sentences = [(0, "One."), (1, "Two.")]
        assert [p[0] for p in build_window("", sentences, 0).parts] == [0, 1]
        assert [p[0] for p in build_window("", sentences, 1).parts] == [0, 1]
        assert build_window("", sentences, 1).text == "One. Two."

    def test_long_neighbours_keep_the_end_before_and_the_start_after(self) -> None:
        long = " ".join(f"word{i}" for i in range(200))
        window = build_window("T", [(0, long), (1, "Centre sentence."), (2, long)], 1)
        before, centre, after = (window.text[s:e] for _, s, e in window.parts)
        assert len(before) <= NEIGHBOUR_CHARS and long.endswith(before)
        assert centre == "Centre sentence."
        assert len(after) <= NEIGHBOUR_CHARS and long.startswith(after)


class TestSpans:
    def test_a_window_span_maps_to_the_sentence_text_with_its_own_spacing(self) -> None:
        sentence = "Van Biljon  was\nseventy years old."
        window = build_window("", [(3, sentence)], 0)
        at = window.text.index("seventy")
        start, end = _sentence_span(sentence, window, 3, at, at + len("seventy years"))  # type: ignore[misc]
        assert sentence[start:end] == "seventy years"

    def test_the_best_span_is_read_against_cls_and_only_in_the_window(self) -> None:
        class Encoding:
            type_ids = [0, 0, 0, 1, 1, 1, 1]
            offsets = [(0, 0), (0, 3), (0, 0), (0, 3), (4, 9), (10, 15), (0, 0)]

        start = np.array([1.0, 9.0, 0.0, 0.0, 5.0, 1.0, 9.0])  # [CLS], question word, [SEP], window..., [SEP]
        end = np.array([1.0, 9.0, 0.0, 0.0, 1.0, 4.0, 9.0])
        ((margin, a, b),) = _spans(start, end, Encoding(), 1)
        assert (a, b) == (4, 15)  # the question's word and the final [SEP] are never an answer
        assert margin == pytest.approx(5.0 + 4.0 - 2.0)

    def test_a_list_gives_each_item_above_not_stated_and_none_overlapping(self) -> None:
        class Encoding:
            type_ids = [0, 0, 1, 1, 1, 1, 1, 1]
            offsets = [(0, 0), (0, 0), (0, 3), (4, 7), (8, 11), (12, 15), (16, 19), (0, 0)]

        start = np.array([2.0, 0.0, 6.0, 0.0, 0.0, 5.0, 0.0, 0.0])  # items at pieces 2 and 5
        end = np.array([2.0, 0.0, 6.0, 0.0, 0.0, 4.0, 0.0, 0.0])
        found = _spans(start, end, Encoding(), 4)
        assert [(a, b) for _, a, b in found] == [(0, 3), (12, 15)]
        assert all(margin > 0 for margin, _, _ in found)
        assert len(_spans(start, end, Encoding(), 1)) == 1


class FakeModel:
    """Reads a fixed span: the first occurrence of `answer` in any window, with `margin`."""

    fingerprint = "fake"

    def __init__(self, answer: str, margin: float = 6.0) -> None:
        self.answer, self.margin = answer, margin

    def read_spans(self, question: str, windows, limit: int):  # type: ignore[no-untyped-def]
        out = []
        for window in windows:
            at = window.text.find(self.answer)
            out.append([(self.margin, at, at + len(self.answer)) if at >= 0 else (-4.0, 0, 0)])
        return out


def _scored(data, ids_scores):  # type: ignore[no-untyped-def]
    out = []
    for sid, score in ids_scores:
        doc = data.document_of(sid)
        out.append(Scored(Candidate(sid, doc, data.sentence(sid).text, 0, 1.0, 0.5), 0.5, 0.5, 0.5, 0.5, False, score))
    return tuple(out)


class TestAnswerReader:
    def test_the_sentence_that_states_it_goes_first_and_carries_the_span(self, data) -> None:  # type: ignore[no-untyped-def]
        sid = next(i for i in range(data.sentence_count) if "4 million pounds" in data.sentence(i).text)
        lead = next(i for i in range(data.sentence_count) if "footbridge opened" in data.sentence(i).text)
        scored = _scored(data, [(lead, 1.2), (sid, 1.0)])
        reader = AnswerReader(FakeModel("4 million pounds"), ReadParams(windows=2))  # type: ignore[arg-type]
        reading = reader.run(data, make_question("How much did the span cost?"), scored)
        assert reading.best is not None and reading.best.sentence_id == sid
        text = data.sentence(sid).text
        assert text[reading.best.start : reading.best.end] == "4 million pounds"
        order = reader.rescore(scored, reading)
        assert [s.candidate.sentence_id for s in order] == [sid, lead]
        assert order[0].read == pytest.approx(6.0) and order[1].read is not None and order[1].read < 0

    def test_weight_zero_keeps_the_scores_order(self, data) -> None:  # type: ignore[no-untyped-def]
        scored = _scored(data, [(0, 1.2), (1, 1.0)])
        reading = Reading(((0, -5.0), (1, 8.0)), None)
        reader = AnswerReader(FakeModel("x"), replace(ReadParams(), weight=0.0))  # type: ignore[arg-type]
        assert [s.candidate.sentence_id for s in reader.rescore(scored, reading)] == [0, 1]

    def test_a_sentence_another_window_holds_whole_is_not_read_twice(self, data) -> None:  # type: ignore[no-untyped-def]
        doc_sentences = [i for i in range(data.sentence_count) if data.document_of(i) == data.document_of(0)]
        scored = _scored(data, [(s, 1.0) for s in doc_sentences])
        windows = AnswerReader(FakeModel("x"), ReadParams(windows=6)).windows(data, scored)  # type: ignore[arg-type]
        assert len(windows) == 1  # a two-sentence article: one window holds both

    @pytest.mark.parametrize("kwargs", [{"windows": 0}])
    def test_bad_parameters_name_the_value(self, kwargs) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(ValueError, match="windows must be > 0, got 0"):
            ReadParams(**kwargs)


class TestReaderModelFile:
    def test_a_missing_file_is_one_line_that_says_what_to_do(self, tmp_path: Path) -> None:
        with pytest.raises(ReaderError, match=r"missing: reinstall newsbot, or set NEWSBOT_READER=off"):
            ReaderModel(tmp_path / "nope.onnx")

    def test_a_corrupt_file_fails_at_warm_up_in_one_line(self, tmp_path: Path) -> None:
        bad = tmp_path / "reader.onnx"
        bad.write_bytes(b"not a model")
        model = ReaderModel(bad)
        with pytest.raises(ReaderError, match="can't be read") as caught:
            model.warm_up()
        assert "\n" not in str(caught.value)

    def test_off_means_no_reader(self) -> None:
        assert load_reader("off") is None
        assert load_reader("OFF") is None

    def test_the_shipped_reader_is_small_and_fingerprinted(self) -> None:
        assert DEFAULT_READER.is_file()
        assert DEFAULT_READER.stat().st_size < 30_000_000
        card = (DEFAULT_READER.parent / "README.md").read_text(encoding="utf-8")  # the model card
        fingerprint = ReaderModel().fingerprint
        assert len(fingerprint) == 12
        assert f"`{fingerprint}`" in card  # the card describes the file that ships


@pytest.mark.model
class TestShippedReader:
    def test_tokenizer_pairs_are_the_ones_it_was_trained_on(self) -> None:
        from tokenizers import Tokenizer
        from transformers import AutoTokenizer

        from newsbot.index.embed import default_model_path

        path = default_model_path()
        trained = AutoTokenizer.from_pretrained(str(path))
        runtime = Tokenizer.from_file(str(path / "tokenizer.json"))
        runtime.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")
        question, window = "how old was he?", "Lion Man. " + "He was seventy years old. " * 60
        a = trained(question, window, truncation="only_second", max_length=MAX_TOKENS)
        b = runtime.encode(question, window)
        assert a["input_ids"] == b.ids and a["token_type_ids"] == b.type_ids

    def test_it_finds_the_stated_fact_and_not_the_mention(self) -> None:
        sentences = [
            (0, "Leon van Biljon, owner of a lion lodge near Pretoria, was killed by his lions on Tuesday."),
            (1, "Van Biljon was seventy years old."),
            (2, "Police said the lions would not be put down."),
        ]
        model = ReaderModel()
        windows = [build_window("South African 'Lion Man' killed by his lions", sentences, i) for i in range(3)]
        results = model.read("how old was leon van biljon when his lions mauled him", windows)
        margin, start, end = max(results, key=lambda r: r[0])
        window = windows[results.index((margin, start, end))]
        assert margin > 0
        assert "seventy" in window.text[start:end]
        assert window.sentence_at(start, end) == 1

    def test_it_says_not_stated_when_the_answer_was_cut_out(self) -> None:
        model = ReaderModel()
        stated = build_window("Lion Man killed", [(0, "Van Biljon was seventy years old when he died.")], 0)
        cut = build_window("Lion Man killed", [(0, "Van Biljon kept lions for many years before he died.")], 0)
        (with_answer, _, _), (without, _, _) = model.read("how old was van biljon", [stated, cut])
        assert with_answer > without
        assert without < 0
