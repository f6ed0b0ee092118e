import pytest
from newsbot.index.answer_types import AnswerType, has_type, is_list_question, question_type


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
        ("Why did the talks fail?", AnswerType.OTHER),
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
