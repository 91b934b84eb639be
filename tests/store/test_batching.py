"""Shared reads and group commits: fewer round trips under a burst, the same answers."""

import asyncio
from collections import Counter

import pytest
from pymongo import AsyncMongoClient, monitoring

from arsnova.store.answers import AnswerRepo
from arsnova.store.batching import GroupCommit, GroupRead, SharedLookups
from arsnova.store.feedback import FeedbackRepo
from arsnova.store.questions import QuestionNotFound, QuestionRepo
from arsnova.store.sessions import SessionRepo


class Commands(monitoring.CommandListener):
    """Counts the commands a client sends, by name and collection."""

    def __init__(self) -> None:
        self.sent: Counter[tuple[str, str]] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.sent[event.command_name, str(event.command.get(event.command_name))] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def counted(mongo_uri, db_name, db):
    """The test's database through a client whose commands are counted (`.commands`)."""
    commands = Commands()
    client = AsyncMongoClient(mongo_uri, tz_aware=True, event_listeners=[commands])
    database = client[db_name]
    database.commands = commands.sent
    yield database
    await client.close()


async def turns(count: int) -> None:
    """Lets the event loop run everything ready, `count` times."""
    for _ in range(count):
        await asyncio.sleep(0)


class Lookups:
    """A fetch that records its calls and answers when told to."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.answer = asyncio.Event()

    async def fetch(self, key: str) -> str:
        self.calls.append(key)
        await self.answer.wait()
        if key == "missing":
            raise KeyError(key)
        return key.upper()


async def test_lookups_in_flight_are_shared_and_later_ones_ask_again():
    source = Lookups()
    lookups = SharedLookups(source.fetch)
    waiting = [asyncio.create_task(lookups.get("a")) for _ in range(5)]
    other = asyncio.create_task(lookups.get("b"))
    await asyncio.sleep(0)
    source.answer.set()
    assert await asyncio.gather(*waiting, other) == ["A"] * 5 + ["B"]
    assert source.calls == ["a", "b"]
    assert await lookups.get("a") == "A"
    assert source.calls == ["a", "b", "a"] and lookups.in_flight == {}


async def test_a_forgotten_lookup_is_not_joined_and_errors_reach_every_waiter():
    source = Lookups()
    lookups = SharedLookups(source.fetch)
    before = asyncio.create_task(lookups.get("a"))
    await asyncio.sleep(0)
    lookups.forget("a")  # a write happened: later lookups must not get the older read
    after = asyncio.create_task(lookups.get("a"))
    missing = [asyncio.create_task(lookups.get("missing")) for _ in range(3)]
    await asyncio.sleep(0)
    source.answer.set()
    assert [await before, await after] == ["A", "A"] and source.calls.count("a") == 2
    for task in missing:
        with pytest.raises(KeyError):
            await task


async def test_a_cancelled_caller_leaves_the_lookup_to_the_others():
    source = Lookups()
    lookups = SharedLookups(source.fetch)
    first, second = (asyncio.create_task(lookups.get("a")) for _ in range(2))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    source.answer.set()
    assert await second == "A"
    assert first.cancelled()


class Writes:
    """A batch writer that records its batches; an item "bad" fails alone, "down" fails all."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = asyncio.Event()

    async def write(self, items: list[str]) -> list[BaseException | None]:
        self.batches.append(items)
        await self.release.wait()
        if "down" in items:
            raise ConnectionError("the database is down")
        return [ValueError(item) if item == "bad" else None for item in items]


async def test_a_lone_write_goes_at_once_and_a_burst_waits_for_one_more():
    writes = Writes()
    commit = GroupCommit(writes.write)
    first = asyncio.create_task(commit.submit("one"))
    await turns(3)
    assert writes.batches == [["one"]]  # not held back waiting for company
    burst = [asyncio.create_task(commit.submit(f"vote{i}")) for i in range(50)]
    await turns(3)
    writes.release.set()
    await asyncio.gather(first, *burst)
    assert writes.batches == [["one"], [f"vote{i}" for i in range(50)]]
    assert commit.writer is None and commit.queued == []


async def test_each_caller_gets_its_own_outcome():
    writes = Writes()
    writes.release.set()
    commit = GroupCommit(writes.write)
    outcomes = await asyncio.gather(
        *(commit.submit(item) for item in ("ok", "bad", "ok")), return_exceptions=True
    )
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ValueError)
    down = await asyncio.gather(
        *(commit.submit(item) for item in ("ok", "down")), return_exceptions=True
    )
    assert [type(outcome) for outcome in down] == [ConnectionError, ConnectionError]


async def test_callers_are_told_when_the_writer_is_cancelled():
    writes = Writes()
    commit = GroupCommit(writes.write)
    waiting = [asyncio.create_task(commit.submit(item)) for item in ("a", "b")]
    await turns(3)
    commit.writer.cancel()  # while it writes
    await turns(3)
    later = asyncio.create_task(commit.submit("c"))
    await asyncio.sleep(0)  # the submit has run
    commit.writer.cancel()  # before the writer ran
    waiting.append(later)
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)


async def test_callers_get_the_error_when_the_writer_dies():
    """A writer that dies of anything but cancellation fails its callers instead of leaving them."""

    async def wrong_count(items: list[str]) -> list[BaseException | None]:
        return []  # a bug in a batch writer: no outcome per item

    commit = GroupCommit(wrong_count)
    waiting = [asyncio.create_task(commit.submit(item)) for item in ("a", "b")]
    async with asyncio.timeout(5):
        outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, ValueError) for outcome in outcomes), outcomes
    assert commit.writer is None  # the next submit starts a new writer


class Reads:
    """A batch reader that records the keys of each fetch; "missing" is never found."""

    def __init__(self) -> None:
        self.fetches: list[list[str]] = []
        self.release = asyncio.Event()
        self.version = 1  # what a read returns changes: as if written meanwhile

    async def fetch(self, keys: list[str]) -> dict[str, str]:
        self.fetches.append(keys)
        version = self.version
        await self.release.wait()
        return {key: f"{key}{version}" for key in keys if key != "missing"}


async def test_reads_during_a_fetch_go_together_in_the_next_and_none_gets_an_older_answer():
    reads = Reads()
    group = GroupRead(reads.fetch)
    first = asyncio.create_task(group.get("a"))
    await turns(3)
    reads.version = 2  # "a" changes while the first read is in flight
    later = [asyncio.create_task(group.get(key)) for key in ("a", "b", "a", "missing")]
    await turns(3)
    reads.release.set()
    assert await first == "a1"
    assert await asyncio.gather(*later) == ["a2", "b2", "a2", None]  # read after they asked
    assert reads.fetches == [["a"], ["a", "b", "missing"]]  # each key once per fetch


async def test_a_burst_of_votes_is_stored_exactly_in_few_bulk_writes(counted):
    repo = FeedbackRepo(counted)
    session = await SessionRepo(counted).create("lecturer", {"name": "Physics"})  # votes need it
    # 100 users vote three times each, all at once; each one's last vote stands.
    votes = [(f"user{i}", (i + round_) % 4) for round_ in range(3) for i in range(100)]
    await asyncio.gather(*(repo.vote(session, user, value, 60) for user, value in votes))
    stored = {doc["user"]: doc["value"] async for doc in counted.feedback.find()}
    assert stored == {f"user{i}": (i + 2) % 4 for i in range(100)}
    assert await repo.counts(session["keyword"]) == [25, 25, 25, 25]
    assert counted.commands["update", "feedback"] < 10  # not 300


async def test_concurrent_lookups_of_a_session_share_a_read_but_see_a_lock(counted):
    repo = SessionRepo(counted)
    session = await repo.create("lecturer", {"name": "Physics", "short_name": "PHY"})
    found = await asyncio.gather(*(repo.by_keyword(session["keyword"]) for _ in range(50)))
    assert {item["id"] for item in found} == {session["id"]}
    assert counted.commands["find", "sessions"] < 10  # not 50
    found[0]["feedback_lock"] = "changed by one caller"  # each caller has its own copy
    assert found[1]["feedback_lock"] is False
    during = asyncio.gather(*(repo.by_keyword(session["keyword"]) for _ in range(5)))
    await repo.update(session["keyword"], {"feedback_lock": True})
    await during
    assert (await repo.by_keyword(session["keyword"]))["feedback_lock"] is True


async def test_concurrent_lookups_of_a_question_share_a_read_and_keep_its_scope(counted):
    sessions, questions = SessionRepo(counted), QuestionRepo(counted)
    session = await sessions.create("lecturer", {"name": "Physics", "short_name": "PHY"})
    other = await sessions.create("lecturer", {"name": "Maths", "short_name": "MA"})
    question = await questions.create(
        session, {"subject": "Q", "active": True, "question_type": "yesno", "possible_answers": []}
    )
    found = await asyncio.gather(
        *(questions.by_id(question["id"], session["id"]) for _ in range(50)),
        questions.by_id(question["id"], other["id"]),
        return_exceptions=True,
    )
    assert [item["id"] for item in found[:50]] == [question["id"]] * 50
    assert isinstance(found[50], QuestionNotFound)  # shared, yet only within its session
    assert counted.commands["find", "questions"] < 10  # not 51
    await questions.update(found[0], {"active": False})
    assert (await questions.by_id(question["id"]))["active"] is False
    await questions.delete(found[0])
    with pytest.raises(QuestionNotFound):
        await questions.by_id(question["id"])


async def test_an_answer_burst_is_stored_once_per_user_in_few_inserts(counted):
    sessions, questions = SessionRepo(counted), QuestionRepo(counted)
    answers = AnswerRepo(counted)
    await counted.answers.create_index(  # as migration 0008 (the database may be migrated)
        [("question_id", 1), ("pi_round", 1), ("user", 1)],
        unique=True,
        name="question_round_user_unique",
    )
    session = await sessions.create("lecturer", {"name": "Physics", "short_name": "PHY"})
    question = await questions.create(
        session, {"subject": "Q", "active": True, "question_type": "yesno", "possible_answers": []}
    )
    # 100 students answer at once; ten of them send their answer twice.
    users = [f"user{i}" for i in range(100)] + [f"user{i}" for i in range(10)]
    outcomes = await asyncio.gather(
        *(answers.create(question, user, {"answer_text": user}) for user in users),
        return_exceptions=True,
    )
    refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(refused) == 10 and all(error.code == "already-answered" for error in refused)
    stored = [doc["user"] async for doc in counted.answers.find()]
    assert sorted(stored) == sorted(f"user{i}" for i in range(100))
    assert {outcome["id"] for outcome in outcomes if isinstance(outcome, dict)} == {
        str(doc["_id"]) async for doc in counted.answers.find()
    }
    assert counted.commands["insert", "answers"] < 10  # not 110
    found = await asyncio.gather(*(sessions.by_id(session["id"]) for _ in range(50)))
    assert {item["keyword"] for item in found} == {session["keyword"]}
    assert counted.commands["find", "sessions"] < 5


async def test_an_answer_the_driver_cannot_encode_fails_alone(counted):
    """Past the schemas (which refuse such text): the others of its bulk insert are stored."""
    session = await SessionRepo(counted).create("lecturer", {"name": "Physics"})
    question = await QuestionRepo(counted).create(
        session,
        {"subject": "Q", "active": True, "question_type": "freetext", "possible_answers": []},
    )
    answers = AnswerRepo(counted)
    texts = {f"user{i}": "\ud800" if i % 10 == 0 else f"answer {i}" for i in range(40)}
    outcomes = await asyncio.gather(
        *(answers.create(question, user, {"answer_text": text}) for user, text in texts.items()),
        return_exceptions=True,
    )
    failed = {
        user
        for user, outcome in zip(texts, outcomes, strict=True)
        if isinstance(outcome, Exception)
    }
    assert failed == {"user0", "user10", "user20", "user30"}, outcomes
    stored = {doc["user"]: doc["answer_text"] async for doc in counted.answers.find()}
    assert stored == {user: text for user, text in texts.items() if user not in failed}
