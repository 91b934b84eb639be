"""The application's REST API, as the lecturer who owns the benchmark's session."""

from __future__ import annotations

from typing import Any

import aiohttp

CHOICES = ("A", "B", "C", "D")


class Owner:
    """A guest login that owns one lecture session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies of 127.0.0.1
            timeout=aiohttp.ClientTimeout(total=30),
            raise_for_status=True,
        )
        self.keyword = ""

    async def __aenter__(self) -> Owner:
        try:
            async with self.http.get(f"{self.url}/auth/login", params={"type": "guest"}):
                pass
            self.keyword = (await self._post("/session/", {"name": "Bench"}))["keyword"]
        except BaseException:
            await self.http.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.url}{path}", json=body) as response:
            return await response.json()

    async def question(self) -> str:
        """A new active ABCD question; returns its id."""
        body = {
            "questionType": "abcd",
            "subject": "s",
            "text": "t",
            "possibleAnswers": [{"text": choice} for choice in CHOICES],
            "active": True,
        }
        return (await self._post(f"/session/{self.keyword}/lecturerquestion/", body))["_id"]

    async def statistics(self) -> dict[str, dict[str, Any]]:
        """The answer statistics of every question, by question id."""
        path = f"/session/{self.keyword}/lecturerquestion/statistics"
        async with self.http.get(f"{self.url}{path}") as response:
            return {entry["questionId"]: entry for entry in await response.json()}

    async def feedback(self) -> list[int]:
        """The session's live feedback counts, one per value."""
        async with self.http.get(f"{self.url}/session/{self.keyword}/feedback") as response:
            return list((await response.json())["values"])
