"""Every size a client controls has a limit, and passing it is a clear 400 naming the field."""

import pytest

from arsnova.schemas.answer import MAX_FREETEXT
from arsnova.schemas.question import MAX_POSSIBLE_ANSWERS
from tests.conftest import expect_error
from tests.helpers import answers_of, create_question, questions_path

OPTION = {"text": "option", "correct": False}


def question(**fields) -> dict:
    options = [{"text": "yes"}, {"text": "no"}]
    return {"questionType": "mc", "subject": "S", "text": "T", "possibleAnswers": options, **fields}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (question(subject="s" * 201), "subject"),
        (question(text="t" * 5001), "text"),
        (question(possibleAnswers=[OPTION] * (MAX_POSSIBLE_ANSWERS + 1)), "possibleAnswers"),
        (question(possibleAnswers=[OPTION] * 20_000), "possibleAnswers"),
        (question(possibleAnswers=[{"text": "o" * 501}]), "possibleAnswers"),
        (question(number=10**30), "number"),
        (question(duration=-1), "duration"),
        (question(subject=["nested"] * 10_000), "subject"),
        (question(extra={"a": [[[[[[[[[[{}]]]]]]]]]]}), "extra"),
    ],
)
async def test_question_sizes(owner, keyword, body, field):
    response = await owner.post(questions_path(keyword), json=body)
    errors = (await expect_error(response, 400, "validation-failed"))["errors"]
    assert field in errors


async def test_session_and_audience_sizes(owner, participant, keyword):
    for body, field in [
        ({"name": "n" * 51, "shortName": "S"}, "name"),
        ({"name": "N", "shortName": "s" * 13}, "shortName"),
    ]:
        response = await owner.post("/session/", json=body)
        assert field in (await expect_error(response, 400, "validation-failed"))["errors"]
    path = f"/session/{keyword}/interposed/"
    response = await participant.post(path, json={"subject": "S", "text": "t" * 5001})
    assert "text" in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_answer_text_size(owner, participant):
    free_text = await create_question(owner, questionType="freetext", active=True)
    body = {"answerSubject": "S", "answerText": "a" * (MAX_FREETEXT + 1)}
    response = await participant.post(answers_of(free_text), json=body)
    assert "answerText" in (await expect_error(response, 400, "validation-failed"))["errors"]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "many"},
        {"offset": "-1"},
        {"offset": "10000001"},
        {"sort": "nonsense"},
        {"order": "sideways"},
    ],
)
async def test_list_query_ranges(owner, keyword, query):
    response = await owner.get(questions_path(keyword), params=query)
    errors = (await expect_error(response, 400, "validation-failed"))["errors"]
    assert set(query) <= set(errors)


async def test_json_nested_deeper_than_the_parser_goes_is_invalid_json(owner, keyword):
    body = "[" * 100_000 + "]" * 100_000
    response = await owner.post(
        questions_path(keyword), data=body, headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 400, "invalid-json")


async def test_a_valid_request_after_the_refusals_still_works(owner, keyword):
    """The limits refuse input, not the client: the same login goes on working."""
    refused = await owner.post(questions_path(keyword), json=question(text="t" * 6000))
    assert refused.status == 400
    response = await owner.post(questions_path(keyword), json=question(text="t" * 5000))
    assert response.status == 201, await response.text()
