"""A session export as a background task: TaskEvents on `/events`, the result over REST."""

from tests.conftest import expect_error


async def test_export_reports_progress_and_delivers_the_result(
    owner, keyword, participant, stranger, events_client
):
    response = await owner.post(
        f"/session/{keyword}/lecturerquestion/",
        json={"subject": "S", "text": "T", "questionType": "yesno", "active": True,
              "possibleAnswers": [{"text": "yes"}, {"text": "no"}]},
    )  # fmt: skip
    assert response.status == 201
    assert (await participant.post(f"/session/{keyword}/feedback", json={"value": 2})).status == 201
    asked = await participant.post(f"/session/{keyword}/qa/questions", json={"text": "Why?"})
    assert asked.status == 201, await asked.text()
    lecturer = await events_client(owner)
    await expect_error(await participant.post(f"/session/{keyword}/export"), 403, "owner-only")
    response = await owner.post(f"/session/{keyword}/export")
    assert response.status == 202
    task = await response.json()
    assert task["status"] == "queued" and task["kind"] == "export"
    done = await lecturer.wait_for_event(
        "TaskEvent", lambda event: event["data"]["status"] == "finished"
    )
    progress = [
        event["data"]["progress"]
        for event in lecturer.events()
        if event["type"] == "TaskEvent" and event["data"]["taskId"] == task["_id"]
    ]
    assert progress == sorted(progress) and progress[0] == 0 and progress[-1] == 100
    assert done["scope"] == "login"
    finished = await (await owner.get(f"/task/{task['_id']}")).json()
    assert finished["status"] == "finished"
    assert finished["result"]["session"]["keyword"] == keyword
    assert len(finished["result"]["questions"]) == 1
    assert finished["result"]["feedback"] == [0, 0, 1, 0]
    [asked] = finished["result"]["qaQuestions"]
    assert (asked["text"], asked["status"], asked["upvotes"], asked["answered"]) == (
        "Why?",
        "approved",
        0,
        False,
    )
    assert "author" not in asked and "mine" not in asked
    await expect_error(await stranger.get(f"/task/{task['_id']}"), 404, "task-not-found")
    await expect_error(await owner.get("/task/nonsense"), 404, "task-not-found")


async def test_announcements_are_global_and_for_admins_only(
    admin, owner, participant, events_client
):
    listeners = [await events_client(owner), await events_client(participant)]
    body = {"message": "The server restarts at 22:00."}
    await expect_error(await owner.post("/announcement", json=body), 403, "admin-only")
    assert (await admin.post("/announcement", json=body)).status == 204
    for listener in listeners:
        event = await listener.wait_for_event("AnnouncementEvent")
        assert event["scope"] == "global" and event["data"] == body
