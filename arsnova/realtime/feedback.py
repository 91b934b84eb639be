"""Giving and reading live feedback: the same rules for sockets and REST."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.auth import require_feedback_open
from arsnova.identity import User
from arsnova.keys import broadcaster_key, settings_key, store_key
from arsnova.store.feedback import rounded_average


async def give_feedback(
    app: web.Application, session: dict[str, Any], user: User, value: int
) -> None:
    """Records the user's vote (refused while the session or its feedback is locked)."""
    require_feedback_open(session)
    ttl = app[settings_key].feedback_ttl
    await app[store_key].feedback.vote(session, user.username, value, ttl)
    app[broadcaster_key].feedback_changed(session["keyword"])


async def feedback_summary(app: web.Application, session: dict[str, Any]) -> dict[str, Any]:
    counts = await app[store_key].feedback.counts(session["keyword"])
    return {
        "values": counts,
        "count": sum(counts),
        "rounded_average": rounded_average(counts),
        "feedback_lock": session.get("feedback_lock", False),
    }
