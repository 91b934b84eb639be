"""The Q&A word filter: the kept word lists of `glin-profanity` (German, English), as the lecturer
tunes them.

A question whose text or subject holds a listed word goes to the moderation
queue with the hits (`flagged`), whatever the moderation mode. The lecturer
chooses the languages, adds words (`extraWords`; a trailing `*` matches any
ending: `idiot*` catches "Idioten") and allows words the lists would catch
(`allowedWords`). Words match whole, case-insensitively; a listed phrase
("rosy palm") matches as a phrase. Only the package's data files are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

# The pages' languages → the package's dictionary files.
LANGUAGES = {"de": "german.json", "en": "english.json"}


@lru_cache(maxsize=len(LANGUAGES))
def listed_words(language: str) -> frozenset[str]:
    """The kept list of one language, lowercased."""
    data = resources.files("glin_profanity.data").joinpath("dictionaries", LANGUAGES[language])
    return frozenset(word.strip().lower() for word in json.loads(data.read_text())["words"])


def _pattern(word: str) -> str:
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"\w*"
    return re.escape(word)


@lru_cache(maxsize=256)
def _matcher(
    languages: tuple[str, ...], extra: tuple[str, ...], allowed: tuple[str, ...]
) -> re.Pattern[str] | None:
    words = {word for language in languages for word in listed_words(language)}
    words |= {word.strip().lower() for word in extra if word.strip().rstrip("*")}
    words -= {word.strip().lower() for word in allowed}
    if not words:
        return None
    # Longest first: a phrase wins over a word it starts with.
    alternatives = "|".join(_pattern(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def hits(settings: dict, texts: Iterable[str]) -> list[str]:
    """The distinct listed words found in `texts` (lowercased, in order), [] if the filter is off.

    `settings` is the word filter's part of the Q&A settings: enabled,
    languages, extra_words, allowed_words.
    """
    if not settings.get("enabled"):
        return []
    matcher = _matcher(
        tuple(sorted(set(settings.get("languages", ())) & set(LANGUAGES))),
        tuple(settings.get("extra_words", ())),
        tuple(settings.get("allowed_words", ())),
    )
    if matcher is None:
        return []
    allowed = {word.strip().lower() for word in settings.get("allowed_words", ())}
    found: dict[str, None] = {}
    for text in texts:
        for match in matcher.finditer(text):
            word = match.group(0).lower()
            if word not in allowed:  # an allowed ending of a `*` word
                found[word] = None
    return list(found)
