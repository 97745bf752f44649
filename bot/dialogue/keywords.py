"""SMS keywords, matched on brief (SMS) channels before anything else: the whole message, in any
case, with or without accents. STOP and its equivalents stop all messages to the number until
START; HELP answers with help. Carriers and Twilio know the English words; each supported language
has its own too."""

from __future__ import annotations

import unicodedata

STOP, START, HELP = "stop", "start", "help"
WORDS: dict[str, dict[str, str]] = {  # keyword: {word: the language it is in}
    STOP: {"stop": "en", "stopall": "en", "unsubscribe": "en", "cancel": "en", "end": "en", "quit": "en",
           "arret": "fr", "parar": "es", "baja": "es", "hinto": "tl", "退订": "zh-Hans", "退訂": "zh-Hant",
           "중지": "ko", "dung": "vi", "ਬੰਦ": "pa", "توقف": "ar", "لغو": "fa", "стоп": "uk"},
    START: {"start": "en", "unstop": "en"},  # not "yes": it answers the bot's own questions
    HELP: {"help": "en", "info": "en", "aide": "fr", "ayuda": "es", "tulong": "tl", "帮助": "zh-Hans",
           "幫助": "zh-Hant", "도움말": "ko", "giup": "vi", "ਮਦਦ": "pa", "مساعدة": "ar", "کمک": "fa",
           "допомога": "uk"},
}


def folded(text: str) -> str:
    """Lower case, accents and surrounding spaces and full stops gone: "Arrêt." -> "arret"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().strip(".!").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def keyword(text: str) -> tuple[str, str] | None:
    """(keyword, the language of the word) if the whole message is one, else None."""
    return _FOLDED.get(folded(text))


_FOLDED = {folded(word): (name, language) for name, words in WORDS.items() for word, language in words.items()}
