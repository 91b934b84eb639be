"""Sockets and logins: /socket/url, /socket/assign, the JSESSIONID cookie, setSession, rooms,
active-user counts, and whatever garbage a client may send over the socket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import socketio

from arsnova.app import create_app
from arsnova.auth import COOKIE_NAME
from arsnova.keys import node_key
from tests.conftest import expect_error
from tests.helpers import create_lecture, create_question

JOINED_KEYS = {
    "keyword", "active", "feedbackLock", "feedbackData", "feedbackDataRoundedAverage",
    "activeUserCountData", "myFeedback", "unansweredLecturerQuestions",
}  # fmt: skip
BIG = "x" * 500_000


@pytest.fixture
def settings(settings_with, redis_url):
    """Several nodes' settings (Redis): the socket registry is the database's, which these
    tests read (one process alone keeps it in memory: tests/realtime/test_local_sockets.py)."""
    return settings_with(redis_url=redis_url)


# --- helpers ----------------------------------------------------------------------------


async def assign(http, sid) -> object:
    return await http.post("/socket/assign", json={"session": sid})


async def stored(db, sid: str) -> dict | None:
    return await db.sockets.find_one({"_id": sid})


async def until_removed(db, sid: str) -> None:
    """Waits until the server handled the socket's disconnect (it is gone from the database)."""
    for _ in range(250):
        if await stored(db, sid) is None:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"socket {sid} is still registered 5 s after it disconnected")


def error_code(ack) -> str | None:
    """The code of an error ack (which must have a message), else None."""
    if not isinstance(ack, dict) or "error" not in ack:
        return None
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"], ack
    return ack["error"]["code"]


# --- GET /socket/url --------------------------------------------------------------------


async def test_socket_url_is_the_servers_own_origin(client, server):
    response = await client.get("/socket/url")
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == f"http://127.0.0.1:{server.port}"


async def test_socket_url_comes_from_the_settings(aiohttp_server, aiohttp_client, settings_with):
    app = create_app(settings_with(socket_url="https://rt.example"))
    client = await aiohttp_client(await aiohttp_server(app))
    response = await client.get("/socket/url")
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "https://rt.example"


# --- POST /socket/assign ----------------------------------------------------------------


async def test_assign_binds_a_socket_to_the_callers_login(
    login, owner, keyword, connect_socket, db
):
    student = await login()
    socket = await connect_socket()
    before = await stored(db, socket.sid)
    assert before is not None and before["user"] is None
    assert before["address"] == "127.0.0.1"
    assert error_code(await socket.call("setSession", {"keyword": keyword})) == "socket-not-bound"

    response = await assign(student, socket.sid)
    assert response.status == 204

    after = await stored(db, socket.sid)
    assert after["user"] == student.username
    assert after["user_type"] == "guest"
    assert after["address"] == "127.0.0.1"
    ack = await socket.call("setSession", {"keyword": keyword})
    assert ack["keyword"] == keyword and ack["activeUserCountData"] == 1, ack
    assert (await stored(db, socket.sid))["keyword"] == keyword
    assert await socket.call("setFeedback", {"sessionkey": keyword, "feedback": 1}) == {
        "feedback": 1
    }
    vote = await db.feedback.find_one({})
    assert (vote["user"], vote["keyword"], vote["value"]) == (student.username, keyword, 1)


async def test_assign_requires_a_login(anonymous, connect_socket, db):
    socket = await connect_socket()
    await expect_error(await assign(anonymous, socket.sid), 401, "login-required")
    assert (await stored(db, socket.sid))["user"] is None


@pytest.mark.parametrize(
    "body",
    [{}, {"session": None}, {"session": 5}, {"session": ["a"]}, {"session": "../x"},
     {"session": "a" * 200}, {"session": ""}, {"session": "a b"}, [], "sid"],
)  # fmt: skip
async def test_assign_refuses_bad_bodies(login, connect_socket, db, body):
    student = await login()
    socket = await connect_socket()
    response = await student.post("/socket/assign", json=body)
    await expect_error(response, 400, "validation-failed")
    assert (await stored(db, socket.sid))["user"] is None


async def test_assign_refuses_a_socket_id_with_a_trailing_newline(login, connect_socket, db):
    """`$` matches before a final newline: "<sid>\\n" is not a socket id (400, not 404)."""
    student = await login()
    socket = await connect_socket()
    response = await student.post("/socket/assign", json={"session": socket.sid + "\n"})
    await expect_error(response, 400, "validation-failed")
    assert (await stored(db, socket.sid))["user"] is None


async def test_assign_refuses_bodies_that_are_not_json(login, connect_socket, db):
    student = await login()
    socket = await connect_socket()
    response = await student.post("/socket/assign", data=f"session={socket.sid}")
    assert response.status == 415
    response = await student.post(
        "/socket/assign",
        data=f'{{"session": "{socket.sid}"}}',
        headers={"Content-Type": "text/plain"},
    )
    assert response.status == 415
    assert (await stored(db, socket.sid))["user"] is None


async def test_assign_of_an_unknown_socket_is_404(login, connect_socket):
    student = await login()
    await connect_socket()  # some other socket is connected
    await expect_error(await assign(student, "NoSuchSocket123"), 404, "socket-not-found")


async def test_assign_of_a_disconnected_socket_is_404(login, connect_socket, db):
    student = await login()
    socket = await connect_socket()
    sid = socket.sid
    await socket.disconnect()
    await until_removed(db, sid)
    await expect_error(await assign(student, sid), 404, "socket-not-found")
    assert await db.sockets.count_documents({}) == 0


async def test_assign_to_another_user_is_409_and_again_to_the_same_is_204(
    login, connect_socket, db
):
    first, second = await login(), await login()
    socket = await connect_socket()
    assert (await assign(first, socket.sid)).status == 204
    await expect_error(await assign(second, socket.sid), 409, "socket-bound-elsewhere")
    assert (await assign(first, socket.sid)).status == 204
    assert (await stored(db, socket.sid))["user"] == first.username


async def test_socket_bound_by_cookie_cannot_be_assigned_to_someone_else(
    owner, keyword, login, connect_socket, db
):
    other = await login()
    socket = await connect_socket(owner)
    await expect_error(await assign(other, socket.sid), 409, "socket-bound-elsewhere")
    assert (await assign(owner, socket.sid)).status == 204
    assert (await stored(db, socket.sid))["user"] == owner.username
    ack = await socket.call("setSession", {"keyword": keyword})
    assert ack["keyword"] == keyword


# --- binding by cookie ------------------------------------------------------------------


async def test_cookie_binds_the_socket_at_connect_time(owner, keyword, connect_socket, db):
    socket = await connect_socket(owner)
    document = await stored(db, socket.sid)
    assert document["user"] == owner.username
    assert document["user_type"] == "guest"
    assert document["address"] == "127.0.0.1"
    assert document["keyword"] is None
    ack = await socket.call("setSession", {"keyword": keyword})
    assert ack["keyword"] == keyword and ack["activeUserCountData"] == 1
    assert (await stored(db, socket.sid))["keyword"] == keyword


async def test_invalid_or_expired_cookies_leave_the_socket_unbound(
    login, keyword, connect_socket, db, server
):
    expired = await login()
    token = expired.session.cookie_jar.filter_cookies(server.make_url("/"))[COOKIE_NAME].value
    result = await db.logins.update_many(
        {}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}}
    )
    assert result.modified_count >= 1
    logged_out = await login()
    old_token = logged_out.session.cookie_jar.filter_cookies(server.make_url("/"))
    old_token = old_token[COOKIE_NAME].value
    assert (await logged_out.get("/auth/logout")).status == 204

    for cookie in (token, old_token, "garbage", "x" * 5000, ""):
        socket = await connect_socket(headers={"Cookie": f"{COOKIE_NAME}={cookie}"})
        assert socket.client.connected
        assert (await stored(db, socket.sid))["user"] is None, cookie[:20]
        ack = await socket.call("setSession", {"keyword": keyword})
        assert error_code(ack) == "socket-not-bound", ack
    # The unbound socket can still be bound explicitly.
    fresh = await login()
    assert (await assign(fresh, socket.sid)).status == 204
    assert (await socket.call("setSession", {"keyword": keyword}))["keyword"] == keyword


# --- unbound sockets --------------------------------------------------------------------


async def test_events_of_an_unbound_socket_are_refused_and_change_nothing(
    owner, keyword, joined, connect_socket, db
):
    lecturer = await joined(owner, keyword)
    await lecturer.caught_up()
    lecturer.received.clear()
    socket = await connect_socket()
    for event, data in (
        ("setSession", {"keyword": keyword}),
        ("setFeedback", {"sessionkey": keyword, "feedback": 0}),
        ("setSession", {"keyword": int(keyword)}),
    ):
        ack = await socket.call(event, data)
        assert error_code(ack) == "socket-not-bound", (event, ack)
        assert set(ack) == {"error"}
    await lecturer.caught_up()
    await socket.caught_up()
    assert lecturer.received == []
    assert socket.received == []
    assert (await stored(db, socket.sid))["keyword"] is None
    assert await db.feedback.count_documents({}) == 0
    assert await db.session_visits.count_documents({"user": None}) == 0
    again = await lecturer.call("setSession", {"keyword": keyword})
    assert again["activeUserCountData"] == 1
    assert again["feedbackData"] == [0, 0, 0, 0]


# --- setSession -------------------------------------------------------------------------


async def test_set_session_acknowledges_the_sessions_state(owner, keyword, participant, joined):
    abcd = {"questionType": "abcd", "options": ["A", "B"]}
    first = (await create_question(owner, keyword, subject="first", active=True, **abcd))["_id"]
    second = (await create_question(owner, keyword, subject="second", active=True, **abcd))["_id"]
    await create_question(owner, keyword, subject="hidden", active=False, **abcd)
    response = await participant.post(
        f"/lecturerquestion/{first}/answer/", json={"answerText": "A"}
    )
    assert response.status == 201, await response.text()

    student = await joined(participant, keyword)
    ack = student.joined
    assert set(ack) == JOINED_KEYS
    assert ack["keyword"] == keyword
    assert ack["active"] is True
    assert ack["feedbackLock"] is False
    assert ack["feedbackData"] == [0, 0, 0, 0]
    assert ack["feedbackDataRoundedAverage"] is None
    assert ack["activeUserCountData"] == 1
    assert ack["myFeedback"] is None
    assert ack["unansweredLecturerQuestions"] == [second]

    lecturer = await joined(owner, keyword)
    assert lecturer.joined["unansweredLecturerQuestions"] == [first, second]
    assert lecturer.joined["activeUserCountData"] == 2

    assert await student.call("setFeedback", {"sessionkey": keyword, "feedback": 2}) == {
        "feedback": 2
    }
    again = await student.call("setSession", {"keyword": int(keyword)})
    assert again["keyword"] == keyword
    assert again["feedbackData"] == [0, 0, 1, 0]
    assert again["feedbackDataRoundedAverage"] == 2
    assert again["myFeedback"] == 2
    assert again["activeUserCountData"] == 2


async def test_set_session_takes_the_keyword_as_a_number(owner, keyword, connect_socket, db):
    socket = await connect_socket(owner)
    ack = await socket.call("setSession", {"keyword": int(keyword)})
    assert ack["keyword"] == keyword
    assert isinstance(ack["keyword"], str)
    assert (await stored(db, socket.sid))["keyword"] == keyword


@pytest.mark.parametrize("unknown", ["99999999", 99999999])
async def test_set_session_with_an_unknown_keyword(owner, keyword, connect_socket, db, unknown):
    socket = await connect_socket(owner)
    ack = await socket.call("setSession", {"keyword": unknown})
    assert error_code(ack) == "session-not-found", ack
    assert (await stored(db, socket.sid))["keyword"] is None
    assert (await socket.call("setSession", {"keyword": keyword}))["keyword"] == keyword


async def test_set_session_records_a_visit(owner, keyword, stranger, connect_socket):
    path = f"/session/{keyword}/lecturerquestion/"
    await expect_error(await stranger.get(path), 403, "not-a-participant")
    socket = await connect_socket(stranger)
    assert (await socket.call("setSession", {"keyword": keyword}))["keyword"] == keyword
    response = await stranger.get(path)
    assert response.status == 200, await response.text()
    assert await response.json() == []
    response = await stranger.get("/session/", params={"visitedonly": "true"})
    assert response.status == 200, await response.text()
    assert [session["keyword"] for session in await response.json()] == [keyword]


# --- rooms ------------------------------------------------------------------------------


async def test_switching_sessions_leaves_the_previous_one(
    owner, keyword, participant, login, joined, db
):
    lecturer_b = await login()
    keyword_b = await create_lecture(lecturer_b, "Chemistry")
    voter = await login()
    watcher_a = await joined(owner, keyword)
    watcher_b = await joined(lecturer_b, keyword_b)
    voter_socket = await joined(voter, keyword)
    mover = await joined(participant, keyword)
    assert mover.joined["activeUserCountData"] == 3
    assert await watcher_a.wait_for("activeUserCountData", lambda count: count == 3)
    await watcher_a.caught_up()
    for socket in (watcher_a, watcher_b, mover):
        socket.received.clear()

    ack = await mover.call("setSession", {"keyword": keyword_b})
    assert ack["keyword"] == keyword_b
    assert ack["activeUserCountData"] == 2
    assert (await stored(db, mover.sid))["keyword"] == keyword_b
    assert await watcher_a.wait_for("activeUserCountData", lambda count: count == 2)
    assert await watcher_a.wait_for("updateActiveUserCount", lambda count: count == 2)
    assert await watcher_b.wait_for("activeUserCountData", lambda count: count == 2)
    assert await watcher_b.wait_for("updateActiveUserCount", lambda count: count == 2)

    # A vote in A reaches A, but no longer the socket that left.
    ack = await voter_socket.call("setFeedback", {"sessionkey": keyword, "feedback": 3})
    assert ack == {"feedback": 3}
    assert await watcher_a.wait_for("feedbackData", lambda data: data == [0, 0, 0, 1])
    await mover.caught_up()
    await watcher_b.caught_up()
    assert mover.events("feedbackData") == []
    assert mover.events("updateFeedback") == []
    assert watcher_b.events("feedbackData") == []
    # ... and it may not vote in A any more, only in B.
    ack = await mover.call("setFeedback", {"sessionkey": keyword, "feedback": 0})
    assert error_code(ack) == "not-in-session", ack
    ack = await mover.call("setFeedback", {"sessionkey": keyword_b, "feedback": 0})
    assert ack == {"feedback": 0}
    assert await watcher_b.wait_for("feedbackData", lambda data: data == [1, 0, 0, 0])
    assert await mover.wait_for("feedbackData", lambda data: data == [1, 0, 0, 0])


async def test_an_unknown_keyword_does_not_leave_the_current_session(
    owner, keyword, participant, joined, db
):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    ack = await student.call("setSession", {"keyword": "99999999"})
    assert error_code(ack) == "session-not-found"
    assert (await stored(db, student.sid))["keyword"] == keyword
    assert (await lecturer.call("setSession", {"keyword": keyword}))["activeUserCountData"] == 2
    ack = await student.call("setFeedback", {"sessionkey": keyword, "feedback": 1})
    assert ack == {"feedback": 1}
    assert await lecturer.wait_for("feedbackData", lambda data: data == [0, 1, 0, 0])


# --- active users -----------------------------------------------------------------------


async def test_a_user_with_several_tabs_counts_once(
    owner, keyword, participant, joined, connect_socket, db
):
    lecturer = await joined(owner, keyword)
    assert lecturer.joined["activeUserCountData"] == 1
    tabs = [await joined(participant, keyword) for _ in range(3)]
    assert [tab.joined["activeUserCountData"] for tab in tabs] == [2, 2, 2]
    assert await lecturer.wait_for("activeUserCountData", lambda count: count == 2)
    assert await lecturer.wait_for("updateActiveUserCount", lambda count: count == 2)
    await lecturer.caught_up()
    assert set(lecturer.events("activeUserCountData")) <= {1, 2}
    assert await db.sockets.count_documents({"keyword": keyword}) == 4

    # Closing two of three tabs leaves the user active.
    lecturer.received.clear()
    for tab in tabs[:2]:
        sid = tab.sid
        await tab.disconnect()
        await until_removed(db, sid)
    await lecturer.caught_up()
    assert 1 not in lecturer.events("activeUserCountData")
    assert 1 not in lecturer.events("updateActiveUserCount")
    assert (await lecturer.call("setSession", {"keyword": keyword}))["activeUserCountData"] == 2

    # Closing the last one drops the count, for the sockets that remain.
    sid = tabs[2].sid
    await tabs[2].disconnect()
    await until_removed(db, sid)
    assert await lecturer.wait_for("activeUserCountData", lambda count: count == 1)
    assert await lecturer.wait_for("updateActiveUserCount", lambda count: count == 1)
    assert (await lecturer.call("setSession", {"keyword": keyword}))["activeUserCountData"] == 1


async def test_unbound_sockets_are_never_counted(app, owner, keyword, joined, connect_socket, db):
    lecturer = await joined(owner, keyword)
    await lecturer.caught_up()
    lecturer.received.clear()
    unbound = [await connect_socket() for _ in range(3)]
    for socket in unbound:
        assert error_code(await socket.call("setSession", {"keyword": keyword})) == (
            "socket-not-bound"
        )
    # Even an unbound socket recorded in the session (as another node could) is not counted.
    await db.sockets.insert_one({
        "_id": "unboundghost", "node": app[node_key], "address": "10.0.0.2", "user": None,
        "user_type": None, "keyword": keyword, "seen_at": datetime.now(UTC),
    })  # fmt: skip
    for socket in unbound:
        sid = socket.sid
        await socket.disconnect()
        await until_removed(db, sid)
    await lecturer.caught_up()
    assert lecturer.events("activeUserCountData") == []
    assert lecturer.events("updateActiveUserCount") == []
    assert (await lecturer.call("setSession", {"keyword": keyword}))["activeUserCountData"] == 1


async def test_counts_drop_when_a_user_disconnects(owner, keyword, login, joined, db):
    lecturer = await joined(owner, keyword)
    others = [await login() for _ in range(3)]
    students = [await joined(http, keyword) for http in others]
    others = others[1:]
    assert [s.joined["activeUserCountData"] for s in students] == [2, 3, 4]
    assert await lecturer.wait_for("activeUserCountData", lambda count: count == 4)
    sid = students[0].sid
    await students[0].disconnect()
    await until_removed(db, sid)
    for socket in (lecturer, *students[1:]):
        assert await socket.wait_for("activeUserCountData", lambda count: count == 3)
        assert await socket.wait_for("updateActiveUserCount", lambda count: count == 3)
    remaining = {owner.username} | {student.username for student in others}
    assert set(await db.sockets.distinct("user", {"keyword": keyword})) == remaining
    assert await db.sockets.count_documents({"keyword": keyword}) == 3


# --- garbage ----------------------------------------------------------------------------


def set_session_garbage(keyword: str) -> list:
    return [
        None, 5, "x", [], True, 0, 1.5, {}, BIG, [{"keyword": keyword}],
        {"keyword": keyword, "extra": 1},
        {"keyword": keyword, "sessionkey": keyword},
        {"Keyword": keyword},
        {"keyword": None},
        {"keyword": True},
        {"keyword": ""},
        {"keyword": "1234567"},
        {"keyword": "123456789"},
        {"keyword": " " + keyword},
        {"keyword": float(keyword)},
        {"keyword": -int(keyword)},
        {"keyword": 10**40},
        {"keyword": BIG},
        {"keyword": {"$gt": ""}},
        {"keyword": {"$ne": None}},
        {"keyword": [keyword]},
        {"$where": "sleep(1000)"},
    ]  # fmt: skip


def set_feedback_garbage(keyword: str) -> list:
    return [
        None, 5, "x", [], True, 0, {}, BIG, [{"sessionkey": keyword}],
        {"sessionkey": keyword},
        {"feedback": 1},
        {"sessionkey": keyword, "feedback": 1, "extra": 1},
        {"sessionkey": keyword, "feedback": 1, "keyword": keyword},
        {"sessionkey": keyword, "feedback": None},
        {"sessionkey": keyword, "feedback": "1"},
        {"sessionkey": keyword, "feedback": True},
        {"sessionkey": keyword, "feedback": False},
        {"sessionkey": keyword, "feedback": 1.5},
        {"sessionkey": keyword, "feedback": 1.0},
        {"sessionkey": keyword, "feedback": 4},
        {"sessionkey": keyword, "feedback": -1},
        {"sessionkey": keyword, "feedback": 10**40},
        {"sessionkey": keyword, "feedback": BIG},
        {"sessionkey": keyword, "feedback": [1]},
        {"sessionkey": keyword, "feedback": {"$gt": 0}},
        {"sessionkey": {"$gt": ""}, "feedback": 1},
        {"sessionkey": BIG, "feedback": 1},
        {"sessionkey": None, "feedback": 1},
        {"sessionkey": "1234567", "feedback": 1},
    ]  # fmt: skip


async def still_works(socket, keyword: str) -> None:
    assert socket.client.connected
    ack = await socket.call("setSession", {"keyword": keyword})
    assert ack.get("keyword") == keyword, ack


# Binary payloads drop their socket instead: tests/realtime/test_frames.py.
@pytest.mark.parametrize("event", ["setSession", "setFeedback"])
async def test_garbage_payloads_get_a_validation_error(
    owner, keyword, participant, joined, connect_socket, db, event
):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    unbound = await connect_socket()
    garbage = (set_session_garbage if event == "setSession" else set_feedback_garbage)(keyword)
    for payload in garbage:
        shown = repr(payload)[:60]
        ack = await student.call(event, payload)
        assert error_code(ack) == "validation-failed", (shown, ack)
        assert set(ack) == {"error"}
        assert "Traceback" not in str(ack)
        ack = await unbound.call(event, payload)
        assert error_code(ack) == "socket-not-bound", (shown, ack)
    # Nothing was stored, nothing moved.
    assert await db.feedback.count_documents({}) == 0
    assert (await stored(db, student.sid))["keyword"] == keyword
    assert (await stored(db, unbound.sid))["keyword"] is None
    await lecturer.caught_up()
    assert lecturer.events("feedbackData") == []
    # The same sockets and a fresh one still work.
    await still_works(student, keyword)
    await still_works(lecturer, keyword)
    fresh = await connect_socket(participant)
    await still_works(fresh, keyword)
    ack = await student.call("setFeedback", {"sessionkey": keyword, "feedback": 1})
    assert ack == {"feedback": 1}
    assert await lecturer.wait_for("feedbackData", lambda data: data == [0, 1, 0, 0])


async def test_a_keyword_with_a_trailing_newline_is_not_a_keyword(
    owner, keyword, participant, joined, db
):
    """`$` matches before a final newline: "12345678\\n" must not pass as 8 digits."""
    student = await joined(participant, keyword)
    ack = await student.call("setSession", {"keyword": keyword + "\n"})
    assert error_code(ack) == "validation-failed", ack
    ack = await student.call("setFeedback", {"sessionkey": keyword + "\n", "feedback": 1})
    assert error_code(ack) == "validation-failed", ack
    assert await db.feedback.count_documents({}) == 0
    await still_works(student, keyword)


async def test_extra_arguments_are_ignored_and_no_argument_is_refused(
    owner, keyword, joined, connect_socket
):
    lecturer = await joined(owner, keyword)
    ack = await lecturer.call("setSession", ({"keyword": keyword}, "extra", 5))
    assert ack["keyword"] == keyword, ack  # only the first argument counts
    ack = await lecturer.call("setFeedback", ({"sessionkey": keyword, "feedback": 1}, None))
    assert ack == {"feedback": 1}
    ack = await lecturer.call("setSession", ())
    assert error_code(ack) == "validation-failed", ack
    await still_works(lecturer, keyword)


@pytest.mark.parametrize("name", ["noSuchEvent", "setsession", "on_connect", "message", "*"])
async def test_unknown_events_get_an_error(owner, keyword, joined, connect_socket, name):
    lecturer = await joined(owner, keyword)
    unbound = await connect_socket()
    for socket in (lecturer, unbound):
        ack = await socket.call(name, {"keyword": keyword})
        assert error_code(ack) == "unknown-event", (name, ack)
    await still_works(lecturer, keyword)


@pytest.mark.parametrize("name", ["disconnect", "connect"])
async def test_forged_lifecycle_events_do_not_disconnect_the_socket(
    owner, keyword, participant, joined, connect_socket, db, name
):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    unbound = await connect_socket()
    await lecturer.caught_up()
    lecturer.received.clear()
    for socket in (student, unbound):
        for data in ({"keyword": keyword}, "x", None):
            ack = await socket.call(name, data)
            assert error_code(ack) == "unknown-event", (name, ack)
        # Without an ack id too, as a raw packet.
        await socket.client._send_packet(
            socketio.packet.Packet(socketio.packet.EVENT, data=[name, "x"], namespace="/")
        )
        await socket.client.emit(name, "transport close")
    await lecturer.caught_up()
    for socket in (student, unbound):
        assert socket.client.connected
        assert await stored(db, socket.sid) is not None
    assert (await stored(db, student.sid))["keyword"] == keyword
    assert 1 not in lecturer.events("activeUserCountData")
    assert (await lecturer.call("setSession", {"keyword": keyword}))["activeUserCountData"] == 2
    ack = await student.call("setFeedback", {"sessionkey": keyword, "feedback": 3})
    assert ack == {"feedback": 3}
    assert await lecturer.wait_for("feedbackData", lambda data: data == [0, 0, 0, 1])
    await still_works(student, keyword)
    fresh = await connect_socket(participant)
    await still_works(fresh, keyword)
    # The unbound socket can still be bound and used.
    assert (await assign(participant, unbound.sid)).status == 204
    await still_works(unbound, keyword)
