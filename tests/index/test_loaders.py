import json
import os

import pytest

from newsbot.index.loaders import BadArticle, load_corpus, parse_html, parse_record, parse_text

BODY = "The harbour reopened on Monday after storm repairs.\n\nFishing boats returned to their moorings by noon."


class TestParseText:
    def test_front_matter_gives_the_metadata(self):
        text = (
            "---\ntitle: Harbour reopens\nsource: Coast News\ndate: October 23, 2016\n"
            'url: "https://example.org/harbour"\n---\n' + BODY
        )
        document = parse_text(text, "harbour.txt")
        assert document.doc_id == "harbour.txt"
        assert document.title == "Harbour reopens"
        assert document.source == "Coast News"
        assert document.date == "2016-10-23"
        assert document.url == "https://example.org/harbour"
        assert document.text == BODY

    def test_without_front_matter_the_first_line_is_the_title(self):
        document = parse_text("Harbour reopens\n\n" + BODY, "h.txt")
        assert document.title == "Harbour reopens"
        assert document.text == BODY
        assert (document.source, document.url, document.date) == ("", "", "")

    def test_a_single_line_is_the_article_not_a_title(self):
        line = "The harbour reopened on Monday after storm repairs lasting three weeks."
        document = parse_text(line, "one.txt")
        assert document.text == line
        assert document.title == "The harbour reopened on Monday after storm repairs lasting three…"

    def test_a_repeated_title_is_not_article_text(self):
        document = parse_text("Harbour reopens\n\nHarbour reopens\n\n" + BODY, "h.txt")
        assert document.text == BODY

    def test_markdown_keeps_the_words_of_links_and_emphasis(self):
        text = (
            "---\ntitle: Harbour reopens\n---\n# Harbour reopens\n\n"
            "The **harbour** reopened on [Monday](https://example.org/m) after repairs.\n\n"
            "![a boat](boat.png)\n\n> Fishing boats returned to their moorings by noon.\n"
        )
        document = parse_text(text, "h.md", markdown=True)
        assert document.text == (
            "The harbour reopened on Monday after repairs.\n\nFishing boats returned to their moorings by noon."
        )

    def test_markdown_subheadings_do_not_join_the_paragraph_before(self):
        text = "# Harbour reopens\n\nThe harbour reopened on Monday.\n\n## Repairs\n\nThe quay was rebuilt in steel.\n"
        document = parse_text(text, "h.md", markdown=True)
        assert document.text == "The harbour reopened on Monday.\n\nThe quay was rebuilt in steel."

    def test_only_furniture_is_refused(self):
        with pytest.raises(BadArticle, match="no article text"):
            parse_text("Harbour reopens\n\nHome > News > Local\n\nprint dictionary print\n", "h.txt")


class TestParseHtml:
    def test_main_text_and_title_without_scripts_or_navigation(self):
        html = """<html><head><title>Harbour reopens | Coast News</title>
        <script>var tracker = "Breaking: tracking code";</script></head>
        <body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
        <article><h1>Harbour reopens</h1>
        <p>The harbour reopened on Monday after storm repairs that lasted three weeks and cost the town dearly.</p>
        <p>Fishing boats returned to their moorings by noon, and the harbour master thanked the volunteers.</p>
        </article><footer>Copyright 2016 Coast News</footer><script>alert("popup");</script></body></html>"""
        document = parse_html(html, "h.html")
        assert "Harbour reopens" in document.title
        assert "The harbour reopened on Monday after storm repairs" in document.text
        assert "Fishing boats returned to their moorings by noon" in document.text
        for noise in ("tracking code", "alert", "Sport", "Copyright"):
            assert noise not in document.text

    def test_a_page_without_an_article_is_refused(self):
        with pytest.raises(BadArticle, match="no article text"):
            parse_html("<html><body><script>var x = 1;</script><nav>Home News</nav></body></html>", "x.html")


class TestParseRecord:
    def test_fields(self):
        record = {
            "id": "w1",
            "title": "Harbour reopens",
            "text": BODY,
            "source": "Wikinews",
            "url": "u",
            "date": "2016-10-23",
        }
        document = parse_record(record, default_id="f.jsonl:1")
        assert (document.doc_id, document.title, document.source, document.url, document.date) == (
            "w1",
            "Harbour reopens",
            "Wikinews",
            "u",
            "2016-10-23",
        )
        assert document.text == BODY

    def test_missing_id_title_and_date(self):
        document = parse_record({"text": BODY}, default_id="f.jsonl:7")
        assert document.doc_id == "f.jsonl:7"
        assert document.title == "The harbour reopened on Monday after storm repairs. Fishing boats…"
        assert document.date == ""

    @pytest.mark.parametrize("value", ["sometime soon-ish", "2024-13-45", "2016-02-30T10:00:00Z"])
    def test_a_date_that_is_not_a_date_is_dropped_not_fatal(self, value):
        assert parse_record({"text": BODY, "date": value}, default_id="x").date == ""

    @pytest.mark.parametrize("value", ["2016-10-23T10:00:00Z", "October 23, 2016", "23 Oct 2016"])
    def test_dates_in_other_forms(self, value):
        assert parse_record({"text": BODY, "date": value}, default_id="x").date == "2016-10-23"

    @pytest.mark.parametrize("record", [{}, {"text": ""}, {"text": "   "}])
    def test_no_text_is_refused(self, record):
        with pytest.raises(BadArticle, match="no text"):
            parse_record(record, default_id="x")


class TestLoadCorpus:
    def test_every_format_in_a_directory(self, tmp_path):
        (tmp_path / "a.txt").write_text("Harbour reopens\n\n" + BODY)
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "b.md").write_text("# Boats return\n\n" + BODY)
        (tmp_path / "c.html").write_text(
            "<html><head><title>Harbour</title></head><body><article><p>"
            + BODY.replace("\n\n", "</p><p>")
            + " The quay was repainted in blue and white for the occasion.</p></article></body></html>"
        )
        (tmp_path / "d.jsonl").write_text(
            json.dumps({"id": "j1", "title": "One", "text": BODY})
            + "\n"
            + json.dumps({"id": "j2", "title": "Two", "text": BODY})
            + "\n"
        )
        (tmp_path / "notes.csv").write_text("ignored, not an article type")
        (tmp_path / ".hidden.txt").write_text("Hidden\n\n" + BODY)
        result = load_corpus([tmp_path])
        assert sorted(d.doc_id for d in result.documents) == ["a.txt", "c.html", "j1", "j2", "sub/b.md"]
        assert result.skipped == []

    def test_a_file_given_directly(self, tmp_path):
        (tmp_path / "a.txt").write_text("Harbour reopens\n\n" + BODY)
        result = load_corpus([tmp_path / "a.txt"])
        assert [d.doc_id for d in result.documents] == ["a.txt"]

    def test_same_name_under_two_roots_keeps_both(self, tmp_path):
        for root in ("one", "two"):
            (tmp_path / root).mkdir()
            (tmp_path / root / "a.txt").write_text(f"Harbour reopens in {root}\n\n" + BODY)
        result = load_corpus([tmp_path / "one", tmp_path / "two"])
        assert [d.doc_id for d in result.documents] == ["a.txt", str(tmp_path / "two" / "a.txt")]
        assert result.skipped == []

    def test_a_file_read_through_two_paths_is_read_once(self, tmp_path):
        (tmp_path / "a.txt").write_text("Harbour reopens\n\n" + BODY)
        os.symlink("a.txt", tmp_path / "b.txt")
        result = load_corpus([tmp_path, tmp_path / "a.txt"])
        assert [d.doc_id for d in result.documents] == ["a.txt"]
        assert [s.name for s in result.skipped] == [str(tmp_path / "b.txt"), str(tmp_path / "a.txt")]
        assert all("same file as" in s.reason for s in result.skipped)

    def test_a_missing_path_is_named(self, tmp_path):
        result = load_corpus([tmp_path / "nope"])
        assert [(s.name, s.reason) for s in result.skipped] == [(str(tmp_path / "nope"), "no such file or directory")]

    def test_an_unsupported_file_given_directly_is_named(self, tmp_path):
        (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
        result = load_corpus([tmp_path / "a.pdf"])
        assert [s.reason for s in result.skipped] == ["unsupported file type .pdf"]
