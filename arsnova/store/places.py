"""Places of integration users in lecture sessions, and the users a platform sends in.

A place holds a seat of the session's capacity from the request on: the
session's `allocated` counter is taken with one conditional update, so a
burst of requests never overfills it. A place not activated in time, or
past its expiry, is deleted and gives its seat back.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, NotRequired, TypedDict

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from arsnova.store.common import now, object_id, plain


class PlatformUser(TypedDict):
    """A user a learning platform sent in; the profile fields are what the platform told."""

    id: str
    created_by: str  # the platform's service account
    created_at: datetime
    email: NotRequired[str]
    first_name: NotRequired[str]
    last_name: NotRequired[str]


class Place(TypedDict):
    """A user's seat in a session: `pending` until its link is opened, then `active`."""

    id: str
    session_id: str
    keyword: str
    user_id: str
    status: Literal["pending", "active"]
    activation_hash: str | None
    activation_expires_at: datetime
    index_url: str | None
    created_at: datetime
    activated_at: datetime | None
    expires_at: datetime | None


HAS_SEAT = {"$expr": {"$or": [
    {"$eq": [{"$ifNull": ["$capacity", None]}, None]},
    {"$lt": [{"$ifNull": ["$allocated", 0]}, "$capacity"]},
]}}  # fmt: skip


def alive(moment: datetime) -> dict[str, Any]:
    """Places that have not expired at `moment`."""
    return {"$or": [{"expires_at": None}, {"expires_at": {"$gt": moment}}]}


class PlaceRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.places = db["places"]
        self.users = db["integration_users"]
        self.sessions = db["sessions"]

    # Users

    async def user(
        self, user_id: str | None, profile: dict[str, str], created_by: str, seen_by: str | None
    ) -> tuple[PlatformUser, bool]:
        """The known user `user_id`, or a new one (also for an id `seen_by` may not see).

        The flag says whether the user was created now.
        """
        if user_id is not None:
            found = await self.user_by_id(user_id, seen_by)
            if found is not None:
                return found, False
        document = {
            "_id": uuid.uuid4().hex,
            **profile,
            "created_by": created_by,
            "created_at": now(),
        }
        await self.users.insert_one(document)
        return plain(document, PlatformUser), True

    async def user_by_id(self, user_id: str, seen_by: str | None) -> PlatformUser | None:
        """The user if the platform `seen_by` created it; None sees every platform's users."""
        mine = {} if seen_by is None else {"created_by": seen_by}
        found = await self.users.find_one({"_id": user_id, **mine})
        return plain(found, PlatformUser)

    # Places

    async def live_of(self, session_id: str, user_id: str) -> Place | None:
        found = await self.places.find_one(
            {"session_id": object_id(session_id), "user_id": user_id, **alive(now())}
        )
        return plain(found, Place)

    async def clear_stale_of(self, session_id: str, user_id: str) -> None:
        """Releases the user's place in the session if it expired but was not swept yet."""
        stale = await self.places.find_one(
            {"session_id": object_id(session_id), "user_id": user_id,
             "$nor": [alive(now())]}
        )  # fmt: skip
        pending_dead = await self.places.find_one(
            {"session_id": object_id(session_id), "user_id": user_id, "status": "pending",
             "activation_expires_at": {"$lte": now()}}
        )  # fmt: skip
        for place in (stale, pending_dead):
            if place is not None:
                await self.release(place)

    async def take_seat(self, session_id: str) -> bool:
        result = await self.sessions.update_one(
            {"_id": object_id(session_id), **HAS_SEAT}, {"$inc": {"allocated": 1}}
        )
        return result.modified_count == 1

    async def give_seat(self, session_id: ObjectId) -> None:
        await self.sessions.update_one({"_id": session_id}, {"$inc": {"allocated": -1}})

    async def create(
        self,
        session: Mapping[str, Any],
        user: PlatformUser,
        activation_hash: str,
        activation_timeout: int,
        index_url: str | None,
    ) -> Place | None:
        """A pending place; None if the user got one concurrently (the caller reuses that)."""
        moment = now()
        document = {
            "_id": secrets.token_hex(12),
            "session_id": object_id(session["id"]),
            "keyword": session["keyword"],
            "user_id": user["id"],
            "status": "pending",
            "activation_hash": activation_hash,
            "activation_expires_at": moment + timedelta(seconds=activation_timeout),
            "index_url": index_url,
            "created_at": moment,
            "activated_at": None,
            "expires_at": None,
        }
        try:
            await self.places.insert_one(document)
        except DuplicateKeyError:
            return None
        return plain(document, Place)

    async def renew_activation(
        self, place_id: str, activation_hash: str, activation_timeout: int, index_url: str | None
    ) -> Place | None:
        renewed = await self.places.find_one_and_update(
            {"_id": place_id},
            {"$set": {
                "activation_hash": activation_hash,
                "activation_expires_at": now() + timedelta(seconds=activation_timeout),
                "index_url": index_url,
            }},
            return_document=ReturnDocument.AFTER,
        )  # fmt: skip
        return plain(renewed, Place)

    async def get(self, place_id: str) -> Place | None:
        found = await self.places.find_one({"_id": place_id, **alive(now())})
        return plain(found, Place)

    @staticmethod
    def activatable(place: Place, activation_hash: str) -> bool:
        """The link's token is this place's current one (constant time) and not expired."""
        stored = place["activation_hash"] or ""
        matches = hmac.compare_digest(stored, activation_hash) and bool(activation_hash)
        return matches and place["activation_expires_at"] > now()

    async def activate(
        self, place: Place, activation_hash: str, duration: int | None
    ) -> Place | None:
        """Consumes the activation token (checked with `activatable`) atomically."""
        if not self.activatable(place, activation_hash):
            return None
        moment = now()
        changes: dict[str, Any] = {"status": "active", "activation_hash": None}
        if place["activated_at"] is None:
            changes["activated_at"] = moment
            if duration is not None:
                changes["expires_at"] = moment + timedelta(seconds=duration)
        activated = await self.places.find_one_and_update(
            {"_id": place["id"], "activation_hash": activation_hash,
             "activation_expires_at": {"$gt": moment}},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )  # fmt: skip
        return plain(activated, Place)

    async def discard(self, place: Place, *, forget_user: bool) -> None:
        """Deletes a place that never got a seat (and the user made for it, if asked)."""
        await self.places.delete_one({"_id": place["id"]})
        if forget_user:
            await self.users.delete_one({"_id": place["user_id"]})

    async def release(self, place: Place) -> None:
        """Deletes the place and gives its seat back (once, even if called twice)."""
        deleted = await self.places.find_one_and_delete({"_id": place["id"]})
        if deleted is not None:
            await self.give_seat(deleted["session_id"])

    async def release_stale(self) -> int:
        """Releases pending places past their activation time and places past their expiry."""
        moment = now()
        stale = {"$or": [
            {"status": "pending", "activation_expires_at": {"$lte": moment}},
            {"expires_at": {"$ne": None, "$lte": moment}},
        ]}  # fmt: skip
        released = 0
        while (place := await self.places.find_one_and_delete(stale)) is not None:
            await self.give_seat(place["session_id"])
            released += 1
        return released

    async def session_locked(self, session_id: str, grace: int) -> None:
        """Places of a locked session end `grace` seconds from now (unless they end earlier)."""
        until = now() + timedelta(seconds=grace)
        await self.places.update_many(
            {"session_id": object_id(session_id),
             "$or": [{"expires_at": None}, {"expires_at": {"$gt": until}}]},
            {"$set": {"expires_at": until}},
        )  # fmt: skip

    async def session_unlocked(self, session_id: str, duration: int | None) -> None:
        """Reopening keeps the places: they last as long as a running session's do."""
        if duration is None:
            await self.places.update_many(
                {"session_id": object_id(session_id)}, {"$set": {"expires_at": None}}
            )

    async def extend(self, place_id: str, duration: int) -> Place | None:
        extended = await self.places.find_one_and_update(
            {"_id": place_id, "status": "active", **alive(now())},
            {"$set": {"expires_at": now() + timedelta(seconds=duration)}},
            return_document=ReturnDocument.AFTER,
        )
        return plain(extended, Place)

    async def of_user(self, user_id: str) -> list[Place]:
        query = {"user_id": user_id, **alive(now())}
        return await self.oldest_first(query)

    async def of_sessions(self, session_ids: list[str]) -> list[Place]:
        query = {"session_id": {"$in": [object_id(s) for s in session_ids]}, **alive(now())}
        return await self.oldest_first(query)

    async def oldest_first(self, query: dict[str, Any]) -> list[Place]:
        found = await self.places.find(query).sort("created_at", 1).to_list(None)
        return [plain(place, Place) for place in found]
