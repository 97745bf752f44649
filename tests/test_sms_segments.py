"""SMS segment counts against known cases (as carriers and Twilio's segment calculator count
them), plain punctuation that keeps a message in GSM-7, and cutting a reply to fit."""

from __future__ import annotations

import pytest

from bot.channels.sms.segments import GSM_SINGLE, cut, is_gsm, plain, segments

CASES = [  # (what, text, segments)
    ("nothing", "", 0),
    ("GSM-7 at the limit of one message", "a" * 160, 1),
    ("GSM-7 one over: two parts of 153", "a" * 161, 2),
    ("GSM-7 two full parts", "a" * 306, 2),
    ("GSM-7 one over two parts", "a" * 307, 3),
    ("accented letters of the GSM alphabet stay GSM-7", "é" * 160, 1),
    ("extension characters take two septets", "€" * 80, 1),
    ("...and are never split across parts (76 a part)", "€" * 81, 2),
    ("UCS-2 at the limit of one message", "ж" * 70, 1),
    ("UCS-2 one over: two parts of 67", "ж" * 71, 2),
    ("UCS-2 two full parts", "ж" * 134, 2),
    ("UCS-2 one over two parts", "ж" * 135, 3),
    ("one emoji makes a message UCS-2", "a" * 69 + "😀", 2),
    ("an emoji is two units and is never split", "a" * 66 + "😀" + "a" * 66, 3),
    ("Arabic is UCS-2", "مرحبا " * 11 + "مرحب", 1),
    ("Punjabi is UCS-2", "ਸਤ ਸ੍ਰੀ ਅਕਾਲ " * 6, 2),
]


@pytest.mark.parametrize(("what", "text", "count"), CASES, ids=[c[0] for c in CASES])
def test_segment_counts(what: str, text: str, count: int) -> None:
    assert segments(text) == count


def test_typographic_quotes_and_dashes_are_made_plain_only_where_that_keeps_gsm7() -> None:
    fancy = "Call \u201c811\u201d \u2013 it\u2019s free\u2026"
    assert not is_gsm(fancy) and segments(fancy * 4) == 2  # 92 characters: UCS-2, two parts
    assert plain(fancy) == 'Call "811" - it\'s free...' and segments(plain(fancy * 4)) == 1
    arabic = "اتصل بالرقم \u201c811\u201d"  # UCS-2 anyway: left as written
    assert plain(arabic) == arabic


def test_a_long_reply_is_cut_at_a_word_to_fit_with_its_marker() -> None:
    text = " ".join(f"word{n}" for n in range(200))
    first, rest = cut(text, 3, "\nReply MORE")
    assert segments(first) <= 3 and first.endswith("\nReply MORE")
    assert first.removesuffix("\nReply MORE") + " " + rest == text  # nothing lost, cut between words
    one_more_word = first.removesuffix("\nReply MORE") + " " + rest.split(" ")[0] + "\nReply MORE"
    assert segments(one_more_word) > 3  # as much as fits
    assert cut("short", 3, " MORE") == ("short", "")
    ukrainian, more = cut("слово " * 60, 1, " ДАЛІ")
    assert segments(ukrainian) == 1 and ukrainian.endswith(" ДАЛІ") and more


def test_the_two_septet_table_is_the_codecs() -> None:
    """Every character GSM-7 sends as an escape and a septet costs two, and no other does."""
    for code in range(0x10000):
        character = chr(code)
        if is_gsm(character):
            expected = len(character.encode("gsm03.38"))
            assert segments(character * (GSM_SINGLE // expected)) == 1, repr(character)
            assert segments(character * (GSM_SINGLE // expected + 1)) == 2, repr(character)
