"""The interface languages: French first (the source of every message), then what the catalogs
translate. One list for every door: the pages, the kiosk, the screens' announcements, the booking."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import force_locale

# Each language named in itself, as a visitor looks for it on the kiosk.
LANGUAGES = {"fr": "Français", "en": "English", "ar": "العربية", "es": "Español", "pt": "Português"}
RTL = frozenset({"ar"})
# Public screens stay French unless the visitor (or the screen's configuration) picks a language,
# whatever the browser's own language.
PUBLIC_SCREENS = ("/kiosk/", "/display/")


def language_or_french(value: str | None) -> str:
    return value if value in LANGUAGES else "fr"


def in_language(lang: str | None) -> Any:
    """A `with` block whose gettext speaks `lang` (French when unknown)."""
    return force_locale(language_or_french(lang))


def request_locale() -> str:
    """An explicit ?lang= first; public screens are French unless asked; else the browser's choice."""
    if not request:
        return "fr"
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    if request.path.startswith(PUBLIC_SCREENS):
        return "fr"
    return request.accept_languages.best_match(list(LANGUAGES), default="fr") or "fr"
