"""Bad corpus input: good articles load, each bad file or line is named once with its reason, nothing raises."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from newsbot.index.build import build_index, source_fingerprint
from newsbot.index.loaders import MAX_FILE_BYTES, LoadResult, load_corpus

GOOD_HTML = """<!doctype html><html><head><title>Ferry service resumes</title>
<script>window.dataLayer = [{"page": "ferry"}]; function track() { return "tracking pixel fired"; }</script>
<script src="/ads.js"></script><style>.nav { color: red }</style></head>
<body><header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/weather">Weather</a></li><li><a href="/login">Log in</a></li></ul></nav></header>
<aside><h3>Most read</h3><ul><li><a href="/a">Celebrity chef opens bistro</a></li></ul></aside>
<article><h1>Ferry service resumes</h1>
<p>The island ferry service resumed on Friday after a three-week strike by deck crews ended in a pay deal.</p>
<p>Harbour master Nell Ardent said the first sailing left at seven with 140 passengers aboard.</p>
</article>
<script>document.write("Subscribe now for breaking news alerts");</script>
<footer><nav><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></nav></footer></body></html>"""

ONLY_SCRIPTS_AND_NAV = """<html><head><script>var articleBody = "not an article";</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<script>for (var i = 0; i < 10; i++) { console.log("menu item " + i); }</script>
<div class="menu"><a href="/a">World</a> <a href="/b">Business</a></div></body></html>"""

JSONL_LINES = [
    json.dumps(
        {
            "id": "j1",
            "title": "Library extends hours",
            "text": "The city library will stay open until ten on weekdays from March.",
            "date": "2021-02-01",
        }
    ),
    '{"id": "j2", "title": "Broken record", "text": "never closed',
    "not json at all",
    "[1, 2, 3]",
    json.dumps({"id": "j3", "title": "No text here"}),
    "",
    json.dumps(
        {"id": "j1", "title": "Library extends hours again", "text": "A second record reused the id j1 of the first."}
    ),
    json.dumps(
        {"id": "j4", "text": "A record without a title or a date still tells readers that the pool reopens in May."}
    ),
]


def _names(result: LoadResult) -> list[str]:
    return [s.name for s in result.skipped]


def _reason(result: LoadResult, name: str | Path) -> str:
    """The reason given for `name`, which must be skipped exactly once."""
    found = [s.reason for s in result.skipped if s.name == str(name)]
    assert len(found) == 1, f"{name} skipped {len(found)} times: {result.skipped}"
    return found[0]


class TestEachBadFile:
    """One bad file beside the good articles: the good ones load, the bad one is named once."""

    @pytest.fixture
    def corpus(self, corpus_dir: Path, good_articles: dict[str, str]) -> Path:
        self.good = sorted(good_articles)
        return corpus_dir

    def _load(self, corpus: Path) -> LoadResult:
        result = load_corpus([corpus])
        assert sorted(d.doc_id for d in result.documents if d.doc_id in self.good) == self.good
        return result

    def test_empty_file(self, corpus):
        (corpus / "empty.txt").write_bytes(b"")
        (corpus / "blank.md").write_text("  \n\n \t\n")
        result = self._load(corpus)
        assert _reason(result, corpus / "empty.txt") == "empty file"
        assert _reason(result, corpus / "blank.md") == "empty file"
        assert len(result.skipped) == 2

    def test_binary_file(self, corpus):
        (corpus / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
        result = self._load(corpus)
        assert _reason(result, corpus / "photo.txt") == "binary file, not text"
        assert len(result.skipped) == 1

    def test_invalid_utf8(self, corpus):
        (corpus / "latin1.txt").write_bytes("Café opens\n\nThe café on the square opened on Monday.".encode("latin-1"))
        result = self._load(corpus)
        assert _reason(result, corpus / "latin1.txt") == "not valid UTF-8 (byte 3)"
        assert len(result.skipped) == 1

    def test_a_50_mb_text_file(self, corpus):
        big = corpus / "huge.txt"
        with big.open("wb") as handle:  # sparse: 50 MB on paper, nothing written
            handle.truncate(50 * 1024 * 1024)
        assert big.stat().st_size > MAX_FILE_BYTES
        result = self._load(corpus)
        assert _reason(result, big) == "too large (50.0 MiB; the limit is 20 MiB)"
        assert len(result.skipped) == 1

    def test_html_full_of_scripts_and_navigation(self, corpus):
        (corpus / "ferry.html").write_text(GOOD_HTML)
        (corpus / "menu.html").write_text(ONLY_SCRIPTS_AND_NAV)
        result = self._load(corpus)
        [ferry] = [d for d in result.documents if d.doc_id == "ferry.html"]
        assert ferry.title == "Ferry service resumes"
        assert "The island ferry service resumed on Friday" in ferry.text
        assert "Harbour master Nell Ardent said the first sailing left at seven" in ferry.text
        for noise in (
            "dataLayer",
            "tracking pixel",
            "Subscribe now",
            "Weather",
            "Most read",
            "Celebrity chef",
            "Privacy",
            "color",
        ):
            assert noise not in ferry.text
        # trafilatura finds only menu words, which cleaning then drops
        assert _reason(result, corpus / "menu.html").startswith("no article text")
        assert len(result.skipped) == 1

    def test_html_without_its_cleaner_package_names_the_package(self, corpus, monkeypatch):
        """lxml >= 5.2 moved lxml.html.clean into lxml_html_clean, which an old pip skipped."""
        (corpus / "ferry.html").write_text(GOOD_HTML)
        monkeypatch.setitem(sys.modules, "lxml.html.clean", None)  # as if lxml_html_clean were absent
        monkeypatch.setitem(sys.modules, "lxml_html_clean", None)
        for name in [m for m in sys.modules if m.startswith(("trafilatura", "justext"))]:
            monkeypatch.delitem(sys.modules, name)
        result = self._load(corpus)
        assert _reason(result, corpus / "ferry.html") == (
            "HTML needs the Python package lxml_html_clean, which is not installed (pip install lxml_html_clean)"
        )
        assert len(result.documents) == 3 and len(result.skipped) == 1  # the other articles still load

    def test_jsonl_with_broken_lines_duplicate_ids_and_missing_fields(self, corpus):
        feed = corpus / "feed.jsonl"
        feed.write_text("\n".join(JSONL_LINES) + "\n")
        result = self._load(corpus)
        loaded = {d.doc_id: d for d in result.documents if d.doc_id.startswith("j")}
        assert sorted(loaded) == ["j1", "j4"]
        assert loaded["j1"].title == "Library extends hours"  # the first of the duplicates
        assert loaded["j4"].title.startswith("A record without a title")
        assert loaded["j4"].date == ""
        assert _reason(result, f"{feed}:2") == "malformed JSON (Unterminated string starting at column 48)"
        assert _reason(result, f"{feed}:3") == "malformed JSON (Expecting value at column 1)"
        assert _reason(result, f"{feed}:4") == "not a JSON object"
        assert _reason(result, f"{feed}:5") == "no text"
        assert _reason(result, f"{feed}:7") == f"duplicate id 'j1' (the first, in {feed}:1, is kept)"
        assert len(result.skipped) == 5

    def test_a_truncated_last_line(self, corpus):
        feed = corpus / "feed.jsonl"
        feed.write_text(JSONL_LINES[0] + "\n" + JSONL_LINES[0][:40])
        result = self._load(corpus)
        assert _reason(result, f"{feed}:2").startswith("malformed JSON")
        assert len(result.skipped) == 1

    def test_duplicate_ids_across_files(self, corpus):
        (corpus / "a.jsonl").write_text(JSONL_LINES[0] + "\n")
        (corpus / "b.jsonl").write_text(JSONL_LINES[6] + "\n")
        result = self._load(corpus)
        assert [d.title for d in result.documents if d.doc_id == "j1"] == ["Library extends hours"]
        assert (
            _reason(result, f"{corpus / 'b.jsonl'}:1")
            == f"duplicate id 'j1' (the first, in {corpus / 'a.jsonl'}:1, is kept)"
        )

    def test_missing_titles_and_dates_still_load(self, corpus):
        (corpus / "untitled.txt").write_text("The town's only cinema will close in June after ninety years of films.")
        (corpus / "nodate.txt").write_text(
            "---\nsource: Border Times\ndate: not yet\n---\nCinema closes\n\nThe cinema will close in June.\n"
        )
        result = self._load(corpus)
        by_id = {d.doc_id: d for d in result.documents}
        assert by_id["untitled.txt"].title == "The town's only cinema will close in June after ninety…"
        assert (by_id["nodate.txt"].title, by_id["nodate.txt"].date) == ("Cinema closes", "")
        assert result.skipped == []

    def test_binary_and_empty_jsonl_are_named_once(self, corpus):
        (corpus / "blob.jsonl").write_bytes(b"\x00\x01\n\x02\n" * 500)
        (corpus / "none.jsonl").write_text("\n\n")
        result = self._load(corpus)
        assert _reason(result, corpus / "blob.jsonl") == "binary file, not JSON lines"
        assert _reason(result, corpus / "none.jsonl") == "empty file"
        assert len(result.skipped) == 2

    def test_a_dangling_symlink(self, corpus):
        os.symlink("gone.txt", corpus / "moved.txt")
        result = self._load(corpus)
        assert _reason(result, corpus / "moved.txt") == "dangling symlink to gone.txt"

    def test_a_fifo_does_not_block(self, corpus):
        os.mkfifo(corpus / "pipe.txt")  # reading it would wait for a writer forever
        result = self._load(corpus)
        assert _reason(result, corpus / "pipe.txt") == "not a regular file"
        assert source_fingerprint([corpus])  # and the staleness check does not read it either

    def test_a_symlink_loop_in_a_directory(self, corpus):
        (corpus / "sub").mkdir()
        (corpus / "sub" / "d.txt").write_text("Dam repaired\n\nThe dam on the upper river was repaired in a week.")
        os.symlink("..", corpus / "sub" / "up")  # sub/up -> corpus, which holds sub
        os.symlink("self.txt", corpus / "self.txt")  # a link to itself
        result = self._load(corpus)
        assert "sub/d.txt" in [d.doc_id for d in result.documents]
        assert _reason(result, corpus / "sub" / "up") == "symlink loop or alias (directory already read)"
        assert _reason(result, corpus / "self.txt") == "symlink loop"
        assert len(result.skipped) == 2


def _load_without_root_powers(paths: list[Path]) -> dict[str, object]:
    """Load in a child process; as root, without the capabilities that bypass file permissions."""
    code = (
        "import json, sys\nfrom index.loaders import load_corpus\n"
        "r = load_corpus(sys.argv[1:])\n"
        "print(json.dumps({'docs': [d.doc_id for d in r.documents], 'skipped': [[s.name, s.reason] for s in r.skipped]}))"
    )
    command = [sys.executable, "-c", code, *map(str, paths)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, and setpriv (util-linux) is missing to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    process = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2])
    if process.returncode != 0 and "setpriv" in process.stderr:
        pytest.skip(f"running as root, and capabilities cannot be dropped here: {process.stderr.strip()}")
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_unreadable_permissions(write_corpus, good_articles):
    """chmod 000 on a file and a directory. Root ignores permissions, so as root the load runs in a
    child without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (setpriv), where they bite as for any user."""
    # Not tmp_path: pytest's base temp directory is private to its user, and the child may not be.
    with tempfile.TemporaryDirectory() as name:
        base = Path(name)
        base.chmod(0o755)
        corpus = write_corpus(base / "corpus")
        corpus.chmod(0o755)
        (corpus / "locked.txt").write_text("Locked\n\nThis article cannot be read by anyone but its owner.")
        (corpus / "locked.txt").chmod(0)
        (corpus / "private").mkdir()
        (corpus / "private" / "inner.txt").write_text("Inner\n\nNobody may list this directory.")
        (corpus / "private").chmod(0)
        try:
            result = _load_without_root_powers([corpus])
        finally:
            (corpus / "private").chmod(0o755)
    assert sorted(result["docs"]) == sorted(good_articles)
    assert sorted(map(tuple, result["skipped"])) == [
        (str(corpus / "locked.txt"), "cannot be read (Permission denied)"),
        (str(corpus / "private"), "directory cannot be read (Permission denied)"),
    ]


def test_everything_bad_at_once_is_summarised_once_each(
    tmp_path, corpus_dir, write_corpus, good_articles, fake_embedder
):
    """A corpus holding every bad case: the build indexes the good articles and names each bad one once."""
    corpus = corpus_dir
    bad = {
        "empty.txt": b"",
        "binary.txt": b"\x00\xff\xfe" * 100,
        "latin1.md": "Caf\u00e9".encode("latin-1"),
        "menu.html": ONLY_SCRIPTS_AND_NAV.encode(),
        "feed.jsonl": "\n".join(JSONL_LINES).encode(),
    }
    write_corpus(corpus, bad)
    with (corpus / "huge.txt").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    os.mkfifo(corpus / "pipe.txt")
    os.symlink("gone.txt", corpus / "dangling.txt")
    os.symlink(".", corpus / "loop")

    summary = build_index([corpus], tmp_path / "index", fake_embedder)

    assert summary.documents == len(good_articles) + 2  # j1 and j4 of the jsonl
    expected = {
        "empty.txt",
        "binary.txt",
        "latin1.md",
        "menu.html",
        "huge.txt",
        "pipe.txt",
        "dangling.txt",
        "loop",
        *(f"feed.jsonl:{n}" for n in (2, 3, 4, 5, 7)),
    }
    names = [Path(s.name).name for s in summary.skipped]
    assert sorted(names) == sorted(expected)
    text = summary.describe()
    assert f"skipped {len(expected)}: " in text
    for skipped in summary.skipped:
        assert text.count(f"{skipped.name}: ") == 1
