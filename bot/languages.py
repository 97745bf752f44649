"""The languages settlebot speaks (BCP 47 codes; part of the contract outside tools rely on)."""

from __future__ import annotations

SUPPORTED: tuple[str, ...] = (
    "en", "fr", "es", "tl", "zh-Hans", "zh-Hant", "ko", "vi", "pa", "ar", "fa", "uk",
)

DEFAULT = "en"

# Written right to left: channels wrap replies in these with direction marks.
RIGHT_TO_LEFT: frozenset[str] = frozenset({"ar", "fa"})


def is_supported(code: str) -> bool:
    return code in SUPPORTED
