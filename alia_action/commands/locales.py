"""The locales Discord accepts as keys of ``name_localizations`` / ``description_localizations``."""

from __future__ import annotations

# Discord's docs (the source of truth), in their order.
LOCALES: tuple[str, ...] = (
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no",
    "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
)  # fmt: skip

# Listed by the OpenAPI spec but not by the docs: accepted with a warning, since the docs win.
SPEC_ONLY_LOCALES: tuple[str, ...] = ("ar", "he")


_MAIN_REGION = {"en": "en-US", "es": "es-ES", "zh": "zh-CN"}


def _key(locale: str) -> str:
    return locale.lower().replace("_", "-")


def suggest_locale(locale: str) -> str | None:
    """The documented locale the author most likely meant (``en_us`` → ``en-US``, ``en`` → ``en-US``)."""
    wanted = _key(locale)
    for known in LOCALES:
        if _key(known) == wanted:
            return known
    # A bare language code: its main documented locale, else the only one of that language.
    if wanted in _MAIN_REGION:
        return _MAIN_REGION[wanted]
    for known in LOCALES:
        if _key(known).split("-")[0] == wanted.split("-")[0]:
            return known
    return None
