"""The bot's own sentences in the reader's language: gettext catalogs in locales/ (Babel extracts,
updates and compiles them; see locales/README.md), language names and dates from CLDR, and the
direction marks that keep right-to-left replies readable when they hold numbers and Latin names."""

from __future__ import annotations

import datetime
import gettext
import re
import unicodedata
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from bot.config import ConfigError
from bot.languages import DEFAULT, SUPPORTED

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

LRM, RLM = "\u200e", "\u200f"


def catalog_name(language: str) -> str:
    """The folder of a language's catalog: the BCP 47 code with '_' (zh-Hans -> zh_Hans)."""
    return language.replace("-", "_")


@cache
def babel_locale(language: str) -> Locale:
    return Locale.parse(catalog_name(language))


@cache
def supported_language(tag: str | None) -> str | None:
    """The supported language an IETF tag names ("zh-TW" -> zh-Hant, "fil" -> tl, "en-US" -> en), or None."""
    try:
        locale = Locale.parse(tag or "", sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    code = "tl" if locale.language == "fil" else locale.language
    if code == "zh":
        code = "zh-Hant" if locale.script == "Hant" or locale.territory in ("TW", "HK", "MO") else "zh-Hans"
    return code if code in SUPPORTED else None


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language`. A missing catalog is an installation error, not a reason
    to answer in English without saying so."""
    if language == DEFAULT:
        return gettext.NullTranslations()  # the source sentences are English
    return gettext.translation(DOMAIN, LOCALES, [catalog_name(language)])


@cache
def language_name(language: str, menu: bool = False) -> str:
    """The language's own name in its own script (CLDR): as written inside a sentence ("en
    français"), or capitalised as a menu item ("Français")."""
    locale = babel_locale(language)
    # CLDR files Tagalog under Filipino: name the language we speak, not the national standard.
    name = locale.languages.get(language) if language == "tl" else locale.get_display_name()
    return name[:1].upper() + name[1:] if menu else name


# What people call languages beside their CLDR names.
_ALIASES = {"farsi": "fa", "persian": "fa", "dari": "fa", "filipino": "tl", "tagalog": "tl", "mandarin": "zh-Hans",
            "cantonese": "zh-Hant", "panjabi": "pa"}


@cache
def languages_named() -> dict[str, tuple[str, ...]]:
    """Every name a reader may type for a supported language, casefolded, and the languages it
    names: its own name, its name in each supported language ("anglais", "انگلیسی"), its code,
    common aliases. "Chinese" names both written forms."""
    named: dict[str, list[str]] = {}

    def add(name: str | None, code: str) -> None:
        if name:
            codes = named.setdefault(name.casefold(), [])
            if code not in codes:
                codes.append(code)

    for code in SUPPORTED:
        add(code, code)
        add(language_name(code), code)
        for reader in SUPPORTED:
            add(babel_locale(code).get_display_name(babel_locale(reader)), code)
            add(babel_locale(reader).languages.get(babel_locale(code).language), code)
    for alias, code in _ALIASES.items():
        add(alias, code)
    return {name: tuple(codes) for name, codes in named.items()}


def is_rtl(language: str) -> bool:
    return babel_locale(language).text_direction == "rtl"


def isolate(value: str, language: str) -> str:
    """A left-to-right value (a web address, a number, a date, an agency's name) put into a sentence
    of `language`. In right-to-left text, marks on both sides keep its neutral edges (slashes,
    hyphens, full stops) with it, so '1-800-257-7756' is not shown as '7756-257-800-1'. A value
    written right to left itself (a topic's Persian name) needs nothing."""
    if not is_rtl(language) or any(unicodedata.bidirectional(c) in ("R", "AL") for c in value):
        return value
    return f"{LRM}{value}{LRM}"


# Runs that must read left to right inside right-to-left text: web addresses, commands, and numbers
# with their separators and letters (1-800-563-0808, 1-800-SUICIDE, 24/7, SB-7K3P9Q). After Arabic letters
# a number's hyphens no longer hold it together: '310-6789' would show as '6789-310'.
_LTR_RUN = re.compile(r"https?://\S+[\w/]|/[a-z]+\b"
                      r"|(?=[A-Za-z0-9\-/.:]*\d)[A-Za-z0-9](?:[A-Za-z0-9\-/.:]*[A-Za-z0-9])?")


def paragraphs(text: str, language: str) -> str:
    """For right-to-left text: start every line with a right-to-left mark, so that a line that
    begins with a number or a Latin name still reads from the right, and hold numbers, addresses
    and commands together with left-to-right marks."""
    if not is_rtl(language):
        return text
    marked = _LTR_RUN.sub(lambda run: f"{LRM}{run.group()}{LRM}", text)
    return "\n".join(RLM + line if line else line for line in marked.split("\n"))


class Sentences:
    """Sentences in one language: `_()` and `n_()` translate and fill in {placeholders}, marking
    the values for right-to-left languages. Babel extracts the English sources from every call."""

    def __init__(self, language: str):
        self.language = language
        self._catalog = translations(language)

    def _(self, message: str, **values: object) -> str:
        return self._catalog.gettext(message).format(**self._isolated(values))

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._catalog.ngettext(singular, plural, n).format(n=n, **self._isolated(values))

    def _isolated(self, values: dict[str, object]) -> dict[str, str]:
        return {key: isolate(str(value), self.language) for key, value in values.items()}


def long_date(day: datetime.date, language: str) -> str:
    return format_date(day, "long", locale=babel_locale(language))


class MissingCatalogError(ConfigError):
    pass


def check_catalogs() -> None:
    """Load every catalog now, so that a missing one stops start-up with its name and the fix."""
    for language in SUPPORTED:
        try:
            translations(language)
        except FileNotFoundError:
            raise MissingCatalogError(
                f"no compiled catalog for {language} in {LOCALES}: run 'make catalogs' (or "
                f"'pybabel compile -d locales')") from None
