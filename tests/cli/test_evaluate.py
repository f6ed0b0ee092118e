import json
from pathlib import Path

import pytest

from newsbot.cli.errors import CliError
from newsbot.cli.evaluate import eval_index_dir, gold_doc_ids, read_questions, render_table
from newsbot.cli.main import main
from newsbot.index.metrics import Outcome, summarise


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


class TestReadQuestions:
    def test_reads_shared_format_with_limit(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "q.jsonl", [{"id": "a", "question": "Who?", "answers": ["X"], "doc_id": "d1"}, {"question": "Where?"}])
        rows = read_questions(path)
        assert [r["id"] for r in rows] == ["a", "q:2"]
        assert len(read_questions(path, limit=1)) == 1

    @pytest.mark.parametrize(
        ("content", "message"),
        [("not json\n", "q.jsonl:1: not JSON"), ('{"answers": []}\n', 'q.jsonl:1: expected an object with a "question"'), ("\n", "has no questions")],
    )
    def test_bad_files_are_named(self, tmp_path: Path, content: str, message: str) -> None:
        path = tmp_path / "q.jsonl"
        path.write_text(content)
        with pytest.raises(CliError, match=message):
            read_questions(path)

    def test_gold_doc_ids(self) -> None:
        assert gold_doc_ids({"doc_id": "a", "doc_ids": ["a", "b"]}) == ("a", "b")
        assert gold_doc_ids({"doc_id": "a"}) == ("a",)
        assert gold_doc_ids({"doc_id": None}) == ()


class TestIndexDir:
    def test_keyed_by_corpus_and_backend(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from newsbot.index.config import EngineConfig

        torch, onnx = (EngineConfig(cache_dir=tmp_path, backend=b) for b in ("torch", "onnx"))
        one = eval_index_dir([tmp_path / "a.jsonl", tmp_path / "b"], torch)
        assert one.parent == tmp_path / "eval"
        assert one == eval_index_dir([tmp_path / "b", tmp_path / "a.jsonl"], torch)
        assert one != eval_index_dir([tmp_path / "a.jsonl"], torch)
        assert one != eval_index_dir([tmp_path / "a.jsonl", tmp_path / "b"], onnx)


class TestTableByStyle:
    def test_styles_and_kinds_get_a_row_each(self) -> None:
        outcomes = [
            Outcome("q", True, ("a",), ("a",), ("x",), True, ("x is here",), ("a",), 2.0, style="typo"),
            Outcome("u", False, (), (), (), False, (), (), 1.0, group="u.jsonl", kind="near-miss"),
        ]
        table = render_table(summarise(outcomes).as_dict(), {"questions_file": "q.jsonl", "index_dir": "i", "backend": "b", "k": 4, "seconds": 1.0})
        assert "style: typo" in table and "kind: near-miss" in table


class TestTable:
    def test_renders_every_section_and_dashes(self) -> None:
        outcome = Outcome("q", True, ("a",), ("a",), ("x",), True, ("x is here",), ("a",), 2.0)
        off = Outcome("u", False, (), (), (), False, (), (), 4.0, group="off.jsonl")
        table = render_table(summarise([outcome, off]).as_dict(), {"questions_file": "q.jsonl", "index_dir": "I", "backend": "onnx", "k": 4, "seconds": 1.0})
        assert "recall@5" in table and "hit rate" in table and "declined (of unanswerable)" in table
        assert "p95 ms per question" in table
        ndcg = next(line for line in table.splitlines() if "nDCG@10" in line)
        assert ndcg.rstrip().endswith("-")


class TestCommand:
    def test_missing_files_fail_with_one_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        code = main(["eval", "--corpus", str(tmp_path / "none"), "--questions", str(tmp_path / "q.jsonl")])
        assert code == 1
        assert "no such file or directory" in capsys.readouterr().err

    @pytest.mark.model
    def test_json_report_on_a_tiny_corpus(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        monkeypatch.setenv("NEWSBOT_CACHE_DIR", str(tmp_path / "cache"))
        corpus = write_jsonl(
            tmp_path / "corpus.jsonl",
            [
                {"id": "storm", "title": "Storm hits coast", "text": "Hurricane Dorian made landfall in the Bahamas on Sunday. It had winds of 185 mph."},
                {"id": "vote", "title": "Senate vote", "text": "The Senate voted 52 to 35 on Tuesday. The bill now goes to the House."},
            ],
        )
        questions = write_jsonl(tmp_path / "q.jsonl", [{"question": "Where did Hurricane Dorian make landfall?", "answers": ["Bahamas"], "doc_id": "storm"}])
        off = write_jsonl(tmp_path / "off.jsonl", [{"question": "What is the boiling point of water in Fahrenheit?", "answers": [], "doc_id": None}])
        argv = ["eval", "--corpus", str(corpus), "--questions", str(questions), "--unanswerable", str(off), "--backend", "onnx", "--json"]
        assert main(argv) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["recall_at_1"] == 1.0 and report["hit_rate"] == 1.0
        assert report["unanswerable"] == 1 and report["latency_p50_ms"] > 0
        assert Path(report["index_dir"]).parent == tmp_path / "cache" / "eval"
        assert main(argv) == 0  # the second run reuses the index
        assert json.loads(capsys.readouterr().out)["index_dir"] == report["index_dir"]
