"""Language identification on short messages in every language, on text the training never saw."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.languages import SUPPORTED
from bot.nlu.engine import BuiltinNLU
from bot.nlu.text import is_romanized
from bot.nlu.training_data import TrainingData

CASES = [
    ("ਮੈਨੂੰ ਇੱਕ ਡਾਕਟਰ ਚਾਹੀਦਾ ਹੈ", "pa"),  # Gurmukhi belongs to Punjabi alone
    ("병원 어디 있어요", "ko"),  # Hangul to Korean
    ("我们刚到温哥华，在哪里看医生", "zh-Hans"),
    ("我們剛到溫哥華，喺邊度睇醫生", "zh-Hant"),
    ("房东不退押金怎么办", "zh-Hans"),
    ("房東不退押金怎麼辦", "zh-Hant"),
    ("أبحث عن شقة للإيجار في سري", "ar"),
    ("دنبال یک خانه اجاره‌ای در سوری هستم", "fa"),  # Persian letters ی and ک
    ("چطوری پزشک خانواده پیدا کنم", "fa"),
    ("де можна знайти сімейного лікаря", "uk"),
    ("чи дають rent supplement якщо ми на work permit", "uk"),  # English words mixed in
    ("toi can tim bac si gia dinh", "vi"),  # Vietnamese typed without diacritics
    ("tôi cần tìm bác sĩ gia đình", "vi"),
    ("to\u0302i ca\u0302\u0300n ti\u0300m ba\u0301c si\u0303", "vi"),  # accents typed as combining marks
    ("ｍｙ ｌａｎｄｌｏｒｄ ｋｅｅｐｓ ｔｈｅ ｄｅｐｏｓｉｔ", "en"),  # full-width letters
    ("necesito un doctor para mi hijo", "es"),
    ("kailangan ko ng doktor para sa anak ko", "tl"),
    ("je cherche un médecin de famille", "fr"),
    ("where can i find a family doctor", "en"),
    ("mainu kamm labhna hai kithe jaavan", "pa"),  # romanized Punjabi
    ("ana bdawwer 3ala sha2a lal ijar", "ar"),  # Arabizi
    ("mikham ye khoone ejare konam", "fa"),  # Finglish
]


@pytest.mark.parametrize(("text", "language"), CASES)
def test_identifies_the_language(nlu: BuiltinNLU, text: str, language: str) -> None:
    assert nlu.languages.identify(text).language == language


def test_russian_is_not_taken_for_confident_ukrainian(nlu: BuiltinNLU) -> None:
    """We do not speak Russian: answer in Ukrainian, but unsure enough that the dialogue asks."""
    guess = nlu.languages.identify("где можно найти семейного врача")
    assert guess.language == "uk"
    assert guess.confidence < 0.5
    assert nlu.languages.identify("де можна знайти сімейного лікаря").confidence > 0.9


def test_no_letters_no_language(nlu: BuiltinNLU) -> None:
    assert nlu.languages.identify("604-555-0123 ???").language is None


def test_native_script_accuracy_on_the_holdout_sample(nlu: BuiltinNLU, holdout: TrainingData) -> None:
    native = [e for e in holdout.examples if not is_romanized(e.text, e.language)]
    hits: dict[str, list[bool]] = defaultdict(list)
    for example in native:
        hits[example.language].append(nlu.languages.identify(example.text).language == example.language)
    overall = sum(sum(h) for h in hits.values()) / sum(len(h) for h in hits.values())
    worst = {language: sum(h) / len(h) for language, h in hits.items() if sum(h) / len(h) < 0.9}
    assert set(hits) == set(SUPPORTED)
    assert overall >= 0.97
    assert worst == {}


def test_romanized_punjabi_arabic_and_persian_are_recognised(nlu: BuiltinNLU, holdout: TrainingData) -> None:
    romanized = [e for e in holdout.examples if e.language in {"pa", "ar", "fa"} and is_romanized(e.text, e.language)]
    right = sum(nlu.languages.identify(e.text).language == e.language for e in romanized)
    assert len(romanized) >= 30
    assert right / len(romanized) >= 0.7
