"""Text normalisation and script detection shared by language ID, the classifier and the
emergency detector, so that all three see a message the same way."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache

from bot.languages import LATIN_SCRIPT

# Arabic short vowels, shadda, sukun and the superscript alef: optional marks nobody types reliably.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # \u0640 is tatweel (kashida)
# Letters that Arabic and Persian keyboards write differently for the same sound.
_ARABIC_FOLD = str.maketrans({
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627",  # alef with hamza/madda -> alef
    "\u064a": "\u06cc", "\u0649": "\u06cc",  # Arabic yeh, alef maksura -> Persian yeh
    "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
    "\u0629": "\u0647",  # teh marbuta -> heh
})
_SPACE = re.compile(r"\s+")
# Chinese, Japanese and Korean writers glue English words on ("交不起rent"): make them words again.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_GLUED = re.compile(f"(?<=[a-z0-9])(?=[{_CJK}])|(?<=[{_CJK}])(?=[a-z0-9])")
# Zero-width joiners/non-joiners and direction marks: Persian writes "می‌خوام" and "میخوام" alike.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@cache  # a few thousand distinct characters, asked about millions of times
def script_of(char: str) -> str | None:
    """The writing system of one letter, or None for digits, punctuation, emoji and spaces."""
    o = ord(char)
    if o < 0x250:
        return "latin" if char.isalpha() else None
    if 0x1E00 <= o <= 0x1EFF:  # Latin Extended Additional: Vietnamese letters with two marks
        return "latin"
    if 0x0400 <= o <= 0x052F:
        return "cyrillic"
    if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFDFF or 0xFE70 <= o <= 0xFEFF:
        return "arabic" if char.isalpha() else None
    if 0x0A00 <= o <= 0x0A7F:
        return "gurmukhi"
    if 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
        return "hangul"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
        return "han"
    if 0x3040 <= o <= 0x30FF:
        return "kana"
    if 0x0900 <= o <= 0x097F:
        return "devanagari"
    return "other" if char.isalpha() else None


# One Han character carries about as much as a short word; weigh it so that a few Chinese characters
# in an otherwise English message still count as Chinese.
_SCRIPT_WEIGHT = {"han": 3, "kana": 3, "hangul": 2}


def script_counts(text: str) -> Counter[str]:
    """Weighted letter counts per script."""
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script:
            counts[script] += _SCRIPT_WEIGHT.get(script, 1)
    return counts


def dominant_script(text: str) -> str | None:
    """The script the message is written in. English words mixed into native text are common
    ("ਮੈਨੂੰ MSP card ਚਾਹੀਦਾ"), the reverse is rare, so any real share of a non-Latin script wins."""
    counts = script_counts(text)
    if not counts:
        return None
    total = sum(counts.values())
    native = [(n, s) for s, n in counts.items() if s != "latin"]
    if native:
        n, script = max(native)
        if n >= 2 and n >= 0.2 * total:
            return script
    return "latin" if counts["latin"] else max(counts, key=counts.__getitem__)


def is_romanized(text: str, language: str) -> bool:
    """Typed in Latin letters in a language with a script of its own (romanized Punjabi, Arabizi,
    Finglish...): language ID is measured on native script and on romanized text apart."""
    return language not in LATIN_SCRIPT and dominant_script(text) == "latin"


def _strip_latin_accents(text: str) -> str:
    """Remove accents from Latin letters only: Cyrillic й/ї and Gurmukhi vowel signs are letters."""
    if text.isascii():
        return text
    out = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.category(char) == "Mn" and out and script_of(out[-1]) == "latin":
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def normalize(text: str) -> str:
    """Fold what people type inconsistently: case, accents on Latin letters, Arabic/Persian letter
    variants and vowel marks, invisible joiners, runs of spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    text = _GLUED.sub(" ", _strip_latin_accents(text.casefold()))
    return _SPACE.sub(" ", text).strip()
