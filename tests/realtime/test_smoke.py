async def test_vote_reaches_the_lecturer(owner, participant, keyword, joined):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    assert student.joined["activeUserCountData"] == 2
    ack = await student.call("setFeedback", {"sessionkey": keyword, "feedback": 2})
    assert ack == {"feedback": 2}
    assert await lecturer.wait_for("feedbackData", lambda d: d == [0, 0, 1, 0])
