"""Time words in a question ("yesterday", "last week", "in March", "in 2019") as a date window.

`time_window(question, today)` finds the first time phrase of a question and returns the dates it
means, relative to `today`, with the question minus that phrase (the words left are what to search
for: an article of 2019 need not say "2019"). None when the question names no time.

What restricts, and what deliberately does not:
- Relative days and periods: "today", "yesterday", "the day before yesterday", "this week",
  "last week" (the calendar week before this one, Monday to Sunday), "this month", "last month",
  "this year", "last year"; rolling periods "the past week", "in the last 3 days", "over the past
  two months" (ending today); "3 days ago" (that day), "2 weeks ago" (that week), "a month ago".
- Months and dates: "in March" (the latest March that has begun), "last March", "in March 2019",
  "on March 3", "on 3 March 2019", "on 2019-03-03".
- Decades: "in the 1990s".
- Years, only after a time preposition: "in 2019", "during 2019", "since 2019", "before 2019",
  "after 2019", "until 2019", "from 2018 to 2020", "between 2018 and 2020". A year that names an
  event rather than when it was reported does not restrict: "the 2019 election", "in 2019 floods"
  (a word of content follows the year), "the floods of 2019". Coverage of the 2019 election runs
  into 2020, and the year stays a search term, which ranks the articles that mention it first.
- Never: numbers that are not plausible years ("in 300 days", "in 1500 homes" is a modifier, "in
  42"), weekday names (they date events inside articles, not the articles), "recently".
- "since", "after", "before", "until" give a window open at one end (`since` or `until` None).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from newsbot.index.language import MONTHS, NUMBER_WORDS


@dataclass(frozen=True)
class TimeWindow:
    """Articles dated `since` to `until`, inclusive (either may be None: open at that end)."""

    since: date | None
    until: date | None
    phrase: str  # the time phrase as the question wrote it
    question: str  # the question without it


Period = tuple[date, date]

# Words that may follow a year that dates the question ("in 2019 and …", "in 2019, who …"); any other
# word makes the year part of a name ("in 2019 floods"), which does not restrict.
FOLLOWERS = {
    "and", "or", "but", "in", "on", "at", "for", "to", "by", "with", "about", "from", "than", "as", "so", "when",
    "where", "who", "whom", "what", "which", "why", "how", "did", "do", "does", "was", "were", "is", "are", "has",
    "have", "had", "will", "would", "could", "should", "can", "the", "a", "an", "that", "this", "there", "then",
    "after", "before", "during", "until", "since", "according",
}
FIRST_YEAR = 1800

_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_NUMBER = r"(?P<count>\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + text + r"(?![\w-])", re.IGNORECASE)


class _Rule:
    """A phrase pattern and what it means, given the match and today."""

    def __init__(self, pattern: str, meaning: Callable[[re.Match[str], date], Period | None]) -> None:
        self.pattern = _pattern(pattern)
        self.meaning = meaning


def _week_of(day: date) -> Period:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _month_of(year: int, month: int) -> Period:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _year_of(year: int) -> Period:
    return date(year, 1, 1), date(year, 12, 31)


def _count(match: re.Match[str]) -> int:
    raw = " ".join(match.group("count").lower().split())
    return int(raw) if raw.isdigit() else NUMBER_WORDS[raw]


def _shift(today: date, unit: str, count: int) -> date:
    unit = unit.lower()
    if unit == "day":
        return today - timedelta(days=count)
    if unit == "week":
        return today - timedelta(weeks=count)
    if unit == "month":
        return today - relativedelta(months=count)
    return today - relativedelta(years=count)


def _relative(match: re.Match[str], today: date) -> Period | None:
    words = " ".join(match.group(0).lower().split()).replace("previous ", "last ")
    words = re.sub(r"^(?:in|during|on|within|over|for|from|since|after|before|until|till|by) ", "", words)
    if words in ("today", "tonight", "this morning", "this afternoon", "this evening"):
        return today, today
    if words == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if words == "the day before yesterday":
        return today - timedelta(days=2), today - timedelta(days=2)
    if words == "this week":
        return _week_of(today)[0], today
    if words == "last week":
        return _week_of(today - timedelta(days=7))
    if words == "this month":
        return today.replace(day=1), today
    if words == "last month":
        previous = today.replace(day=1) - timedelta(days=1)
        return _month_of(previous.year, previous.month)
    if words == "this year":
        return date(today.year, 1, 1), today
    if words == "last year":
        return _year_of(today.year - 1)
    return None


def _rolling(match: re.Match[str], today: date) -> Period | None:
    count = _count(match) if match.group("count") else 1
    if not 0 < count <= 1000:
        return None
    return _shift(today, match.group("unit"), count), today


def _ago(match: re.Match[str], today: date) -> Period | None:
    count = _count(match)
    if not 0 < count <= 1000:
        return None
    then = _shift(today, match.group("unit"), count)
    unit = match.group("unit").lower()
    if unit == "day":
        return then, then
    if unit == "week":
        return _week_of(then)
    if unit == "month":
        return _month_of(then.year, then.month)
    return _year_of(then.year)


def _plausible(year: int, today: date) -> bool:
    return FIRST_YEAR <= year <= today.year + 1


def _month_day(match: re.Match[str], today: date) -> Period | None:
    month = MONTHS[match.group("month").lower()]
    day = int(match.group("day"))
    year_text = match.groupdict().get("year")
    if year_text:
        year = int(year_text)
        if not _plausible(year, today):
            return None
    else:
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    return when, when


def _month(match: re.Match[str], today: date) -> Period | None:
    month = MONTHS[match.group("month").lower()]
    year_text = match.groupdict().get("year")
    if year_text:
        year = int(year_text)
        if not _plausible(year, today):
            return None
        return _month_of(year, month)
    which = (match.groupdict().get("which") or "").lower()
    if which == "this":
        return _month_of(today.year, month)
    if which == "last":  # the latest such month before this one
        return _month_of(today.year if month < today.month else today.year - 1, month)
    return _month_of(today.year if month <= today.month else today.year - 1, month)


def _iso(match: re.Match[str], today: date) -> Period | None:
    try:
        when = date.fromisoformat(match.group("iso"))
    except ValueError:
        return None
    return (when, when) if _plausible(when.year, today) else None


def _year(match: re.Match[str], today: date) -> Period | None:
    year = int(match.group("year"))
    return _year_of(year) if _plausible(year, today) else None


def _decade(match: re.Match[str], today: date) -> Period | None:
    first = int(match.group("decade"))
    return (date(first, 1, 1), date(first + 9, 12, 31)) if _plausible(first, today) else None


# A period with its preposition: "in", "during", "on", "of" keep it; the others open or close it.
_IN = r"(?:(?P<prep>in|during|on|within|over|for|from|since|after|before|until|till|by)\s+)?"
_IN_YEAR = r"(?P<prep>in|during|since|after|before|until|till)\s+"
PERIODS: list[_Rule] = [
    _Rule(_IN + r"(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|this\s+(?:morning|afternoon|evening))", _relative),
    _Rule(_IN + r"(?:the\s+)?(?:last|past|previous)\s+(?:" + _NUMBER + r"\s+)?" + _UNIT, _rolling),
    _Rule(_IN + r"(?:this|last|previous)\s+(?:week|month|year)", _relative),
    _Rule(_IN + _NUMBER + r"\s+" + _UNIT + r"\s+ago", _ago),
    _Rule(_IN + r"(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+" + _YEAR + ")?", _month_day),
    _Rule(_IN + _MONTH + r"\s+" + _DAY + r"(?:,?\s+" + _YEAR + ")?", _month_day),
    _Rule(_IN + _MONTH + r",?\s+" + _YEAR, _month),
    _Rule(r"(?P<prep>in|during|since|after|before|until|till)\s+(?:(?P<which>this|last)\s+)?" + _MONTH, _month),
    _Rule(r"(?P<which>this|last)\s+" + _MONTH, _month),
    _Rule(_IN + r"(?P<iso>\d{4}-\d{2}-\d{2})", _iso),
    _Rule(_IN_YEAR + _YEAR, _year),
    _Rule(_IN_YEAR + r"the\s+(?P<decade>\d{3}0)'?s", _decade),
]
_RANGE = _pattern(r"(?:between\s+(?P<a1>\d{4})\s+and\s+(?P<b1>\d{4})|from\s+(?P<a2>\d{4})\s+(?:to|until|till)\s+(?P<b2>\d{4})"
                  r"|in\s+(?P<a3>\d{4})\s+(?:and|or)\s+(?P<b3>\d{4}))")
# Rolling periods ("the past week") are not "in the past": "the" makes "last week" the last 7 days.
_CALENDAR_NOT_ROLLING = re.compile(r"^(?:in\s+)?(?:last|past|previous)\s+" + _UNIT + "$", re.IGNORECASE)


def time_window(question: str, today: date) -> TimeWindow | None:
    """The first time phrase of `question` as a date window relative to `today`, or None."""
    found: list[tuple[int, int, Period, str | None]] = []  # (start, end, period, preposition)
    for match in _RANGE.finditer(question):
        first = int(match.group("a1") or match.group("a2") or match.group("a3"))
        last = int(match.group("b1") or match.group("b2") or match.group("b3"))
        if _plausible(first, today) and _plausible(last, today) and first <= last and _ends_phrase(question, match.end()):
            found.append((match.start(), match.end(), (date(first, 1, 1), date(last, 12, 31)), None))
    for rule in PERIODS:
        for match in rule.pattern.finditer(question):
            if rule.meaning in (_year, _decade) and not _ends_phrase(question, match.end()):
                continue  # "in 2019 floods": the year names the floods
            named = match.groupdict()
            if rule.meaning in (_month, _month_day) and not (named.get("prep") or named.get("year") or named.get("which")):
                continue  # "the 5 may vote", "March 3 marchers": a bare month is too often another word
            if rule.meaning is _rolling and _CALENDAR_NOT_ROLLING.match(match.group(0)) and "past" not in match.group(0).lower():
                continue  # "last week" is the calendar week (a rule below); "the last week" is rolling
            period = rule.meaning(match, today)
            if period is not None:
                found.append((match.start(), match.end(), period, (match.groupdict().get("prep") or "").lower() or None))
    if not found:
        return None
    start, end, (since, until), prep = min(found, key=lambda f: (f[0], -f[1]))
    low: date | None = since
    high: date | None = until
    if prep in ("since",):
        high = None
    elif prep == "after":
        low, high = until + timedelta(days=1), None
    elif prep == "before":
        low, high = None, since - timedelta(days=1)
    elif prep in ("until", "till", "by"):
        low = None
    return TimeWindow(low, high, question[start:end], _without(question, start, end))


def _ends_phrase(text: str, end: int) -> bool:
    """True when what follows `end` is the end, punctuation or a function word: not a noun the year names."""
    rest = text[end:].lstrip()
    if not rest or not rest[0].isalnum():
        return not rest.startswith(("-", "'", "’"))  # "2019-20 season", "2019's election" name a thing
    word = re.match(r"[\w']+", rest)
    return word is not None and word.group().lower() in FOLLOWERS


def _without(question: str, start: int, end: int) -> str:
    """`question` minus [start, end), spaces and punctuation tidied ("in Paris last week?" -> "in Paris?")."""
    text = question[:start].rstrip() + " " + question[end:].lstrip()
    text = re.sub(r"\s+([?!.,;:])", r"\1", text.strip())
    text = re.sub(r"^[,;:]\s*", "", text)
    text = re.sub(r",\s*([?!.])", r"\1", text)
    return " ".join(text.split())
