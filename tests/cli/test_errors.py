"""Bad command lines: a short message naming the problem, a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.cli.main import build_parser, main

NEWSBOT = str(Path(sys.executable).with_name("newsbot"))  # the console script, as a user runs it
SUBCOMMANDS = sorted(next(a for a in build_parser()._actions if a.dest == "command").choices)  # type: ignore[union-attr]
HEAVY = ("torch", "transformers", "sentence_transformers", "faiss", "onnxruntime", "telegram", "trafilatura")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run `newsbot argv` in this process; (exit code, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


@pytest.fixture
def no_index(tmp_path: Path) -> str:
    return str(tmp_path / "no-index-here")


class TestUsageErrors:
    def test_wrong_subcommand(self, capsys):
        code, err = _run(capsys, "frobnicate")
        assert code == 2
        assert "invalid choice: 'frobnicate'" in err

    def test_no_subcommand_prints_help(self, capsys):
        assert main([]) == 2
        assert capsys.readouterr().out.startswith("usage: newsbot")

    def test_index_needs_a_path(self, capsys):
        code, err = _run(capsys, "index")
        assert code == 2
        assert "the following arguments are required: PATH" in err

    def test_k_not_a_number(self, capsys, no_index):
        code, err = _run(capsys, "ask", "hi", "--k", "many", "--index-dir", no_index)
        assert code == 2
        assert "argument --k: invalid int value: 'many'" in err

    def test_unknown_log_level(self, capsys):
        code, err = _run(capsys, "--log-level", "LOUD", "ask", "hi")
        assert code == 2
        assert "argument --log-level: invalid choice: 'LOUD'" in err


class TestBadValues:
    def test_missing_paths(self, capsys, tmp_path):
        code, err = _run(capsys, "index", str(tmp_path / "a"), str(tmp_path / "b"), "--index-dir", str(tmp_path / "i"))
        assert (code, err) == (1, f"newsbot index: no such file or directory: {tmp_path / 'a'}, {tmp_path / 'b'}\n")
        assert not (tmp_path / "i").exists()

    def test_no_article_among_the_paths(self, capsys, tmp_path):
        (tmp_path / "empty.txt").write_text("")
        code, err = _run(capsys, "index", str(tmp_path / "empty.txt"), "--index-dir", str(tmp_path / "i"))
        assert code == 1
        assert err.endswith(
            f"newsbot index: no articles to index in {tmp_path / 'empty.txt'} (skipped 1: {tmp_path / 'empty.txt'}: empty file)\n"
        )

    def test_index_dir_is_a_file(self, capsys, tmp_path):
        (tmp_path / "a.txt").write_text("Title\n\nThe bridge opened on Tuesday after two years of work.")
        (tmp_path / "file").write_text("")
        code, err = _run(capsys, "index", str(tmp_path / "a.txt"), "--index-dir", str(tmp_path / "file"))
        assert (code, err) == (1, f"newsbot index: --index-dir {tmp_path / 'file'} is a file, not a directory\n")

    @pytest.mark.parametrize("flag", ["--since", "--until"])
    @pytest.mark.parametrize("value", ["yesterday-ish", "2024-13-45x", ""])
    def test_bad_date(self, capsys, no_index, flag, value):
        code, err = _run(capsys, "ask", "hi", flag, value, "--index-dir", no_index)
        assert (code, err) == (1, f"newsbot ask: {flag}: not a date: {value!r} (use YYYY-MM-DD)\n")

    @pytest.mark.parametrize("question", ["", "   ", "\n\t"])
    def test_empty_question(self, capsys, no_index, question):
        code, err = _run(capsys, "ask", question, "--index-dir", no_index)
        assert code == 1
        assert err.startswith("newsbot ask: the question is empty; ")

    @pytest.mark.parametrize("k", ["0", "-3"])
    def test_k_must_be_positive(self, capsys, no_index, k):
        code, err = _run(capsys, "ask", "hi", "--k", k, "--index-dir", no_index)
        assert (code, err) == (1, f"newsbot ask: --k must be > 0, got {k}\n")

    def test_missing_index_dir(self, capsys, no_index):
        code, err = _run(capsys, "ask", "Who attended the talks?", "--index-dir", no_index)
        assert (code, err) == (
            1,
            f"newsbot ask: no index at {no_index}; rebuild it with: newsbot index PATH... --index-dir {no_index}\n",
        )

    def test_index_dir_that_is_a_file(self, capsys, tmp_path):
        (tmp_path / "file").write_text("not an index")
        code, err = _run(capsys, "ask", "hi", "--index-dir", str(tmp_path / "file"))
        assert code == 1
        assert err.startswith(f"newsbot ask: no index at {tmp_path / 'file'}; rebuild it with: newsbot index")


def test_the_console_script_prints_one_line_not_a_traceback(tmp_path):
    result = subprocess.run(
        [NEWSBOT, "ask", "hi", "--index-dir", str(tmp_path / "none")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("newsbot ask: no index at ")


_HELP_PROBE = """
import contextlib, io, json, sys
from newsbot.cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exit_:
        code = exit_.code
print(json.dumps({"code": code, "help": out.getvalue(), "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("argv", [["--help"], *([name, "--help"] for name in SUBCOMMANDS)], ids=" ".join)
def test_help_is_quick_and_imports_nothing_heavy(argv):
    result = subprocess.run([sys.executable, "-c", _HELP_PROBE, *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["code"] == 0
    assert probe["help"].startswith("usage: newsbot")
    assert [name for name in HEAVY if name in probe["modules"]] == []


def test_every_subcommand_is_tested():
    assert SUBCOMMANDS == ["ask", "eval", "index", "report", "serve"]  # report: tests/cli/test_report.py
