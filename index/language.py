"""The question language newsbot reads, each vocabulary defined once: words, months and weekdays,
number words, question words and "how many/much".

Everything that reads a question or a sentence by pattern (normalisation, the answer check, time
words, the lexical index) takes its words from here, so a month or a question word added here is
known everywhere at once.
"""

from __future__ import annotations

import re

# A word: letters and digits, joined by inner hyphens and apostrophes ("mil-spec", "O’Neill").
WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

# Month names, and each name and abbreviation (lower case) with the month's number.
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "", "jun", "jul", "aug", "sept sep", "oct", "nov", "dec")
MONTHS: dict[str, int] = {
    name: number
    for number, (full, short) in enumerate(zip(MONTH_NAMES, _ABBREVIATIONS, strict=True), start=1)
    for name in (full, *short.split())
}
# A regular expression alternative for any month name or abbreviation (match it case-insensitively).
MONTH_PATTERN = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_PATTERN = "(?:" + "|".join(WEEKDAYS) + ")"

# Small numbers as words, for "two weeks ago", "a couple of days".
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3, "couple of": 2}  # fmt: skip

# The words that ask, and the "many"/"much" of "how many/much" (the asking, not what is asked about).
WH_WORDS = ("what", "when", "where", "which", "who", "whom", "whose", "why", "how")
COUNTING = ("many", "much")
QUESTION_WORDS = (*WH_WORDS, *COUNTING)
HOW_MANY_MUCH = re.compile(r"\bhow\s+(?:many|much)\b", re.IGNORECASE)
