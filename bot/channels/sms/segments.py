"""What a text costs in SMS segments, and cutting a reply to fit.

A message in the GSM-7 alphabet (GSM 03.38; its extension characters such as € and [ take two
septets) holds 160 septets, or 153 in each part of a longer message: the rest of each part is the
header that joins them. One character outside the alphabet sends the whole message as UCS-2: 70
UTF-16 units, 67 a part, and an emoji is two units. A character is never split across parts."""

from __future__ import annotations

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
# Typographic characters that would make a message UCS-2 (less than half the room), and their
# GSM-7 equivalents: used only where the whole message then fits GSM-7.
PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                       "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ", "\u2022": "-",
                       "\u00ab": '"', "\u00bb": '"',
                       "\u202f": " ", "\u2009": " "})  # the narrow spaces of CLDR's times ("9:00 AM")


def is_gsm(text: str) -> bool:
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return False
    return True


def plain(text: str) -> str:
    """`text` with typographic quotes and dashes made plain, if that keeps it in GSM-7."""
    simpler = text.translate(PLAIN)
    return simpler if simpler != text and is_gsm(simpler) else text


GSM_EXTENSION = frozenset("\f[\\]^{|}~€")  # two septets each: an escape, then the character


def _costs(text: str) -> tuple[list[int], int, int]:
    """Each character's cost in septets or UTF-16 units, and the room of one message and of a part.
    (Per character by table, not by encoding each one: cutting a reply to fit counts many times.)"""
    if is_gsm(text):
        return [2 if c in GSM_EXTENSION else 1 for c in text], GSM_SINGLE, GSM_PART
    return [2 if c > "\uffff" else 1 for c in text], UCS2_SINGLE, UCS2_PART


def segments(text: str) -> int:
    """How many SMS segments `text` is sent as (0 for nothing)."""
    costs, single, part = _costs(text)
    if sum(costs) <= single:
        return 1 if text else 0
    count, used = 1, 0
    for cost in costs:
        if used + cost > part:
            count, used = count + 1, 0
        used += cost
    return count


def cut(text: str, most: int, marker: str = "") -> tuple[str, str]:
    """The longest start of `text`, ending at a word, that fits in `most` segments with `marker`
    after it ("Reply MORE"); and the rest (empty if it all fits, marker and all). It ends at a line
    instead when that keeps at least half of it: a menu line is not split."""
    if segments(text) <= most:
        return text, ""
    breaks = [i for i, c in enumerate(text) if c in " \n"]

    def fits(end: int) -> bool:
        return segments(text[:end].rstrip() + marker) <= most

    low, high = -1, len(breaks) - 1  # the last break that fits: at least `low`, at most `high`
    while low < high:
        middle = (low + high + 1) // 2
        if fits(breaks[middle]):
            low = middle
        else:
            high = middle - 1
    if low < 0:  # the first word is longer than the room: cut inside it
        end = len(text)
        while end and not fits(end):
            end -= 1
        return text[:end] + marker, text[end:]
    end = breaks[low]
    lines = [b for b in breaks[:low + 1] if text[b] == "\n" and b >= end // 2]
    end = lines[-1] if lines else end
    return text[:end].rstrip() + marker, text[end:].lstrip(" \n")
