"""Helpers shared by the test modules (fixtures live in the conftest files)."""

from __future__ import annotations

from typing import Any


def assert_joined(ack: Any, keyword: str) -> dict[str, Any]:
    """A `setSession` acknowledgement that joined `keyword`; an error ack (or none) fails."""
    assert isinstance(ack, dict) and ack.get("keyword") == keyword, ack
    return ack
