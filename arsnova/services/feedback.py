"""Live feedback: what a vote does and what the counts are, for REST and sockets alike."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.identity import User
from arsnova.keys import broadcaster_key, rate_limiter_key, settings_key, store_key
from arsnova.services.policy import require_feedback_open
from arsnova.store.feedback import rounded_average
from arsnova.store.sessions import Session


async def give_feedback(app: web.Application, session: Session, user: User, value: int) -> None:
    """Records the user's vote and tells the session (coalesced), counting it against the
    login's vote limit; refused while the session or its feedback is locked.

    One current vote per user and session; it expires after `ARSNOVA_FEEDBACK_TTL`
    unless renewed (the store's sweep sends `feedbackReset`).
    """
    await app[rate_limiter_key].vote(user.username)
    require_feedback_open(session)
    ttl = app[settings_key].feedback_ttl
    await app[store_key].feedback.vote(session, user.username, value, ttl)
    app[broadcaster_key].feedback_changed(session["keyword"])


async def feedback_summary(app: web.Application, session: Session) -> dict[str, Any]:
    counts = await app[store_key].feedback.counts(session["keyword"])
    return {
        "values": counts,
        "count": sum(counts),
        "rounded_average": rounded_average(counts),
        "feedback_lock": session.get("feedback_lock", False),
    }


async def expire_feedback(app: web.Application) -> None:
    """Ends the votes not renewed within `ARSNOVA_FEEDBACK_TTL` (a job every
    `ARSNOVA_FEEDBACK_SWEEP_INTERVAL`): `feedbackReset` to each user whose vote expired,
    and the new counts to the session."""
    broadcaster = app[broadcaster_key]
    for keyword, username in await app[store_key].feedback.expire_due():
        await broadcaster.feedback_reset(keyword, username)
