"""Intent classification on messages the training never saw, in every language."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bot.languages import SUPPORTED
from bot.nlu.engine import EMERGENCY, OUT_OF_SCOPE, BuiltinNLU
from bot.nlu.training_data import TrainingData


def _by_language(nlu: BuiltinNLU, holdout: TrainingData) -> dict[str, list[bool]]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for example in holdout.examples:
        hits[example.language].append(nlu.parse(example.text).intent == example.intent)
    return hits


def test_intent_accuracy_on_the_holdout_sample(nlu: BuiltinNLU, holdout: TrainingData) -> None:
    hits = _by_language(nlu, holdout)
    overall = sum(sum(h) for h in hits.values()) / sum(len(h) for h in hits.values())
    accuracy = {language: round(sum(h) / len(h), 2) for language, h in hits.items()}
    assert set(accuracy) == set(SUPPORTED)
    assert overall >= 0.85, accuracy
    assert min(accuracy.values()) >= 0.75, accuracy


def test_no_emergency_in_the_holdout_sample_is_missed(nlu: BuiltinNLU, holdout: TrainingData) -> None:
    missed = [(e.language, e.text, nlu.parse(e.text).intent)
              for e in holdout.examples if e.intent == EMERGENCY and nlu.parse(e.text).intent != EMERGENCY]
    assert missed == []


CRISES = [  # each in a context the training data does not use
    "please help my neighbour is stabbing his wife right now",
    "je veux mourir ce soir, j'ai acheté des médicaments pour ça",
    "mi esposo me está ahorcando ayuda",
    "tinututukan ako ng baril ng boyfriend ko",
    "我老公拿刀要杀我",
    "我老公拿刀要殺我",
    "남편이 칼을 들고 죽인다고 해요",
    "chồng tôi đang đánh tôi, cứu",
    "ਮੇਰਾ ਪਤੀ ਮੈਨੂੰ ਕੁੱਟ ਰਿਹਾ ਹੈ",
    "زوجي عم يضربني وبدو يقتلني",
    "شوهرم داره منو می‌زنه کمک",
    "чоловік б'є мене і погрожує вбити",
]


@pytest.mark.parametrize("text", CRISES)
def test_danger_is_an_emergency_in_every_language(nlu: BuiltinNLU, text: str) -> None:
    assert nlu.parse(text).intent == EMERGENCY


OFF_TOPIC = [
    "who won the canucks game last night",
    "tu connais une bonne recette de poulet yassa",
    "cuál es el mejor celular barato",
    "sino ang pinakamagaling na boksingero",
    "明天温哥华天气怎么样",
    "邊間茶餐廳最好食",
    "비트코인 지금 사도 돼?",
    "phim nao hay tren netflix",
    "ਕੱਲ੍ਹ ਕ੍ਰਿਕਟ ਮੈਚ ਕੌਣ ਜਿੱਤਿਆ",
    "مين ربح مباراة ريال مدريد",
    "بهترین رستوران ایرانی ونکوور کجاست",
    "хто виграв вчора футбол",
    "asdkjh qwpoe zmxn",
]


def test_off_topic_chatter_is_not_answered_confidently(nlu: BuiltinNLU) -> None:
    answered = {t: nlu.parse(t).intent for t in OFF_TOPIC if nlu.parse(t).intent != OUT_OF_SCOPE}
    assert len(answered) <= 1, answered


def test_topics_in_every_language(nlu: BuiltinNLU) -> None:
    examples = {
        "my landlord wants to raise the rent twice this year": "housing",
        "ou puis-je passer le test de niveau CLB": "language_classes",
        "necesito sacar mi SIN para trabajar": "jobs",
        "paano mag apply ng MSP para sa pamilya ko": "healthcare",
        "找工作需要准备英文简历吗": "jobs",
        "家庭醫生點樣搵": "healthcare",
        "영어 수업 무료로 들을 수 있는 곳": "language_classes",
        "chu nha khong tra lai tien coc": "housing",
        "ਮੁਫ਼ਤ ਅੰਗਰੇਜ਼ੀ ਕਲਾਸਾਂ ਕਿੱਥੇ ਹਨ": "language_classes",
        "كيف بقدر سجل بالـ MSP": "healthcare",
        "دنبال کار هستم رزومه ندارم": "jobs",
        "шукаємо квартиру в оренду недорого": "housing",
    }
    wrong = {t: nlu.parse(t).intent for t, want in examples.items() if nlu.parse(t).intent != want}
    assert len(wrong) <= 1, wrong


@pytest.mark.parametrize(("text", "intent"), [
    ("my boss fired me", "jobs"),  # fired is not fire
    ("I was fired last week", "jobs"),
])
def test_being_fired_is_a_jobs_question(nlu: BuiltinNLU, text: str, intent: str) -> None:
    assert nlu.parse(text).intent == intent


@pytest.mark.parametrize("text", ["no", "ya", "lol", "ok", "👍", "こんにちは", "zzzz qqqq"])
def test_a_word_or_nothing_known_is_no_emergency(nlu: BuiltinNLU, text: str) -> None:
    assert nlu.parse(text).intent != EMERGENCY
