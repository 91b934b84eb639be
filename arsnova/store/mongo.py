"""The MongoDB client and the `Store` that gathers the repositories."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass

from pymongo import AsyncMongoClient, WriteConcern, monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, ExecutionTimeout, ServerSelectionTimeoutError

from arsnova.errors import DatabaseUnavailable
from arsnova.store.accounts import AccountRepo
from arsnova.store.answers import AnswerRepo
from arsnova.store.api_tokens import AccessTokenRepo
from arsnova.store.events import EventConnectionRepo, EventLog
from arsnova.store.feedback import FeedbackRepo
from arsnova.store.guests import GuestRepo
from arsnova.store.interposed import AudienceQuestionRepo
from arsnova.store.logins import LoginRepo
from arsnova.store.migrations import MigrationRepo
from arsnova.store.oidc import OidcLoginRepo
from arsnova.store.places import PlaceRepo
from arsnova.store.qa import QaRepo
from arsnova.store.questions import QuestionRepo
from arsnova.store.sessions import SessionRepo
from arsnova.store.sockets import LocalSockets, SocketRegistry, SocketRepo
from arsnova.store.statistics import StatisticsRepo
from arsnova.store.tasks import TaskRepo
from arsnova.store.tokens import SocketTokenRepo

log = logging.getLogger(__name__)

UNAVAILABLE = (ConnectionFailure, ServerSelectionTimeoutError, ExecutionTimeout)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turns "database unreachable" driver errors into `DatabaseUnavailable` (503)."""
    try:
        yield
    except UNAVAILABLE as exc:
        log.warning("database unavailable: %s", exc)
        raise DatabaseUnavailable() from exc


# Where a participant's name is kept in what they gave a session: (collection, field).
CONTRIBUTIONS = (
    ("answers", "user"),
    ("feedback", "user"),
    ("interposed_questions", "author"),
    ("qa_votes", "user"),
)


@dataclass
class Store:
    client: AsyncMongoClient
    db: AsyncDatabase
    migrations: MigrationRepo
    logins: LoginRepo
    sessions: SessionRepo
    questions: QuestionRepo
    answers: AnswerRepo
    interposed: AudienceQuestionRepo
    qa: QaRepo
    statistics: StatisticsRepo
    feedback: FeedbackRepo
    sockets: SocketRegistry
    socket_tokens: SocketTokenRepo
    events: EventLog
    event_connections: EventConnectionRepo
    tasks: TaskRepo
    access_tokens: AccessTokenRepo
    places: PlaceRepo
    guests: GuestRepo
    oidc_logins: OidcLoginRepo
    accounts: AccountRepo

    async def pseudonymize(self, username: str, alias: str) -> None:
        """Puts `alias` in place of `username` in what the user contributed to sessions, so
        their results keep counting it (one user still one), and drops the user from the
        sessions' Q&A co-moderators."""
        for collection, field in CONTRIBUTIONS:
            await self.db[collection].update_many({field: username}, {"$set": {field: alias}})
        await self.db.sessions.update_many(
            {"qa.moderators": username}, {"$pull": {"qa.moderators": username}}
        )

    def reachable(self) -> bool:
        """Whether the database is there, if perhaps slow: a server the driver can write to,
        or one whose last check only timed out (a process that is gone refuses connections)."""
        servers = self.client.topology_description.server_descriptions().values()
        return any(server.is_writable or getattr(server.error, "timeout", False)
                   for server in servers)  # fmt: skip

    async def ping(self) -> None:
        with translate_errors():
            await self.db.command("ping")


@contextlib.asynccontextmanager
async def connect(
    uri: str,
    db_name: str,
    timeout_ms: int,
    event_listeners: Sequence[monitoring.CommandListener | monitoring.ConnectionPoolListener] = (),
    *,
    shared_sockets: bool = True,
) -> AsyncIterator[Store]:
    """Connects eagerly and yields a `Store`; writes are journaled and majority-acknowledged.

    `shared_sockets`: the socket registry is in the database, for several
    nodes (else in this process's memory: `store/sockets.py`).

    Every driver timeout is bounded by `timeout_ms`, so requests during a
    database outage fail fast with 503 instead of hanging: `timeoutMS` bounds
    a whole operation (server selection, connecting, the reply and the driver's
    own retry of a read or write), so a hung database costs a request
    `timeout_ms`, not twice. `event_listeners`
    are the driver's monitoring listeners (`store.monitoring`, for the metrics).
    """
    client: AsyncMongoClient = AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        timeoutMS=timeout_ms,
        tz_aware=True,
        appname="arsnova",
        event_listeners=event_listeners,
    )
    try:
        with translate_errors():
            await client.aconnect()
        db = client.get_database(db_name, write_concern=WriteConcern(w="majority", j=True))
        yield Store(
            client=client,
            db=db,
            migrations=MigrationRepo(db),
            logins=LoginRepo(db),
            sessions=SessionRepo(db),
            questions=QuestionRepo(db),
            answers=AnswerRepo(db),
            interposed=AudienceQuestionRepo(db),
            qa=QaRepo(db),
            statistics=StatisticsRepo(db),
            feedback=FeedbackRepo(db),
            sockets=SocketRepo(db) if shared_sockets else LocalSockets(),
            socket_tokens=SocketTokenRepo(db),
            events=EventLog(db),
            event_connections=EventConnectionRepo(db),
            tasks=TaskRepo(db),
            access_tokens=AccessTokenRepo(db),
            places=PlaceRepo(db),
            guests=GuestRepo(db),
            oidc_logins=OidcLoginRepo(db),
            accounts=AccountRepo(db),
        )
    finally:
        await client.close()
