async def test_subscribed_session_events_arrive(owner, participant, keyword, events_client):
    lecturer = await events_client(owner)
    ack = await lecturer.request("SessionSubscriptionMessage", keyword=keyword)
    assert "errorInfo" not in ack, ack
    student = await events_client(participant)
    await student.request("SessionSubscriptionMessage", keyword=keyword)
    response = await participant.post(
        f"/session/{keyword}/interposed/", json={"subject": "s", "text": "t"}
    )
    assert response.status == 201
    event = await lecturer.wait_for_event("InterposedQuestionCreatedEvent")
    assert event["scope"] == "session" and event["keyword"] == keyword
    response = await participant.post(f"/session/{keyword}/feedback", json={"value": 1})
    await student.wait_for_event("FeedbackChangedEvent")
    assert "InterposedQuestionCreatedEvent" not in student.event_types()
