"""The dialogue: every decision about what to say next, for every channel.

`Dialogue.handle(inbound)` takes one message (or pressed choice) from one person and returns the
replies. The person's state lives in the database, so any process can take their next message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.i18n import babel_locale
from bot.dialogue.messages import Inbound, Outbound
from bot.dialogue.replies import ENTRY, HELPFUL, LANGUAGE, MENU, NO_PERSON, NOT_HELPFUL, PERSON, TOPIC, Replies
from bot.knowledge.model import Entry, KnowledgeBase, Service
from bot.knowledge.reload import KnowledgeReloader
from bot.knowledge.search import EntrySearch
from bot.languages import DEFAULT, SUPPORTED
from bot.nlu.emergency import EMERGENCY
from bot.nlu.engine import OUT_OF_SCOPE, NLUEngine, Parse
from bot.nlu.text import script_counts
from bot.storage.conversations import Conversation, Conversations
from bot.storage.pseudonym import contact_id

# Commands work in every language (and become Telegram's command menu).
COMMANDS = {"/start": "start", "/help": "help", "/language": "change_language", "/menu": MENU}
# "2", " 2.", "٢", "۲": Python's \d and int() read every script's digits.
NUMBER = re.compile(r"\s*(\d{1,3})\s*[.)]?\s*")
# Offer to switch language only for a message long and clear enough that the guess is safe:
# "ok" or an English clinic name inside a Punjabi conversation is no reason to ask.
SWITCH_CONFIDENCE = 0.9
SWITCH_MIN_LETTERS = 15
# Two entries whose scores are this close are both offered, instead of guessing.
CLOSE_SCORES = 2.0


@dataclass(frozen=True)
class Knowledge:
    """The knowledge base and its search, swapped as one when staff edit the files."""

    kb: KnowledgeBase
    search: EntrySearch

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Knowledge:
        return cls(kb, EntrySearch(kb))


class Dialogue:
    def __init__(self, nlu: NLUEngine, kb: KnowledgeBase, sessions: sessionmaker[Session], secret_key: bytes,
                 reloader: KnowledgeReloader | None = None):
        """`reloader`: watch the knowledge base's files and answer from an edited version once it
        loads without errors."""
        self.nlu = nlu
        self.knowledge = Knowledge.of(kb)
        self.conversations = Conversations(sessions)
        self._secret_key = secret_key
        self._reloader = reloader

    @property
    def kb(self) -> KnowledgeBase:
        return self.knowledge.kb

    def handle(self, inbound: Inbound) -> list[Outbound]:
        edited = self._reloader.changed() if self._reloader else None
        if edited is not None:
            self.knowledge = Knowledge.of(edited)
        contact = contact_id(self._secret_key, inbound.channel, inbound.sender)
        with self.conversations.open(contact, inbound.channel) as conversation:
            turn = _Turn(self, self.knowledge, conversation, inbound)
            replies = turn.run()
            conversation.log(True, inbound.text or inbound.choice or "", turn.parse.language if turn.parse else None,
                             turn.parse.intent if turn.parse else None)
            for reply in replies:
                conversation.log(False, reply.text, reply.language)
            offered = [c.id for reply in replies for c in reply.choices]
            if offered or not turn.keep_choices:
                conversation.state["choices"] = offered
        return replies


class _Turn:
    """One inbound message: reads and changes the conversation, returns the replies."""

    def __init__(self, dialogue: Dialogue, knowledge: Knowledge, conversation: Conversation, inbound: Inbound):
        self.dialogue = dialogue
        self.kb = knowledge.kb
        self.search = knowledge.search
        self.conversation = conversation
        self.state = conversation.state
        self.inbound = inbound
        self.parse: Parse | None = None
        self.keep_choices = False  # an emergency or a wrong number leaves the menu on offer

    @property
    def language(self) -> str:
        return self.conversation.language or DEFAULT

    def replies(self, language: str | None = None) -> Replies:
        return Replies(language or self.language, self.kb)

    def run(self) -> list[Outbound]:
        text = self.inbound.text.strip()
        # A button pressed on an older message still counts; a typed number means the latest menu.
        choice = self.inbound.choice or self.typed_choice(text)
        if choice in self.state.get("choices", ()) or (self.inbound.choice and self.valid(self.inbound.choice)):
            return self.on_choice(choice)
        command = COMMANDS.get(text.split()[0].casefold()) if text.startswith("/") else None
        if command:  # a stranger's first command still starts with their language
            return self.on_intent(command, text) if self.conversation.language else self.ask_language("")
        self.parse = self.dialogue.nlu.parse(text)
        if self.parse.intent == EMERGENCY:  # before anything else, whatever was on offer
            self.keep_choices = True
            return [self.replies(self.conversation.language or self.parse.language).emergency(self.kb.emergency)]
        if choice == "out of range":
            self.keep_choices = True
            return [self.replies().pick_a_number(len(self.state["choices"]))]
        if self.conversation.language is None:
            return self.ask_language(text)
        if self.other_language(text):
            self.state["pending"] = text
            return [self.replies(self.parse.language).switch_language(self.parse.language, self.language)]
        return self.on_intent(self.parse.intent or OUT_OF_SCOPE, text)

    def typed_choice(self, text: str) -> str | None:
        """The offered choice a typed reply names: its number in the menu, or its label."""
        offered = self.state.get("choices") or []
        if not offered or not text:
            return None
        number = NUMBER.fullmatch(text)
        if number:
            index = int(number.group(1)) - 1
            return offered[index] if 0 <= index < len(offered) else "out of range"
        typed = text.casefold()
        replies = self.replies()
        for choice in offered:
            names = {replies.label(choice)}
            if choice.startswith(LANGUAGE):  # "punjabi", "pa" as well as "ਪੰਜਾਬੀ"
                code = choice.removeprefix(LANGUAGE)
                names |= {code, babel_locale(code).get_display_name("en"), babel_locale(code).language_name}
            if typed in {name.casefold() for name in names if name}:
                return choice
        return None

    def valid(self, choice: str) -> bool:
        kind, _, value = choice.partition(":")
        known = {LANGUAGE: SUPPORTED, TOPIC: self.kb.topics, ENTRY: self.kb.entries}.get(kind + ":")
        if known is not None:
            return value in known
        return choice in (PERSON, NO_PERSON, MENU) or (choice in (HELPFUL, NOT_HELPFUL) and "entry" in self.state)

    def other_language(self, text: str) -> bool:
        detected = self.parse.language
        return (detected is not None and detected != self.language
                and self.parse.language_confidence >= SWITCH_CONFIDENCE
                and sum(script_counts(text).values()) >= SWITCH_MIN_LETTERS
                and detected not in self.state.get("kept_language_over", ()))

    def ask_language(self, text: str) -> list[Outbound]:
        """First contact: confirm the language before anything else; the question waits."""
        guessed = self.parse.language if self.parse else None
        if text and not text.startswith("/"):
            self.state["pending"] = text
        return [self.replies(guessed).choose_language([guessed or DEFAULT], guessed, greet=True)]

    # Choices -----------------------------------------------------------------------------------

    def on_choice(self, choice: str) -> list[Outbound]:
        if choice.startswith(LANGUAGE):
            return self.set_language(choice.removeprefix(LANGUAGE))
        if choice.startswith(TOPIC):
            topic = choice.removeprefix(TOPIC)
            return [self.replies().entry_menu(topic, self.entries_of(topic))]
        if choice.startswith(ENTRY):
            return [self.answer(self.kb.entries[choice.removeprefix(ENTRY)])]
        if choice in (HELPFUL, NOT_HELPFUL):
            if "entry" in self.state:
                self.conversation.feedback(self.state["entry"], choice == HELPFUL)
            return [self.replies().glad() if choice == HELPFUL else self.replies().sorry_not_helpful()]
        if choice == PERSON:
            return [self.replies().person(self.service())]
        if choice == NO_PERSON:
            return [self.replies().no_person()]
        return [self.replies().topic_menu()]  # MENU

    def set_language(self, language: str) -> list[Outbound]:
        previous = self.conversation.language
        if previous == language and self.state.get("pending"):  # kept it over a detected other language
            kept = self.state.setdefault("kept_language_over", [])
            kept.append(self.dialogue.nlu.parse(self.state["pending"]).language)
        self.conversation.language = language
        replies = [self.replies().language_set()]
        pending = self.state.pop("pending", None)
        if pending:
            self.parse = self.dialogue.nlu.parse(pending)
            return replies + self.on_intent(self.parse.intent or OUT_OF_SCOPE, pending)
        return [*replies, self.replies().topic_menu()]

    # Intents -----------------------------------------------------------------------------------

    def on_intent(self, intent: str, text: str) -> list[Outbound]:
        if intent != OUT_OF_SCOPE:
            self.state["fallbacks"] = 0
        replies = self.replies()
        if intent in self.kb.topics:
            return [self.answer_topic(intent, text)]
        if intent in ("start", "greet"):
            return [replies.welcome()]
        if intent == "help":
            return [replies.help()]
        if intent == MENU:
            return [replies.topic_menu()]
        if intent == "thanks":
            return [replies.thanks()]
        if intent == "goodbye":
            self.state.pop("pending", None)
            return [replies.goodbye()]
        if intent == "change_language":
            return [replies.choose_language([self.language], None, greet=False)]
        if intent == "human_handoff":
            return [replies.person(self.service())]
        return [self.fallback(text)]

    def fallback(self, text: str) -> Outbound:
        """Not understood: ask for other words once, then offer a person."""
        self.conversation.unanswered(text, self.language, OUT_OF_SCOPE)
        self.state["fallbacks"] = self.state.get("fallbacks", 0) + 1
        if self.state["fallbacks"] >= 2:
            self.state["fallbacks"] = 0
            return self.replies().still_not_understood()
        return self.replies().rephrase()

    def answer_topic(self, topic: str, text: str) -> Outbound:
        self.state["topic"] = topic
        written_in = self.parse.language if self.parse else None  # may differ from the reader's language
        matches = self.search.ranked(text, (self.language, written_in), topic, 2)
        if not matches:
            self.conversation.unanswered(text, self.language, topic)
            return self.replies().not_found(topic, self.entries_of(topic))
        if len(matches) > 1 and matches[0].score - matches[1].score <= CLOSE_SCORES:
            return self.replies().which_one([self.kb.entries[m.entry] for m in matches])
        return self.answer(self.kb.entries[matches[0].entry])

    def answer(self, entry: Entry) -> Outbound:
        self.state["entry"] = entry.id
        self.state["topic"] = entry.topic
        return self.replies().answer(entry, self.inbound.brief)

    def entries_of(self, topic: str) -> list[Entry]:
        return [e for e in self.kb.entries.values() if e.topic == topic]

    def service(self) -> Service:
        """A partner service for the person's last topic, in their language if one speaks it."""
        topic = self.state.get("topic")
        services = list(self.kb.services.values())
        return max(services, key=lambda s: (topic in s.topics, self.language in s.languages))

