import pytest

from newsbot.index.answer_types import (
    AnswerType,
    asked_noun,
    counted_thing,
    counts_after_number,
    has_type,
    is_list_question,
    main_clause,
    names_asked_noun,
    question_type,
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who attended the talks?", AnswerType.PERSON),
        ("When did the meeting start?", AnswerType.DATE),
        ("In what year was it founded?", AnswerType.DATE),
        ("What year was it founded?", AnswerType.DATE),
        ("How many people died?", AnswerType.NUMBER),
        ("How much did it cost?", AnswerType.NUMBER),
        ("Where did they meet?", AnswerType.PLACE),
        ("In which Paris suburb did the attacker live?", AnswerType.PLACE),
        ("which village flooded", AnswerType.PLACE),
        ("Why did the talks fail?", AnswerType.REASON),
        ("what set off the stampede", AnswerType.REASON),
        ("What was the cause of the fire?", AnswerType.REASON),
        ("Who caused the fire?", AnswerType.PERSON),
        ("How did the talks end?", AnswerType.OTHER),
    ],
)
def test_question_type(question, expected):
    assert question_type(question) is expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who attended the Kuala Lumpur talks?", True),
        ("Which chains closed stores?", True),
        ("List the winners.", True),
        ("Who is the president?", False),
        ("What is the capital?", False),
    ],
)
def test_list_questions(question, expected):
    assert is_list_question(question) is expected


def test_has_type_ignores_what_the_question_names():
    question = "Who met Robert Gallucci?"
    assert has_type("Leon Sigal met him in Kuala Lumpur.", AnswerType.PERSON, question)
    assert not has_type("He met Robert Gallucci.", AnswerType.PERSON, question)
    assert has_type("It happened on March 3, 2019.", AnswerType.DATE, "When did it happen?")
    assert has_type("About 3,000 people came.", AnswerType.NUMBER, "How many came?")
    assert not has_type("Nobody came.", AnswerType.NUMBER, "How many came?")


def test_a_count_question_wants_a_number_of_what_it_counts():
    question = "how many iphone 4 pre-orders did apple take on the first day"
    assert has_type("Apple took 600,000 pre-orders on the first day.", AnswerType.NUMBER, question)
    assert not has_type("The iPhone 4 was shown at WWDC on June 7.", AnswerType.NUMBER, question)
    assert has_type("A crew of three died.", AnswerType.NUMBER, "How many people died?")  # any count counts people


def test_what_the_questions_acronym_stands_for_is_not_another_thing():
    question = "What model of helicopter, under contract to PG&E, crashed near Fairfield?"
    assert not has_type("A helicopter under contract to Pacific Gas and Electric crashed near Fairfield.", AnswerType.ENTITY, question)
    assert has_type("The Bell 206 came down near Fairfield.", AnswerType.ENTITY, question)
    assert not has_type("A helicopter under contract to Pacific Gas and Electric crashed.", AnswerType.ENTITY, question.lower())
    assert has_type("It was hosted by Andrew Marr today.", AnswerType.PERSON, "who spoke at 9 a.m. on Monday?")  # no initials


def test_a_weekday_or_month_is_no_named_thing():
    assert not has_type("The show aired on Tuesday.", AnswerType.ENTITY, "Which show aired?")
    assert not has_type("He resigned in March.", AnswerType.PERSON, "Who resigned?")
    assert has_type("On Tuesday Anna Berg resigned.", AnswerType.PERSON, "Who resigned?")


def test_a_title_before_the_asked_persons_name_is_not_another_person():
    question = "who replaced robert nardelli as chrysler ceo"
    assert not has_type("Chrysler Chief Executive Robert Nardelli will step down.", AnswerType.PERSON, question)
    assert has_type("Chief Executive Robert Nardelli handed over to Sergio Marchionne.", AnswerType.PERSON, question)
    assert not has_type("Robert Nardelli's successor was not named.", AnswerType.PERSON, question)
    assert has_type("He was succeeded by his brother Raul Castro.", AnswerType.PERSON, "who succeeded Fidel Castro?")
    assert has_type("The team was led by Ivan Taylor.", AnswerType.PERSON, "WHO LED IT")  # shouted, no acronym


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Cloud9 beat Immortals 16-14 in the final.", True),
        ("Immortals won 3–1.", True),
        ("The final ended 2 to 1.", True),
        ("The Brazilian team won the championship and $50,000.", False),  # a number, not a score
        ("The final was played on 2016-09-04 at 12:20.", False),  # a date and a time
    ],
)
def test_scores(sentence, expected):
    assert has_type(sentence, AnswerType.NUMBER, "What was the final score?") is expected


@pytest.mark.parametrize(
    ("sentence", "question", "expected"),
    [
        ("K2-18b is about 110 light-years from Earth.", "How far from Earth is K2-18b?", True),
        ("A year on K2-18b lasts 33 Earth days.", "How far from Earth is K2-18b?", False),  # a number, not a distance
        ("The boat sank 3 nautical miles off the coast.", "how far off the coast did it sink", True),
        ("He was 82 years old.", "How old was Iyambo when he died?", True),
        ("Iyambo, 82, died on Sunday.", "How old was Iyambo when he died?", True),
        ("He died on Sunday after 4 terms in office.", "How old was Iyambo when he died?", False),
        ("The 82-year-old died on Sunday.", "At what age did he die?", True),
    ],
)
def test_distances_and_ages(sentence, question, expected):
    assert has_type(sentence, AnswerType.NUMBER, question) is expected


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("How many individual monarch butterflies were counted in Mexico?", "individual monarch butterflies"),
        ("how many iphone 4 pre-orders did apple take on the first day??", "iphone 4 pre-orders"),
        ("How many people died", "people"),
        ("How many did the epidemic kill?", ""),  # the count's object is not named
        ("How many of the remaining launches failed?", "remaining launches"),
        ("How many courses must students take?", "courses"),
        ("What did they count?", ""),
        ("how many US (United States) troops were killed", "US troops"),  # the normaliser's spelled-out forms
    ],
)
def test_counted_thing(question, thing):
    assert counted_thing(question) == thing


def test_counts_after_number():
    words = counts_after_number("Apple took 600,000 pre-orders on the first day; few complained.")
    assert "pre-orders" in words and "complained" in words and "apple" not in words
    assert "yard" in counts_after_number("Gano kicked a 39-yard field goal.")
    assert "years" in counts_after_number("He served 10 years as vice-president.")
    assert counts_after_number("He was 82 years old.") == []  # an age counts no years of anything
    assert counts_after_number("The 82-year-old died.") == []
    assert counts_after_number("The party members met the city council.") == []  # "-ty" words are not all numbers
    assert "cars" in counts_after_number("Twenty-five people and thirteen cars.")
    assert "frosts" in counts_after_number("few late frosts") and counts_after_number("few late frosts", exact=True) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("PG&E cut power to reduce the risk of wildfires.", True),
        ("The talks failed because neither side would move.", True),
        ("Officials blamed luggage that fell from a bus.", True),
        ("PG&E began turning off electricity for customers on Wednesday.", False),
    ],
)
def test_reasons(sentence, expected):
    assert has_type(sentence, AnswerType.REASON, "Why did PG&E switch off the power?") is expected


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Which hospital treated the 25 people hurt in the earthquake?", "hospital"),
        ("what tv show was bill de blasio on when he quit", "show"),
        ("which port did the tanker sail from", "port"),
        ("which canadian car parts company was GM going to sell opel to", "company"),
        ("What kind of personality was he known for?", "personality"),
        ("Who won the final?", ""),
        ("what did the company do", ""),
        ("what else did he say", ""),
        ("What year did it open?", ""),
    ],
)
def test_asked_noun(question, noun):
    assert asked_noun(question) == noun


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Madrid District Hospital in the town of Madrid treated 25 wounded people.", True),
        ("The wounded were taken to hospitals in Manila.", False),  # where they are, not which
        ("The hospital said 25 people were treated.", False),
        ("Surigao Hospital staff treated them.", False),  # the name the question already gives
        ("The hospital said it was full.", False),
        ("He was taken to hospital, Reuters reported.", False),  # the name ends at the comma
    ],
)
def test_names_asked_noun(sentence, expected):
    question = "Which hospital treated the people hurt in the Surigao earthquake?"
    assert names_asked_noun(sentence, "hospital", question) is expected


def test_which_x_asks_for_a_named_x_whatever_clause_follows():
    assert question_type("Which Saturn models were covered when Penske was picked to buy the unit?") is AnswerType.ENTITY
    assert question_type("which of them won") is AnswerType.OTHER
    assert question_type("which year did it open") is AnswerType.DATE
    assert question_type("What films did she make?") is AnswerType.ENTITY


@pytest.mark.parametrize(
    ("question", "main"),
    [
        ("After Valeska Paris left the ship in 2007, where was she sent?", "where was she sent?"),
        ("The prop plane was built in 1977. What model was it?", "What model was it?"),
        ("Who attended the talks?", "Who attended the talks?"),
        ("When did Mr. Obama visit St. Louis?", "When did Mr. Obama visit St. Louis?"),
        ("What did the U.S. Army do at 9 a.m. Monday?", "What did the U.S. Army do at 9 a.m. Monday?"),
        ("When did Apple Inc. announce it?", "When did Apple Inc. announce it?"),
        ("Who founded Yahoo! in 1994?", "Who founded Yahoo! in 1994?"),
    ],
)
def test_main_clause(question, main):
    assert main_clause(question) == main
