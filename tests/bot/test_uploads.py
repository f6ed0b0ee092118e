"""Uploaded documents: a file name can never write outside the corpus directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.bot.uploads import UploadRefused, check_upload, safe_file_name, save


class TestSafeFileName:
    @pytest.mark.parametrize(
        ("name", "safe"),
        [
            ("report.txt", "report.txt"),
            ("../../x.txt", "x.txt"),
            ("..\\..\\windows\\x.md", "x.md"),
            ("/etc/passwd.txt", "passwd.txt"),
            ("..", "article"),
            (".hidden.txt", "hidden.txt"),
            ("Élections à Paris (2024).HTML", "Elections_a_Paris_2024.html"),
            ("a\x00b.txt", "a_b.txt"),
            ("", "article"),
            (None, "article"),
            ("x" * 500 + ".jsonl", "x" * 100 + ".jsonl"),
        ],
    )
    def test_names(self, name: str | None, safe: str):
        assert safe_file_name(name) == safe


class TestCheckUpload:
    def test_allowed(self):
        assert check_upload("../a.jsonl", 10, 100) == "a.jsonl"

    @pytest.mark.parametrize(("name", "size", "reason"), [
        ("a.exe", 10, "not .exe"),
        ("a", 10, "files without an extension"),
        ("a.txt", 101, "the limit is"),
        ("a.txt", 0, "empty"),
    ])
    def test_refused(self, name: str, size: int, reason: str):
        with pytest.raises(UploadRefused, match=reason):
            check_upload(name, size, 100)


class TestSave:
    def test_saves_inside_the_directory_without_overwriting(self, tmp_path: Path):
        one, two = b"One\nThe first article says one thing.", b"Two\nThe second article says another."
        first = save(tmp_path / "corpus", "a.txt", one)
        second = save(tmp_path / "corpus", "a.txt", two)
        assert (first.name, second.name) == ("a.txt", "a-2.txt")
        assert first.read_bytes() == one and second.read_bytes() == two
        assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["a-2.txt", "a.txt"]  # no temporary left

    def test_a_file_that_gives_no_article_is_refused_and_removed(self, tmp_path: Path):
        with pytest.raises(UploadRefused, match=r"^Not added: a\.txt: binary file, not text\.$"):
            save(tmp_path / "corpus", "a.txt", b"\x00\x01\x02" * 100)
        assert list((tmp_path / "corpus").iterdir()) == []
