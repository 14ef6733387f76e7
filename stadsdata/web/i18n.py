"""Dutch (default) and English texts of the web UI (`locales/*.json`, the same keys in each).

The language is the `lang` query parameter (which is then remembered in a cookie), else that
cookie, else the setting `default_language` — not the browser's Accept-Language, so that a
Dutch municipality's UI is Dutch unless a visitor picks English."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("nl", "en")
COOKIE = "lang"
_DIR = Path(__file__).parent / "locales"


@cache
def texts(language: str) -> dict[str, str]:
    return json.loads((_DIR / f"{language}.json").read_text(encoding="utf-8"))


def pick_language(query: str | None, cookie: str | None, default: str) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    return default


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language
        self.texts = texts(language)

    def __call__(self, key: str, **values: object) -> str:
        text = self.texts.get(key, key)
        return text.format(**values) if values else text
