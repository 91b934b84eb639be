"""Lecturer questions (the seed's LecturerQuestion and PossibleAnswer)."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import fields, validate

from arsnova.schemas.common import (
    BaseSchema,
    LegacyInputSchema,
    ListQuerySchema,
    Millis,
    QuerySchema,
    StrictBoolean,
)
from arsnova.schemas.feedback import Keyword

QUESTION_TYPES = ("abcd", "sc", "mc", "yesno", "freetext", "vote", "school")
RELEASED_FOR = ("all", "courses")
MAX_POSSIBLE_ANSWERS = 26
MAX_DURATION = 24 * 60 * 60


class PossibleAnswerSchema(BaseSchema):
    id = fields.String()
    text = fields.String()
    correct = fields.Boolean()


class PossibleAnswerInputSchema(BaseSchema):
    id = fields.String(validate=validate.Length(1, 50))
    text = fields.String(required=True, validate=validate.Length(1, 500))
    correct = StrictBoolean(load_default=False)


class VotingSchema(BaseSchema):
    """Whether a question takes answers: also what the sockets send of it (`question_data`)."""

    voting_disabled = fields.Boolean(
        data_key="votingDisabled",
        dump_default=False,
        metadata={"description": "closed for answers (409 `voting-closed`), still shown"},
    )
    voting_ends_at = Millis(
        data_key="votingEndsAt",
        dump_default=None,
        allow_none=True,
        metadata={"description": "a running countdown's end: voting closes then by itself"},
    )
    allow_answer_change = fields.Boolean(
        data_key="allowAnswerChange",
        dump_default=False,
        metadata={"description": "students may change their answer while voting is open"},
    )


class QuestionSchema(VotingSchema):
    id = fields.String(data_key="_id")
    type = fields.Constant("skill_question")
    question_type = fields.String(data_key="questionType")
    subject = fields.String()
    text = fields.String()
    active = fields.Boolean()
    released_for = fields.String(data_key="releasedFor")
    possible_answers = fields.List(fields.Nested(PossibleAnswerSchema), data_key="possibleAnswers")
    no_correct = fields.Boolean(data_key="noCorrect")
    session_keyword = fields.String(data_key="sessionKeyword")
    timestamp = Millis()
    number = fields.Integer()
    duration = fields.Integer()
    show_statistic = fields.Boolean(data_key="showStatistic")
    show_answer = fields.Boolean(data_key="showAnswer")
    pi_round = fields.Integer(
        data_key="piRound",
        metadata={"description": "the current peer-instruction round, from 1 (`startnewpiround`)"},
    )
    server_time = Millis(
        data_key="serverTime",
        metadata={
            "description": "the server's clock when this was sent: count down to `votingEndsAt` "
            "with `votingEndsAt - serverTime` from when it arrived, whatever the client's clock"
        },
    )


class QuestionCreateSchema(LegacyInputSchema):
    """A new question, or with `partial=True` the changes of a PUT (no defaults then).

    The possible answers are settled against the question's type by
    `services.questions` (`settle_question`, `settle_changes`).
    """

    # The countdown has its own routes (`…/countdown`): a whole object sent back ignores it.
    read_only = (
        *LegacyInputSchema.read_only, "sessionKeyword", "sessionId", "timestamp", "piRound",
        "votingEndsAt", "serverTime",
    )  # fmt: skip

    question_type = fields.String(
        data_key="questionType", required=True, validate=validate.OneOf(QUESTION_TYPES)
    )
    subject = fields.String(required=True, validate=validate.Length(1, 200))
    text = fields.String(required=True, validate=validate.Length(1, 5000))
    active = StrictBoolean(load_default=False)
    released_for = fields.String(
        data_key="releasedFor", load_default="all", validate=validate.OneOf(RELEASED_FOR)
    )
    possible_answers = fields.List(
        fields.Nested(PossibleAnswerInputSchema),
        data_key="possibleAnswers",
        allow_none=True,
        validate=validate.Length(max=MAX_POSSIBLE_ANSWERS),
    )
    no_correct = StrictBoolean(data_key="noCorrect", load_default=False)
    number = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 1_000_000))
    duration = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(0, MAX_DURATION)
    )
    show_statistic = StrictBoolean(data_key="showStatistic", load_default=False)
    show_answer = StrictBoolean(data_key="showAnswer", load_default=False)
    voting_disabled = StrictBoolean(data_key="votingDisabled", load_default=False)
    allow_answer_change = StrictBoolean(data_key="allowAnswerChange", load_default=False)


class QuestionListQuerySchema(ListQuerySchema):
    sortable: ClassVar[dict[str, str]] = {
        "timestamp": "timestamp",
        "subject": "subject",
        "number": "number",
        "questionType": "question_type",
        "active": "active",
    }

    unansweredonly = fields.Boolean(load_default=False)


class PublishQuerySchema(QuerySchema):
    publish = fields.Boolean(load_default=True)


class DisableVoteQuerySchema(QuerySchema):
    disable = fields.Boolean(
        load_default=True, metadata={"description": "true (default) closes voting, false opens it"}
    )


class SessionDisableVoteQuerySchema(DisableVoteQuerySchema):
    sessionkey = Keyword(required=True)


class QuestionOrderSchema(BaseSchema):
    """`PUT /session/{keyword}/lecturerquestion/order`: the session's questions in a new order."""

    question_ids = fields.List(
        fields.String(validate=validate.Length(1, 64)),
        data_key="questionIds", required=True, validate=validate.Length(max=10_000),
        metadata={"description": "every question id of the session, each once, first one first"},
    )  # fmt: skip


class CopyQuerySchema(QuerySchema):
    to = Keyword(
        metadata={"description": "the keyword of another session of yours (default: this one)"}
    )


class CountdownQuerySchema(QuerySchema):
    seconds = fields.Integer(
        required=True,
        validate=validate.Range(1, MAX_DURATION),
        metadata={"description": "voting closes this many seconds from now (server clock)"},
    )


class QuestionUpdateQuerySchema(QuerySchema):
    force = fields.Boolean(load_default=False)


class RoundStatisticsSchema(BaseSchema):
    pi_round = fields.Integer(data_key="piRound")
    answer_counts = fields.List(fields.Integer(), data_key="answerCounts")
    total = fields.Integer()
    abstentions = fields.Integer()


class QuestionStatisticsSchema(RoundStatisticsSchema):
    """The current round's counts (`piRound`), and every round's in `rounds`."""

    question_id = fields.String(data_key="questionId")
    rounds = fields.List(
        fields.Nested(RoundStatisticsSchema),
        metadata={"description": "round 1 to the current one, for comparing them"},
    )


class BinnedQuestionSchema(QuestionSchema):
    """A deleted question in the session's bin."""

    deleted_at = Millis(data_key="deletedAt")
