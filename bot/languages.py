"""The languages settlebot speaks (BCP 47 codes; part of the contract outside tools rely on)."""

from __future__ import annotations

SUPPORTED: tuple[str, ...] = (
    "en", "fr", "es", "tl", "zh-Hans", "zh-Hant", "ko", "vi", "pa", "ar", "fa", "uk",
)

DEFAULT = "en"

# Written in Latin letters by nature. pa, ar and fa typed in Latin letters are romanized text.
LATIN_SCRIPT: frozenset[str] = frozenset({"en", "fr", "es", "tl", "vi"})
