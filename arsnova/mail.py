"""E-mail to account holders (activation, password reset) over SMTP (`ARSNOVA_SMTP_URL`).

Messages are sent in the background: a request that causes one answers at
once and alike whether or not a message goes out (who is registered must not
show in the answer, nor in its timing). A message that cannot be delivered is
logged with its recipient's domain only and the SMTP error, never its text
(which holds a single-use link). On shutdown the messages under way are
waited for, a few seconds at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib

log = logging.getLogger(__name__)

SEND_TIMEOUT = 30.0  # seconds for one message, connecting included
SHUTDOWN_WAIT = 5.0


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send, from `ARSNOVA_SMTP_URL` (validated by settings)."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps://: TLS from the first byte
    start_tls: bool | None  # smtp://: True requires STARTTLS, False never, None if offered

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        use_tls = parts.scheme == "smtps"
        start_tls = None
        if "starttls" in query:
            start_tls = query["starttls"].lower() == "true"
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if use_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls=None if use_tls else start_tls,
        )


class Mailer:
    def __init__(self, smtp_url: str, sender: str) -> None:
        self.server = SmtpServer.from_url(smtp_url)
        self.sender = sender
        self.pending: set[asyncio.Task[None]] = set()

    def send_later(self, to: str, subject: str, text: str) -> None:
        """Sends in the background (see the module's docstring)."""
        task = asyncio.create_task(self.send(to, subject, text))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def send(self, to: str, subject: str, text: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.server.hostname)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        server = self.server
        try:
            await aiosmtplib.send(
                message,
                hostname=server.hostname,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.use_tls,
                start_tls=server.start_tls,
                timeout=SEND_TIMEOUT,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            domain = to.rpartition("@")[2]
            log.warning("e-mail to an address at %s not sent: %s", domain, exc)

    async def close(self) -> None:
        """Waits a little for the messages under way, then gives up on them."""
        if not self.pending:
            return
        _done, late = await asyncio.wait(set(self.pending), timeout=SHUTDOWN_WAIT)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task
