"""A real SMTP server for the tests (aiosmtpd, on a free loopback port): the `smtp` fixture.

It runs in a thread of its own (aiosmtpd's Controller) and keeps every
message it receives; tests wait for a message to an address and read the
links from it, as the account holder would.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port

SMTP_USER, SMTP_PASSWORD = "arsnova", "smtp-secret"
WAIT = 15.0  # seconds for a message to arrive
LINK = re.compile(r"https?://\S+/account/(?:activate|reset)#token=[A-Za-z0-9_-]+")


class Inbox:
    """What the SMTP server received; `logins` are the SMTP users that authenticated."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.port = 0

    @property
    def url(self) -> str:
        """`ARSNOVA_SMTP_URL` for this server, with its user and password."""
        return f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{self.port}?starttls=false"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            with self.lock:
                self.logins.append(SMTP_USER)
        return AuthResult(success=ok)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for message in self.messages if message["To"] == address]

    async def wait_for(self, address: str, count: int = 1) -> EmailMessage:
        """The `count`-th message to `address`, once it arrived (within WAIT seconds)."""
        deadline = time.monotonic() + WAIT
        while len(self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no message {count} to {address} within {WAIT} s")
            await asyncio.sleep(0.05)
        return self.to(address)[count - 1]

    def wait_for_sync(self, address: str, count: int = 1, timeout: float = 15.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no message {count} to {address} within {timeout} s")
            time.sleep(0.05)
        return self.to(address)[count - 1]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()


def link_in(message: EmailMessage) -> str:
    found = LINK.findall(body_of(message))
    assert len(found) == 1, body_of(message)
    return found[0]


def token_of(link: str) -> str:
    return link.partition("#token=")[2]


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) that checks the user and password of `Inbox.url`.

    (It does not insist on them: aiosmtpd warns against AUTH without TLS, and the tests
    see in `Inbox.logins` that the sender logged in.)
    """
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
