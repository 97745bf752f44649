"""SMS keywords, matched on brief (SMS) channels before anything else: the whole message, in any
case, with or without accents. STOP and its equivalents stop all messages to the number until
START; HELP answers with help; MORE sends the rest of a reply that did not fit. Carriers and
Twilio know the English words; each supported language has its own too."""

from __future__ import annotations

import unicodedata

STOP, START, HELP, MORE = "stop", "start", "help", "more"
WORDS: dict[str, dict[str, str]] = {  # keyword: {word: the language it is in}
    STOP: {"stop": "en", "stopall": "en", "unsubscribe": "en", "cancel": "en", "end": "en", "quit": "en",
           "arret": "fr", "parar": "es", "baja": "es", "hinto": "tl", "退订": "zh-Hans", "退訂": "zh-Hant",
           "중지": "ko", "huy": "vi", "ਬੰਦ": "pa", "توقف": "ar", "لغو": "fa", "стоп": "uk"},
    START: {"start": "en", "unstop": "en"},  # not "yes": it answers the bot's own questions
    HELP: {"help": "en", "info": "en", "aide": "fr", "ayuda": "es", "tulong": "tl", "帮助": "zh-Hans",
           "幫助": "zh-Hant", "도움말": "ko", "giup": "vi", "ਮਦਦ": "pa", "مساعدة": "ar", "کمک": "fa",
           "допомога": "uk"},
    # The rest of a reply cut to fit (only while there is a rest). The first word for a language is
    # the one its "reply MORE" line names.
    MORE: {"more": "en", "plus": "fr", "suite": "fr", "mas": "es", "dagdag": "tl", "更多": "zh-Hans",
           "더보기": "ko", "더 보기": "ko", "them": "vi", "ਹੋਰ": "pa", "المزيد": "ar", "بیشتر": "fa",
           "بيشتر": "fa", "далі": "uk"},
}


def folded(text: str) -> str:
    """Lower case, accents and surrounding spaces and full stops gone: "Arrêt." -> "arret"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().strip(".!").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def keyword(text: str) -> tuple[str, str] | None:
    """(keyword, the language of the word) if the whole message is one, else None."""
    return _FOLDED.get(folded(text))


MORE_KEPT = "more"  # the conversation state's key for the rest of a reply cut to fit, with its language


def keep_rest(state: dict, rest: str, language: str) -> None:
    """What did not fit in the SMS just sent, for MORE; nothing, when it all fitted. The menu on
    offer is held back with it: its lines are in the rest, so the person has not seen it, and a
    number typed before they do must not answer it (a "1" is no consent to what they could not read)."""
    state.pop(MORE_KEPT, None)
    if rest:
        state[MORE_KEPT] = {"text": rest, "language": language, "choices": state.get("choices") or []}
        state["choices"] = []


def take_rest(state: dict) -> tuple[str, str]:
    """The rest kept for MORE, and its language; the menu it ends with is on offer again."""
    rest = state.pop(MORE_KEPT)
    state["choices"] = rest["choices"]
    return rest["text"], rest["language"]


def more_word(language: str) -> str:
    """The word that asks for the rest of a reply, as its "reply MORE" line names it."""
    language = "zh-Hans" if language == "zh-Hant" else language  # one word in both scripts
    return next((word for word, lang in WORDS[MORE].items() if lang == language), "more").upper()


_FOLDED = {folded(word): (name, language) for name, words in WORDS.items() for word, language in words.items()}
