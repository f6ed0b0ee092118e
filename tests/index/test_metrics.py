import math

import pytest

from newsbot.index.metrics import (
    Outcome,
    contains_answer,
    dedupe,
    first_relevant_rank,
    ndcg_at,
    normalize_answer,
    percentile,
    read_qrels,
    recall_at,
    reciprocal_rank,
    summarise,
)


def outcome(
    qid: str = "q",
    ranked: tuple[str, ...] = ("a", "b"),
    gold: tuple[str, ...] = ("a",),
    answers: tuple[str, ...] = ("Denver Broncos",),
    answered: bool = True,
    cited: tuple[str, ...] = ("The Denver Broncos won.",),
    cited_docs: tuple[str, ...] = ("a",),
    latency: float = 1.0,
    answerable: bool = True,
    group: str = "",
) -> Outcome:
    return Outcome(qid, answerable, ranked, gold, answers, answered, cited, cited_docs, latency, group)


class TestNormalisation:
    def test_squad_normalisation(self) -> None:
        assert normalize_answer("The  Denver-Broncos!") == "denverbroncos"
        assert normalize_answer("an Apple a day") == "apple day"

    def test_contains_answer_ignores_case_punctuation_and_articles(self) -> None:
        assert contains_answer("In 1990, THE Denver Broncos won.", ["denver broncos"])
        assert contains_answer("It cost $5.2 million.", ["5.2 million"])
        assert not contains_answer("The Broncos won.", ["Denver Broncos"])

    def test_empty_answers_never_hit(self) -> None:
        assert not contains_answer("anything", [])
        assert not contains_answer("anything", ["", "the"])


class TestRanking:
    def test_dedupe_keeps_first_seen_order(self) -> None:
        assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]

    def test_first_relevant_rank(self) -> None:
        assert first_relevant_rank(["x", "y", "a"], {"a", "b"}) == 3
        assert first_relevant_rank(["x"], {"a"}) is None

    def test_recall_at(self) -> None:
        ranked = ["x", "y", "a"]
        assert recall_at(ranked, ["a"], 1) == 0.0
        assert recall_at(ranked, ["a"], 3) == 1.0
        assert recall_at(ranked, ["a"], 20) == 1.0

    def test_reciprocal_rank_is_cut_at_k(self) -> None:
        ranked = [f"d{i}" for i in range(12)]
        assert reciprocal_rank(ranked, ["d1"]) == 0.5
        assert reciprocal_rank(ranked, ["d11"], k=10) == 0.0

    def test_k_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="k must be > 0, got 0"):
            recall_at(["a"], ["a"], 0)


class TestNdcg:
    def test_perfect_ranking_is_one(self) -> None:
        assert ndcg_at(["a", "b", "x"], {"a": 1, "b": 1}) == pytest.approx(1.0)

    def test_matches_hand_computed_value(self) -> None:
        # one relevant document at rank 2: (1 / log2 3) / (1 / log2 2)
        assert ndcg_at(["x", "a"], {"a": 1}) == pytest.approx(1 / math.log2(3))

    def test_graded_gains_and_cutoff(self) -> None:
        gains = {"a": 2, "b": 1}
        expected = (1 / math.log2(2) + 2 / math.log2(3)) / (2 / math.log2(2) + 1 / math.log2(3))
        assert ndcg_at(["b", "a"], gains) == pytest.approx(expected)
        assert ndcg_at([f"n{i}" for i in range(10)] + ["a"], gains) == 0.0  # past the cutoff

    def test_no_relevant_documents(self) -> None:
        assert ndcg_at(["a"], {}) == 0.0


class TestPercentile:
    def test_interpolates_like_numpy(self) -> None:
        values = [1.0, 2.0, 3.0, 4.0]
        assert percentile(values, 50) == pytest.approx(2.5)
        assert percentile(values, 95) == pytest.approx(3.85)

    def test_empty_is_nan(self) -> None:
        assert math.isnan(percentile([], 50))


class TestQrels:
    def test_reads_beir_tsv_with_header(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / "qrels.tsv"
        path.write_text("query-id\tcorpus-id\tscore\n1\t10\t1\n1\t11\t2\n\n2\t12\t1\n")
        assert read_qrels(path) == {"1": {"10": 1.0, "11": 2.0}, "2": {"12": 1.0}}

    def test_rejects_malformed_lines(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / "qrels.tsv"
        path.write_text("1\t10\t1\n1\t10\n")
        with pytest.raises(ValueError, match="qrels.tsv:2: expected 3"):
            read_qrels(path)


class TestSummarise:
    def test_all_metrics(self) -> None:
        outcomes = [
            outcome("q1", ranked=("a", "b"), gold=("a",), latency=1.0),
            outcome("q2", ranked=("b", "a"), gold=("a",), cited=("Nothing here.",), cited_docs=("b",), latency=3.0),
            outcome("q3", ranked=("c",), gold=("a",), answered=False, cited=(), cited_docs=(), latency=5.0),
            outcome("u1", answerable=False, answered=False, group="off", latency=2.0),
            outcome("u2", answerable=False, answered=True, group="off", latency=4.0),
            outcome("u3", answerable=False, answered=False, group="squad2", latency=6.0),
        ]
        report = summarise(outcomes)
        assert report.questions == 3
        assert report.recall_at_1 == pytest.approx(1 / 3)
        assert report.recall_at_5 == pytest.approx(2 / 3)
        assert report.mrr_at_10 == pytest.approx((1 + 0.5 + 0) / 3)
        assert report.ndcg_at_10 is None
        assert report.hit_rate == pytest.approx(1 / 3)
        assert report.hit_rate_answered == pytest.approx(1 / 2)
        assert report.gold_doc_citation_rate == pytest.approx(1 / 3)
        assert report.mean_cited_sentences == pytest.approx(1.0)
        assert report.answered_share == pytest.approx(2 / 3)
        assert report.unanswerable == 3
        assert report.declined_share == pytest.approx(2 / 3)
        assert report.declined_by_group == {"off": 0.5, "squad2": 1.0}
        assert report.latency_p50_ms == pytest.approx(3.5)

    def test_ndcg_from_qrels_and_no_answer_strings(self) -> None:
        outcomes = [outcome("1", ranked=("x", "a"), gold=("a",), answers=()), outcome("2", ranked=("b",), gold=("b",), answers=())]
        report = summarise(outcomes, {"1": {"a": 1}, "2": {"b": 1}})
        assert report.ndcg_at_10 == pytest.approx((1 / math.log2(3) + 1) / 2)
        assert report.hit_rate is None
        assert report.declined_share is None
        assert set(report.as_dict()) >= {"recall_at_20", "ndcg_at_10", "latency_p95_ms"}


class TestByStyleAndKind:
    def test_hit_rate_per_style_and_declined_per_kind(self):
        def answerable(style: str, hit: bool) -> Outcome:
            cited = ("the answer is Paris",) if hit else ("nothing here",)
            return Outcome("q", True, ("a",), ("a",), ("Paris",), True, cited, ("a",), 1.0, style=style)

        def unanswerable(kind: str, answered: bool) -> Outcome:
            return Outcome("u", False, (), (), (), answered, (), (), 1.0, group="u.jsonl", kind=kind)

        outcomes = [answerable("typo", True), answerable("typo", False), answerable("lowercase", True), answerable("", True),
                    unanswerable("near-miss", True), unanswerable("near-miss", False), unanswerable("off-topic", False)]
        report = summarise(outcomes)
        assert report.hit_rate_by_style == {"lowercase": 1.0, "typo": 0.5}
        assert report.declined_by_kind == {"near-miss": 0.5, "off-topic": 1.0}

    def test_files_without_styles_report_none(self):
        report = summarise([Outcome("q", True, ("a",), ("a",), ("x",), True, ("x",), ("a",), 1.0)])
        assert report.hit_rate_by_style == {} and report.declined_by_kind == {}
