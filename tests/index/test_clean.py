from pathlib import Path

import pytest

from newsbot import corpus
from newsbot.index.clean import clean_text, is_furniture
from newsbot.index.loaders import parse_text

SEED = Path(corpus.__file__).parent / "000_c6ef9f310a582ef5.txt"
SEED_FURNITURE = (
    "Home > National > Politics",
    "print dictionary print",
    "Log in to Twitter or Facebook account to connect",
    "with the Korea JoongAng Daily",
    "help-image Social comment?",
    "lock icon",
    "To write comments, please log in to one of the accounts.",
    "Standards Board Policy (0/250자)",
)


@pytest.fixture(scope="module")
def raw() -> str:
    return SEED.read_text(encoding="utf-8")


class TestSeedArticle:
    def test_furniture_is_removed(self, raw):
        text = parse_text(raw, SEED.name).text
        for line in SEED_FURNITURE:
            assert line in raw  # the seed still carries it
            assert line not in text
        assert "(0/250자)" not in text

    def test_every_article_paragraph_is_kept_verbatim_and_nothing_else(self, raw):
        body = raw.split("\n---\n", 1)[1]
        # The seed's article paragraphs are its only blocks of 20 words or more.
        paragraphs = [p.strip() for p in body.split("\n\n") if len(p.split()) >= 20]
        assert len(paragraphs) == 9
        assert parse_text(raw, SEED.name).text == "\n\n".join(paragraphs)

    def test_title_and_source_come_from_the_front_matter(self, raw):
        document = parse_text(raw, SEED.name)
        assert document.title == "North Korean and U.S. officials hold two-day meeting"
        assert document.source == "Korea JoongAng Daily"


class TestIsFurniture:
    @pytest.mark.parametrize(
        "line",
        [
            *SEED_FURNITURE[:3],
            *SEED_FURNITURE[4:],
            "Home / World",
            "Share this article",
            "Tweet",
            "Email",
            "Advertisement",
            "Read more:",
            "Click here to subscribe",
            "Subscribe to our newsletter",
            "Sign up for our daily newsletter.",
            "Please log in to comment.",
            "We use cookies to improve your experience. By continuing you accept our cookie policy.",
            "© 2016 Korea JoongAng Daily",
            "Copyright 2016 Korea JoongAng Daily. All rights reserved.",
            "All rights reserved.",
            "Categories: Politics, Asia",
            "Tags: North Korea, nuclear",
            "Comments (12)",
            "Related articles",
        ],
    )
    def test_page_furniture(self, line):
        assert is_furniture(line)

    @pytest.mark.parametrize(
        "line",
        [
            "Hackers used stolen passwords to log in to Google accounts of 500 officials.",
            "Users who sign up for Facebook must be at least 13 years old.",
            "Facebook updated its community guidelines on Tuesday after the vote.",
            "Share prices fell 3% on Monday.",
            "Comments from the minister were brief.",
            "The bakery sells cookies that use local butter.",
            "Copyright lawyers argued that the law was never meant to cover software.",
            "Email records show the mayor knew of the leak.",
            "The council declined to add comment on the plan.",
            "Voters had to sign in to the register at the polling station before they could vote.",
            "Sigal told reporters there that the North Korean team demanded talks.",
        ],
    )
    def test_article_prose_with_the_same_words_is_kept(self, line):
        assert not is_furniture(line)


class TestCleanText:
    def test_hard_wrapped_paragraph_keeps_its_short_last_line(self):
        text = "The minister said the talks would resume in the spring, after\nthe election.\n\nHome > World"
        assert clean_text(text) == "The minister said the talks would resume in the spring, after\nthe election."

    def test_a_sources_block_at_the_end_is_cut(self):
        text = "The bridge opened on Tuesday after two years of work.\n\nSources:\n\nCity council press release."
        assert clean_text(text) == "The bridge opened on Tuesday after two years of work."

    def test_repeated_title_and_short_fragments_are_dropped(self):
        text = "Bridge opens\n\nBy Staff Reporter\n\nThe bridge opened on Tuesday after two years of work."
        assert clean_text(text, title="Bridge opens") == "The bridge opened on Tuesday after two years of work."

    def test_windows_line_endings(self):
        assert clean_text("The bridge opened on Tuesday.\r\n\r\nHome > News\r\n") == "The bridge opened on Tuesday."
