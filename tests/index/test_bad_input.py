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

    def test_latin1_is_decoded_and_named(self, corpus):
        (corpus / "latin1.txt").write_bytes("Café opens\n\nThe café on the square opened on Monday.".encode("latin-1"))
        result = self._load(corpus)
        [cafe] = [d for d in result.documents if d.doc_id == "latin1.txt"]
        assert cafe.text == "The café on the square opened on Monday."
        assert [str(n) for n in result.notes] == [f"{corpus / 'latin1.txt'}: decoded as cp1252 (not UTF-8)"]
        assert result.skipped == []

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
        "import json, sys\nfrom newsbot.index.loaders import load_corpus\n"
        "r = load_corpus(sys.argv[1:])\n"
        "print(json.dumps({'docs': [d.doc_id for d in r.documents], 'skipped': [[s.name, s.reason] for s in r.skipped]}))"
    )
    command = [sys.executable, "-c", code, *map(str, paths)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, and setpriv (util-linux) is missing to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    process = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir())
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


BODY_11 = "The harbour reopened on Monday after storm repairs.\n\nFishing boats returned to the quay by noon."


class TestEncodings:
    """Issue 11: text in UTF-16/32 with a byte-order mark, or in a legacy encoding, is read, and named."""

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
    def test_a_byte_order_mark_says_how_to_read_the_file(self, tmp_path, encoding):
        raw = ("Harbour reopens\n\n" + BODY_11).encode(encoding)
        if encoding == "utf-16-be":
            raw = b"\xfe\xff" + raw
        (tmp_path / "a.txt").write_bytes(raw)
        result = load_corpus([tmp_path])
        [document] = result.documents
        assert (document.title, document.text) == ("Harbour reopens", BODY_11)
        assert result.skipped == [] and result.notes == []

    def test_a_utf16_jsonl_file(self, tmp_path):
        lines = [json.dumps({"id": f"r{n}", "text": BODY_11}, ensure_ascii=False) for n in (1, 2)]
        (tmp_path / "feed.jsonl").write_bytes("\n".join(lines).encode("utf-16"))
        result = load_corpus([tmp_path])
        assert [d.doc_id for d in result.documents] == ["r1", "r2"]
        assert result.skipped == []

    def test_cyrillic_in_cp1251(self, tmp_path):
        text = "Новости дня\n\nМэр города открыл новый мост через реку в понедельник утром."
        (tmp_path / "ru.txt").write_bytes(text.encode("cp1251"))
        result = load_corpus([tmp_path])
        assert result.documents[0].text == "Мэр города открыл новый мост через реку в понедельник утром."
        assert [n.note for n in result.notes] == ["decoded as cp1251 (not UTF-8)"]

    def test_a_latin1_jsonl_line_is_decoded_and_named(self, tmp_path):
        good = json.dumps({"id": "a", "text": BODY_11}).encode()
        latin = json.dumps({"id": "b", "text": "The café on the square opened on Monday."}, ensure_ascii=False).encode("latin-1")
        (tmp_path / "feed.jsonl").write_bytes(good + b"\n" + latin + b"\n")
        result = load_corpus([tmp_path])
        assert [d.text for d in result.documents][1] == "The café on the square opened on Monday."
        assert [str(n) for n in result.notes] == [f"{tmp_path / 'feed.jsonl'}:2: decoded as cp1252 (not UTF-8)"]


class TestJsonlFieldTypes:
    """Issue 11: a field of the wrong type refuses its record with a line; an int id is converted."""

    def _load(self, tmp_path: Path, *records: dict[str, object]) -> LoadResult:
        (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records))
        return load_corpus([tmp_path])

    def test_an_integer_id_becomes_its_digits(self, tmp_path):
        result = self._load(tmp_path, {"id": 12, "text": BODY_11})
        assert [d.doc_id for d in result.documents] == ["12"]

    @pytest.mark.parametrize(("record", "reason"), [
        ({"id": ["list", "id"], "text": BODY_11}, "id must be a string or an integer, not a list"),
        ({"id": True, "text": BODY_11}, "id must be a string or an integer, not true/false"),
        ({"id": 1.5, "text": BODY_11}, "id must be a string or an integer, not a number"),
        ({"text": ["a", "b"]}, "text must be a string, not a list"),
        ({"text": BODY_11, "title": {"en": "x"}}, "title must be a string, not an object"),
        ({"text": BODY_11, "date": 20260101}, "date must be a string, not a number"),
    ])
    def test_a_wrong_type_is_refused_and_named(self, tmp_path, record, reason):
        result = self._load(tmp_path, record)
        assert result.documents == []
        assert [(s.name, s.reason) for s in result.skipped] == [(f"{tmp_path / 'feed.jsonl'}:1", reason)]

    @pytest.mark.parametrize("value", ["yesterday", "2026-13-45"])
    def test_a_bad_date_is_named_and_the_article_kept(self, tmp_path, value):
        result = self._load(tmp_path, {"id": "a", "text": BODY_11, "date": value})
        assert [d.date for d in result.documents] == [""]
        assert [n.note for n in result.notes] == [f"date {value!r} is not a date (indexed without one)"]

    def test_a_bad_date_in_front_matter_is_named(self, tmp_path):
        (tmp_path / "a.md").write_text("---\ntitle: Harbour\ndate: someday\n---\n" + BODY_11)
        result = load_corpus([tmp_path])
        assert [n.note for n in result.notes] == ["date 'someday' is not a date (indexed without one)"]


class TestControlCharacters:
    """Issue 11: NUL and bidirectional controls never reach indexed or quoted text."""

    CONTROLS = "\x00\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"

    def test_removed_from_jsonl_text_and_title(self, tmp_path):
        text = "The harbour\u202e reopened\x00 on Monday after storm repairs.\u2066 Boats returned."
        (tmp_path / "feed.jsonl").write_text(json.dumps({"id": "a", "title": "Harbour\u202e news", "text": text}))
        [document] = load_corpus([tmp_path]).documents
        assert document.text == "The harbour reopened on Monday after storm repairs. Boats returned."
        assert document.title == "Harbour news"

    def test_removed_from_a_text_file_and_its_sentences(self, tmp_path):
        from newsbot.index.sentences import split_sentences

        noisy = " ".join(f"{c}{w}" for c, w in zip(self.CONTROLS, ["The", "harbour", "reopened", "on", "Monday", "after", "the", "long", "storm", "repairs", "ended", "."], strict=False))
        (tmp_path / "a.txt").write_bytes(f"Harbour\n\n{noisy} Boats returned.".encode())
        [document] = load_corpus([tmp_path]).documents
        assert not set(self.CONTROLS) & set(document.text)
        assert all(not set(self.CONTROLS) & set(s.text) for s in split_sentences(document.text))


class TestSymlinksOutOfTheCorpus:
    """Issue 11: a link that leaves the corpus directory is named, not followed."""

    def test_a_file_and_a_directory_outside_are_not_read(self, tmp_path):
        corpus, outside = tmp_path / "corpus", tmp_path / "outside"
        corpus.mkdir(), outside.mkdir()
        (corpus / "a.txt").write_text("Harbour reopens\n\n" + BODY_11)
        (outside / "secret.txt").write_text("Secret plans\n\nThe launch codes are kept in the blue folder.")
        os.symlink(outside / "secret.txt", corpus / "secret.txt")
        os.symlink(outside, corpus / "more")
        os.symlink("a.txt", corpus / "alias.txt")  # inside: followed (and read once)
        result = load_corpus([corpus])
        assert [d.doc_id for d in result.documents] == ["a.txt"]
        reasons = {Path(s.name).name: s.reason for s in result.skipped}
        outside_reason = "symlink out of the corpus directory (not followed)"
        assert reasons == {"more": outside_reason, "secret.txt": outside_reason, "alias.txt": reasons["alias.txt"]}
        assert "same file as" in reasons["alias.txt"]

    def test_the_summary_names_them_relative_to_the_corpus(self, tmp_path, fake_embedder):
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        (corpus / "a.txt").write_text("Harbour reopens\n\n" + BODY_11)
        (corpus / "b.txt").write_bytes("Café\n\nThe café on the square opened on Monday.".encode("latin-1"))
        os.symlink("/etc/hostname", corpus / "host.txt")
        summary = build_index([corpus], tmp_path / "index", fake_embedder)
        text = summary.describe(relative_to=[corpus])
        assert "host.txt: symlink out of the corpus directory (not followed)" in text
        assert "notes on 1: b.txt: decoded as cp1252 (not UTF-8)" in text
        assert str(tmp_path) not in text
