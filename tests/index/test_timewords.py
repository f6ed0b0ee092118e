"""Time words in questions as date windows, relative to a fixed today (Sunday 29 November 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from newsbot.index.timewords import time_window

TODAY = date(2026, 11, 29)  # a Sunday
D = date


def window(question: str, today: date = TODAY) -> tuple[date | None, date | None, str] | None:
    found = time_window(question, today)
    return None if found is None else (found.since, found.until, found.question)


class TestRelativeDays:
    @pytest.mark.parametrize(("question", "since", "until", "rest"), [
        ("What happened yesterday?", D(2026, 11, 28), D(2026, 11, 28), "What happened?"),
        ("Who resigned today?", TODAY, TODAY, "Who resigned?"),
        ("What did the mayor say this morning?", TODAY, TODAY, "What did the mayor say?"),
        ("What happened the day before yesterday?", D(2026, 11, 27), D(2026, 11, 27), "What happened?"),
        ("Any news from yesterday about the strike?", D(2026, 11, 28), D(2026, 11, 28), "Any news about the strike?"),
        ("Yesterday, who won the vote?", D(2026, 11, 28), D(2026, 11, 28), "who won the vote?"),
    ])
    def test_days(self, question, since, until, rest):
        assert window(question) == (since, until, rest)


class TestPeriods:
    @pytest.mark.parametrize(("question", "since", "until", "rest"), [
        # Calendar periods: "last week" is the week before this one, Monday to Sunday.
        ("What happened in Paris last week?", D(2026, 11, 16), D(2026, 11, 22), "What happened in Paris?"),
        ("Who spoke this week?", D(2026, 11, 23), TODAY, "Who spoke?"),
        ("What did the council decide this month?", D(2026, 11, 1), TODAY, "What did the council decide?"),
        ("What did the council decide last month?", D(2026, 10, 1), D(2026, 10, 31), "What did the council decide?"),
        ("Who won the league last year?", D(2025, 1, 1), D(2025, 12, 31), "Who won the league?"),
        ("How many storms this year?", D(2026, 1, 1), TODAY, "How many storms?"),
        ("What happened previous week?", D(2026, 11, 16), D(2026, 11, 22), "What happened?"),
        # Rolling periods end today.
        ("Who resigned in the past week?", D(2026, 11, 22), TODAY, "Who resigned?"),
        ("Who resigned in the last week?", D(2026, 11, 22), TODAY, "Who resigned?"),
        ("What happened the previous week?", D(2026, 11, 22), TODAY, "What happened?"),
        ("Who resigned in the last 3 days?", D(2026, 11, 26), TODAY, "Who resigned?"),
        ("Floods over the past two months?", D(2026, 9, 29), TODAY, "Floods?"),
        ("What changed in the past few days?", D(2026, 11, 26), TODAY, "What changed?"),
        ("Prices in the last couple of years", D(2024, 11, 29), TODAY, "Prices"),
        ("Who was elected last 10 days", D(2026, 11, 19), TODAY, "Who was elected"),
        # "ago": the day, week, month or year it lands in.
        ("What happened 3 days ago?", D(2026, 11, 26), D(2026, 11, 26), "What happened?"),
        ("What happened two weeks ago?", D(2026, 11, 9), D(2026, 11, 15), "What happened?"),
        ("What happened a month ago?", D(2026, 10, 1), D(2026, 10, 31), "What happened?"),
        ("What happened five years ago?", D(2021, 1, 1), D(2021, 12, 31), "What happened?"),
    ])
    def test_periods(self, question, since, until, rest):
        assert window(question) == (since, until, rest)

    def test_last_month_in_january_is_december_of_the_year_before(self):
        assert window("last month", D(2026, 1, 15))[:2] == (D(2025, 12, 1), D(2025, 12, 31))

    def test_a_month_ago_from_the_31st(self):
        assert window("a month ago", D(2026, 3, 31))[:2] == (D(2026, 2, 1), D(2026, 2, 28))


class TestMonthsAndDates:
    @pytest.mark.parametrize(("question", "since", "until", "rest"), [
        ("What did he say in March?", D(2026, 3, 1), D(2026, 3, 31), "What did he say?"),
        ("What happened in December?", D(2025, 12, 1), D(2025, 12, 31), "What happened?"),  # not begun this year
        ("What happened in November?", D(2026, 11, 1), D(2026, 11, 30), "What happened?"),
        ("What happened in may?", D(2026, 5, 1), D(2026, 5, 31), "What happened?"),
        ("Who won last March?", D(2026, 3, 1), D(2026, 3, 31), "Who won?"),
        ("Who won in March 2019?", D(2019, 3, 1), D(2019, 3, 31), "Who won?"),
        ("Who won in Sept. 2019?", D(2019, 9, 1), D(2019, 9, 30), "Who won?"),
        ("Who won on 3 March 2019?", D(2019, 3, 3), D(2019, 3, 3), "Who won?"),
        ("Who won on the 3rd of March?", D(2026, 3, 3), D(2026, 3, 3), "Who won?"),
        ("Who won on March 3, 2019?", D(2019, 3, 3), D(2019, 3, 3), "Who won?"),
        ("Who won on December 25?", D(2025, 12, 25), D(2025, 12, 25), "Who won?"),
        ("Who won on 2024-02-28?", D(2024, 2, 28), D(2024, 2, 28), "Who won?"),
    ])
    def test_months_and_dates(self, question, since, until, rest):
        assert window(question) == (since, until, rest)

    @pytest.mark.parametrize("question", [
        "How many of the 5 may vote?",  # "may" the verb
        "Will the march go ahead?",
        "Who won on February 30?",  # no such day
        "Who won on 2024-02-30?",
        "What happened on Monday?",  # weekdays date events inside articles, not the articles
        "What happened recently?",
    ])
    def test_not_dates(self, question):
        assert window(question) is None


class TestYears:
    @pytest.mark.parametrize(("question", "since", "until", "rest"), [
        ("Who won the election in 2019?", D(2019, 1, 1), D(2019, 12, 31), "Who won the election?"),
        ("In 2019, who won?", D(2019, 1, 1), D(2019, 12, 31), "who won?"),
        ("in 2019 who won", D(2019, 1, 1), D(2019, 12, 31), "who won"),
        ("What happened during 2020 in Paris?", D(2020, 1, 1), D(2020, 12, 31), "What happened in Paris?"),
        ("How many strikes since 2019?", D(2019, 1, 1), None, "How many strikes?"),
        ("How many strikes after 2019?", D(2020, 1, 1), None, "How many strikes?"),
        ("How many strikes before 2019?", None, D(2018, 12, 31), "How many strikes?"),
        ("How many strikes until 2019?", None, D(2019, 12, 31), "How many strikes?"),
        ("Who led between 2018 and 2020?", D(2018, 1, 1), D(2020, 12, 31), "Who led?"),
        ("Who led from 2018 to 2020?", D(2018, 1, 1), D(2020, 12, 31), "Who led?"),
        ("Who led in 2018 and 2020?", D(2018, 1, 1), D(2020, 12, 31), "Who led?"),
        ("What changed in the 1990s?", D(1990, 1, 1), D(1999, 12, 31), "What changed?"),
        ("Who won in 2027?", D(2027, 1, 1), D(2027, 12, 31), "Who won?"),  # next year: plausible, if empty
    ])
    def test_years_after_a_time_preposition(self, question, since, until, rest):
        assert window(question) == (since, until, rest)

    @pytest.mark.parametrize("question", [
        # The year names an event; coverage runs past it, and the year stays a search term.
        "What happened in the 2019 election?",
        "Who died in 2019 floods?",
        "What happened in 2019's election?",
        "Who won the 2019-20 season?",
        "Recall the floods of 2019",
        "Who won in the 1990s economy debate?",
        # Numbers that are not years.
        "What will happen in 300 days?",
        "Were there fires in 1500 homes?",
        "Is it in 42?",
        "Who lived in 1066?",  # before any news corpus
        "What happens in 2099?",  # far future
        "How many in 12345?",
        "What about 2019?",  # no time preposition
        "Between 2020 and 2018 who led?",  # backwards: no window
    ])
    def test_years_that_do_not_restrict(self, question):
        assert window(question) is None


class TestShape:
    def test_no_time_words(self):
        assert time_window("Who attended the Kuala Lumpur talks?", TODAY) is None

    def test_the_first_phrase_wins_and_the_phrase_is_reported(self):
        found = time_window("What did they say yesterday about last week?", TODAY)
        assert found is not None
        assert (found.phrase, found.since, found.question) == ("yesterday", D(2026, 11, 28), "What did they say about last week?")

    def test_words_inside_other_words_are_not_time_words(self):
        assert time_window("Who is the todayshow host?", TODAY) is None
        assert time_window("Who won the mayday-parade?", TODAY) is None

    def test_a_question_that_is_only_a_time_phrase_leaves_nothing(self):
        found = time_window("yesterday?", TODAY)
        assert found is not None and found.question == "?"
